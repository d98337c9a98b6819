"""A model that every live worker of its pool refused to load is refused at
submit (422 ``model_unavailable``, naming the pool, the model and why), not
accepted to fail later; one worker that serves it is enough; workers show what
they refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.models import Worker
from domain.timeutil import utcnow
from tests.unit.api.test_requests import JOB, assert_problem, nothing_stored

WHY = "model_invalid: model 'builtin' (adapter builtin): output 'fields' has shape [1, 2], expected [N, 48, 48, 16]"


def add_worker(sessions, worker_id: str, refused: dict[str, str], *, state: str = "online", age_s: float = 0.0):
    with sessions() as session, session.begin():
        session.add(
            Worker(
                id=worker_id,
                hostname=worker_id,
                tag="cpu",
                arch="x86_64",
                concurrency=1,
                state=state,
                refused_models=refused,
                heartbeat_at=utcnow() - timedelta(seconds=age_s),
            )
        )


def test_every_live_worker_refused_the_model_is_a_422_naming_why_and_nothing_is_stored(
    alpha, sessions, sqlite_settings
):
    add_worker(sessions, "w1", {"builtin": WHY})
    add_worker(sessions, "w2", {"builtin": WHY})
    add_worker(sessions, "w-dead", {}, age_s=3600)  # long silent: not counted as serving it
    add_worker(sessions, "w-draining", {}, state="draining")  # takes no new work

    body = assert_problem(alpha.post("/v1/jobs", json=JOB), 422, "model_unavailable")

    assert (
        "'cpu' (2)" in body["detail"] and "'builtin'" in body["detail"] and "expected [N, 48, 48, 16]" in body["detail"]
    )
    nothing_stored(sessions, sqlite_settings)


@pytest.mark.parametrize("other", [{}, {"some-other-model": "model_unavailable: no file"}])
def test_one_live_worker_that_serves_it_is_enough(alpha, sessions, other):
    add_worker(sessions, "w1", {"builtin": WHY})
    add_worker(sessions, "w2", other)
    assert alpha.post("/v1/jobs", json=JOB).status_code == 202


def test_with_no_live_worker_the_job_is_taken_and_waits_for_one(alpha):
    assert alpha.post("/v1/jobs", json=JOB).status_code == 202


def test_the_workers_list_shows_what_each_worker_refused(app, sessions):
    from domain.tenants import create_key, get_or_create_tenant
    from tests.unit.api.bearer import client

    with sessions() as session, session.begin():
        ops = client(app, create_key(session, get_or_create_tenant(session, "ops"), "operator"))
    add_worker(sessions, "w1", {"builtin": WHY})
    items = {w["id"]: w for w in ops.get("/v1/workers").get_json()["items"]}
    assert items["w1"]["refused_models"] == {"builtin": WHY}


def test_auto_passes_over_an_accelerator_pool_whose_workers_all_refused_the_model(tmp_path, monkeypatch):
    from api.intake import choose_pool
    from domain.config import Settings
    from domain.db import session_factory, upgrade

    settings = Settings.from_env({}, data_dir=tmp_path / "data", pools=("amd64-gpu", "cpu"))
    upgrade(settings)
    sessions = session_factory(settings)
    with sessions() as session, session.begin():
        session.add(
            Worker(
                id="gpu-1",
                hostname="g",
                tag="amd64-gpu",
                arch="x86_64",
                concurrency=1,
                state="online",
                refused_models={"musetalk": "model_invalid: wrong output shape"},
                heartbeat_at=utcnow(),
            )
        )
        session.add(
            Worker(
                id="cpu-1", hostname="c", tag="cpu", arch="x86_64", concurrency=1, state="online", heartbeat_at=utcnow()
            )
        )
    with sessions() as session:
        assert choose_pool(session, settings, "auto", None, "musetalk") == "cpu"
        assert choose_pool(session, settings, "auto", None, "builtin") == "amd64-gpu"  # accelerators first
