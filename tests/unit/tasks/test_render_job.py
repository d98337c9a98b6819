"""How the render task records an attempt that ended early. A retryable
failure while the worker drains is a hand-back, not a failure: stopping a
host stops its child processes too (ffmpeg exits 255 on SIGTERM), and the
chaos run once failed a job for good that way ("joining 3 segments: ffmpeg
exited 255")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain import lifecycle
from domain.errors import JobFailure
from domain.models import Job, JobAttempt, Segment, Tenant
from domain.params import with_defaults
from tasks.render_job import _run_attempt
from tests.stubs import RecordingSender, null_pipeline
from workers.runtime import AttemptHandle, WorkerRuntime


def _stopped_by_a_signal(handle, rt):
    raise JobFailure("encode_failed", "joining 3 segments: ffmpeg exited 255: (stopped by a signal)", retryable=True)


def _refused_input(handle, rt):
    raise JobFailure("encode_failed", "joining 3 segments: ffmpeg exited 1: Invalid data", retryable=False)


@pytest.fixture
def running(sqlite_settings, sessions):
    """A worker runtime (not started) and a job it has claimed."""

    def make(pipeline):
        rt = WorkerRuntime(
            sqlite_settings, "cpu", 1, ["CPUExecutionProvider"], pipeline=pipeline, sender=RecordingSender()
        )
        with sessions() as session, session.begin():
            tenant = Tenant(name="newsroom")
            session.add(tenant)
            session.flush()
            job = Job(
                tenant_id=tenant.id,
                pool="cpu",
                wm_code=7,
                spec={
                    "script": "Hello.",
                    "avatar": {"preset": "astronaut"},
                    "model": "builtin",
                    "params": with_defaults({}),
                    "watermark": {"enabled": False},
                },
            )
            session.add(job)
            session.flush()
            claim = lifecycle.claim(session, job.id, rt.worker_id, 60)
        return rt, AttemptHandle(claim, rt)

    return make


def _job_and_attempt(sessions, handle):
    with sessions() as session:
        job = session.get(Job, handle.claim.job_id)
        attempt = session.scalars(
            sa.select(JobAttempt).where(
                JobAttempt.job_id == handle.claim.job_id, JobAttempt.number == handle.claim.token
            )
        ).one()
        return job, attempt


def test_a_retryable_failure_while_draining_hands_the_job_back_without_counting_it(running, sessions):
    rt, handle = running(_stopped_by_a_signal)
    rt.drain()
    _run_attempt(rt, handle)
    job, attempt = _job_and_attempt(sessions, handle)
    assert (job.status, job.failures, job.interruptions) == ("queued", 0, 1)
    assert job.error_code is None and job.not_before is None  # no back-off: any worker may take it now
    assert (attempt.outcome, attempt.error_code) == ("interrupted", "drained")


def test_the_same_failure_outside_a_drain_counts_and_is_retried(running, sessions):
    rt, handle = running(_stopped_by_a_signal)
    _run_attempt(rt, handle)
    job, attempt = _job_and_attempt(sessions, handle)
    assert (job.status, job.failures, job.interruptions, job.error_code) == ("queued", 1, 0, "encode_failed")
    assert job.not_before is not None
    assert attempt.outcome == "failed"


def test_a_failure_that_will_not_pass_still_fails_the_job_during_a_drain(running, sessions):
    rt, handle = running(_refused_input)
    rt.drain()
    _run_attempt(rt, handle)
    job, _ = _job_and_attempt(sessions, handle)
    assert (job.status, job.failures, job.error_code) == ("failed", 1, "encode_failed")


def _leaves_work_then(after):
    """A pipeline that stores a finished segment, as a real attempt does, runs ``after``, then succeeds."""

    def pipeline(handle, rt):
        key = f"work/{handle.claim.job_id}/seg-0000"
        rt.storage.put_bytes(key + ".mp4", b"segment", "video/mp4")
        with rt.sessions() as session, session.begin():
            lifecycle.record_segment(session, handle.claim, 0, key, 25, 1.0)
        after(handle, rt)
        return null_pipeline(handle, rt)

    return pipeline


def test_the_work_is_cleared_once_success_is_recorded(running, sessions):
    rt, handle = running(_leaves_work_then(lambda handle, rt: None))
    _run_attempt(rt, handle)
    job, attempt = _job_and_attempt(sessions, handle)
    assert (job.status, attempt.outcome) == ("succeeded", "succeeded")
    assert rt.storage.list(f"work/{job.id}/") == []
    assert _segment_rows(sessions, job.id) == 0


def test_the_work_stays_when_success_cannot_be_recorded(running, sessions):
    """An attempt that loses its job between the upload and the success commit must leave the segments to the
    attempt that took the job over: clearing them first failed a job for good in the chaos run."""

    def taken_over(handle, rt):
        with sessions() as session, session.begin():
            session.execute(sa.update(Job).where(Job.id == handle.claim.job_id).values(attempt=Job.attempt + 1))

    rt, handle = running(_leaves_work_then(taken_over))
    _run_attempt(rt, handle)
    job, _ = _job_and_attempt(sessions, handle)
    assert job.status == "running"
    assert rt.storage.list(f"work/{job.id}/") == [f"work/{job.id}/seg-0000.mp4"]
    assert _segment_rows(sessions, job.id) == 1


def _segment_rows(sessions, job_id: str) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Segment).where(Segment.job_id == job_id))


def test_an_unexpected_error_tells_the_tenant_its_kind_and_the_log_the_rest(running, sessions, caplog):
    """A security review: a worker error the code does not anticipate reached the tenant as its own text
    (`internal_error`, "{type}: {exc}"), which can name the server's paths. The job now says what kind of error it
    was; the worker's log keeps the text and the traceback."""

    def broken(handle, rt):
        raise OSError("[Errno 13] Permission denied: '/srv/talkfarm/data/storage/tenants/ten_other/secret.wav'")

    rt, handle = running(broken)
    _run_attempt(rt, handle)
    job, _ = _job_and_attempt(sessions, handle)
    assert job.error_code == "internal_error" and "OSError" in job.error_message
    assert "/srv/talkfarm" not in job.error_message and "ten_other" not in job.error_message
    assert "/srv/talkfarm/data/storage" in caplog.text  # the operator still sees it
