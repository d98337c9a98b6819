"""The scheduler removes finished jobs' working segments that nobody needs any more, files and rows, on
PostgreSQL as on SQLite: a succeeded job's that its worker did not clear (it died in between), a failed or
canceled job's once TALKFARM_WORK_RETENTION_H has passed. It never touches a job still running, a failed one
a retry may still resume, or a succeeded one whose worker may be clearing it now; and a storage outage only
puts the sweep off."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from domain.ids import new_wm_code
from domain.models import Job, Segment, Tenant
from domain.timeutil import utcnow
from storage import StorageUnavailable, open_storage
from tasks.reconcile import reconcile_once
from tests.stubs import RecordingSender

pytestmark = pytest.mark.integration

#: (status, hours since it finished, swept?)
JOBS = {
    "succeeded long ago": ("succeeded", 1.0, True),
    "succeeded just now": ("succeeded", 1 / 60, False),
    "failed past retention": ("failed", 48.0, True),
    "failed within retention": ("failed", 1.0, False),
    "canceled past retention": ("canceled", 48.0, True),
    "running": ("running", None, False),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    from domain.config import Settings
    from domain.db import upgrade

    overrides = {"database_url": request.getfixturevalue("pg_url")} if request.param == "postgresql" else {}
    settings = Settings.from_env({}, data_dir=tmp_path / "data", pools=("cpu",), work_retention_h=24.0, **overrides)
    upgrade(settings)
    return settings


@pytest.fixture
def sessions(settings):
    from domain.db import session_factory

    return session_factory(settings)


def _jobs_with_work(sessions, storage) -> dict[str, str]:
    """A job of each kind, each with two recorded segments and their files; name -> job id."""
    made = {}
    with sessions() as session, session.begin():
        tenant = Tenant(name="sweep")
        session.add(tenant)
        session.flush()
        for name, (status, hours, _) in JOBS.items():
            finished = None if hours is None else utcnow() - dt.timedelta(hours=hours)
            job = Job(
                tenant_id=tenant.id, pool="cpu", spec={}, wm_code=new_wm_code(), status=status, finished_at=finished
            )
            session.add(job)
            session.flush()
            for index in range(2):
                key = f"work/{job.id}/seg-{index:04d}"
                session.add(Segment(job_id=job.id, index=index, storage_key=key, frames=10, duration_s=0.4, attempt=1))
                storage.put_bytes(key + ".mp4", b"video", "video/mp4")
                storage.put_bytes(key + ".wav", b"audio", "audio/wav")
            made[name] = job.id
    return made


def _left(sessions, storage, job_id: str) -> tuple[int, int]:
    with sessions() as session:
        rows = session.scalar(sa.select(sa.func.count()).select_from(Segment).where(Segment.job_id == job_id))
    return rows, len(storage.list(f"work/{job_id}/"))


class _StorageAway:
    """Storage in an outage: every call fails as S3 unreachable does."""

    def __getattr__(self, name):
        def call(*args, **kwargs):
            raise StorageUnavailable("connection refused")

        return call


def test_finished_jobs_lose_their_working_files_only_when_nobody_needs_them(settings, sessions):
    storage = open_storage(settings)
    jobs = _jobs_with_work(sessions, storage)

    away = reconcile_once(sessions, settings, RecordingSender(), _StorageAway())
    assert not away.work_swept
    assert all(_left(sessions, storage, job_id) == (2, 4) for job_id in jobs.values())  # put off, nothing lost

    swept = reconcile_once(sessions, settings, RecordingSender(), storage).work_swept
    for name, (_, _, goes) in JOBS.items():
        assert _left(sessions, storage, jobs[name]) == ((0, 0) if goes else (2, 4)), name
    assert {name for name, job_id in jobs.items() if job_id in swept} == {n for n, j in JOBS.items() if j[2]}

    again = reconcile_once(sessions, settings, RecordingSender(), storage).work_swept
    assert not set(again) & set(jobs.values())
