"""No job waits forever: a queued job that no live worker may take (every
live worker of its pool blocklisted it, or the pool has none) is counted on
/v1/pools and /metrics while it waits, and fails ``no_worker_available``
once it has waited so for TALKFARM_POOL_EMPTY_FAIL_AFTER_S."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa

from domain.models import Job, JobEvent, Tenant, Worker
from domain.poolstats import pool_stats
from domain.stranded import stranded_jobs
from domain.timeutil import utcnow
from tasks.stranded_expiry import fail_stranded
from tests.stubs import RecordingSender


@pytest.fixture
def settings(sqlite_settings):
    return dataclasses.replace(sqlite_settings, pool_empty_fail_after_s=60.0)


@pytest.fixture
def tenant_id(sessions):
    with sessions() as session, session.begin():
        tenant = Tenant(name="newsroom")
        session.add(tenant)
        session.flush()
        return tenant.id


def _worker(sessions, worker_id: str, seconds_ago: float = 0.0, state: str = "online") -> None:
    with sessions() as session, session.begin():
        session.add(
            Worker(
                id=worker_id,
                hostname="h",
                tag="cpu",
                arch="x86_64",
                state=state,
                heartbeat_at=utcnow() - timedelta(seconds=seconds_ago),
            )
        )


def _job(sessions, tenant_id, *, queued_ago: float, failed_on: dict | None = None) -> str:
    with sessions() as session, session.begin():
        job = Job(
            tenant_id=tenant_id,
            pool="cpu",
            spec={},
            status="queued",
            failed_on=failed_on or {},
            failures=sum((failed_on or {}).values()),
            updated_at=utcnow() - timedelta(seconds=queued_ago),
        )
        session.add(job)
        session.flush()
        return job.id


def _status(sessions, job_id) -> tuple[str, str | None]:
    with sessions() as session:
        job = session.get(Job, job_id)
        return job.status, job.error_code


def test_a_job_its_only_worker_blocklisted_is_counted_then_failed_after_the_limit(sessions, settings, tenant_id):
    _worker(sessions, "w1")
    waiting = _job(sessions, tenant_id, queued_ago=10, failed_on={"w1": 2})
    overdue = _job(sessions, tenant_id, queued_ago=120, failed_on={"w1": 2})
    with sessions() as session:
        assert {j.id: j.reason for j in stranded_jobs(session, settings, "cpu")} == {
            waiting: "blocklisted",
            overdue: "blocklisted",
        }
        assert pool_stats(session, settings)["cpu"].stranded == 2

    assert fail_stranded(sessions, settings, RecordingSender()) == [overdue]
    assert _status(sessions, overdue) == ("failed", "no_worker_available")
    assert _status(sessions, waiting) == ("queued", None)  # its limit is not up yet
    with sessions() as session:
        event = session.scalars(sa.select(JobEvent).where(JobEvent.job_id == overdue, JobEvent.kind == "failed")).one()
        assert event.detail["code"] == "no_worker_available" and event.detail["reason"] == "blocklisted"
        assert "worker" in session.get(Job, overdue).error_message


def test_another_live_worker_that_may_take_it_means_it_is_not_stranded(sessions, settings, tenant_id):
    _worker(sessions, "w1")
    _worker(sessions, "w2")
    job = _job(sessions, tenant_id, queued_ago=120, failed_on={"w1": 2})
    with sessions() as session:
        assert stranded_jobs(session, settings, "cpu") == []
    assert fail_stranded(sessions, settings, RecordingSender()) == []
    assert _status(sessions, job) == ("queued", None)


def test_one_failure_on_a_worker_does_not_block_it(sessions, settings, tenant_id):
    _worker(sessions, "w1")
    job = _job(sessions, tenant_id, queued_ago=120, failed_on={"w1": 1})
    assert fail_stranded(sessions, settings, RecordingSender()) == []
    assert _status(sessions, job) == ("queued", None)


def test_an_empty_pool_fails_a_job_only_after_the_limit_since_its_last_eligible_worker(sessions, settings, tenant_id):
    _worker(sessions, "gone", seconds_ago=45, state="offline")  # died 45 s ago: the job waits 60 s from then
    job = _job(sessions, tenant_id, queued_ago=600)
    with sessions() as session:
        [stranded] = stranded_jobs(session, settings, "cpu")
        assert stranded.reason == "pool_empty"
    assert fail_stranded(sessions, settings, RecordingSender()) == []

    with sessions() as session, session.begin():
        session.execute(sa.update(Worker).values(heartbeat_at=utcnow() - timedelta(seconds=90)))
    assert fail_stranded(sessions, settings, RecordingSender()) == [job]
    assert _status(sessions, job) == ("failed", "no_worker_available")


def test_a_fresh_job_in_an_empty_pool_gets_the_whole_limit(sessions, settings, tenant_id):
    job = _job(sessions, tenant_id, queued_ago=5)
    assert fail_stranded(sessions, settings, RecordingSender()) == []
    assert _status(sessions, job) == ("queued", None)


def test_every_queued_job_of_an_empty_pool_counts_as_stranded_however_many(sessions, settings, tenant_id):
    for _ in range(1005):
        _job(sessions, tenant_id, queued_ago=5)
    with sessions() as session:
        assert pool_stats(session, settings)["cpu"].stranded == 1005


def test_limit_zero_waits_forever(sessions, settings, tenant_id):
    job = _job(sessions, tenant_id, queued_ago=10**6)
    assert fail_stranded(sessions, dataclasses.replace(settings, pool_empty_fail_after_s=0.0), RecordingSender()) == []
    assert _status(sessions, job) == ("queued", None)


def test_failing_a_stranded_job_queues_its_job_failed_webhook(sessions, settings, tenant_id):
    from domain.models import WebhookDelivery, WebhookEndpoint

    with sessions() as session, session.begin():
        session.add(WebhookEndpoint(tenant_id=tenant_id, url="http://127.0.0.1:9/hook", events=[], secret="whsec_x"))
    job = _job(sessions, tenant_id, queued_ago=600)
    assert fail_stranded(sessions, settings, RecordingSender()) == [job]
    with sessions() as session:
        delivery = session.scalars(sa.select(WebhookDelivery)).one()
        assert (
            delivery.event_type == "job.failed" and delivery.payload["data"]["error"]["code"] == "no_worker_available"
        )
