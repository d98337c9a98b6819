"""The database decides: fencing tokens, retries, blocklists, interruptions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from domain import lifecycle
from domain.errors import StaleAttempt
from domain.models import Job, JobAttempt, JobEvent, Tenant
from domain.timeutil import utcnow


def make_job(sessions, tenant="t1", pool="cpu", priority=5, **extra) -> str:
    with sessions() as session, session.begin():
        t = session.scalars(sa.select(Tenant).where(Tenant.name == tenant)).first()
        if t is None:
            t = Tenant(name=tenant)
            session.add(t)
            session.flush()
        job = Job(tenant_id=t.id, pool=pool, priority=priority, spec={"script": "hi"}, **extra)
        session.add(job)
        session.flush()
        return job.id


def claim(sessions, job_id, worker="w1"):
    with sessions() as session, session.begin():
        return lifecycle.claim(session, job_id, worker, lease_s=30)


def test_only_one_of_two_racing_claims_wins(sessions):
    job_id = make_job(sessions)
    first = claim(sessions, job_id, "w1")
    with pytest.raises(lifecycle.ClaimRefused):
        claim(sessions, job_id, "w2")
    assert first.token == 1


def test_stale_attempt_cannot_write_after_job_was_requeued_and_reclaimed(sessions):
    job_id = make_job(sessions)
    old = claim(sessions, job_id, "w1")
    with sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    with sessions() as session, session.begin():
        assert lifecycle.requeue_expired_leases(session) == [job_id]
    new = claim(sessions, job_id, "w2")
    assert new.token == old.token + 1
    with pytest.raises(StaleAttempt):
        with sessions() as session, session.begin():
            lifecycle.succeed(session, old, {"key": "x"}, {})
    with pytest.raises(StaleAttempt):
        with sessions() as session, session.begin():
            lifecycle.record_segment(session, old, 0, "k", 10, 0.4)
    with sessions() as session, session.begin():
        lifecycle.succeed(session, new, {"key": "x"}, {})
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job.status == "succeeded" and job.interruptions == 1 and job.failures == 0
        outcomes = session.scalars(
            sa.select(JobAttempt.outcome).where(JobAttempt.job_id == job_id).order_by(JobAttempt.number)
        ).all()
        assert outcomes == ["interrupted", "succeeded"]


def test_hand_back_does_not_use_up_the_retry_budget(sessions):
    job_id = make_job(sessions)
    for n in range(5):
        c = claim(sessions, job_id, f"w{n}")
        with sessions() as session, session.begin():
            lifecycle.hand_back(session, c, "drained")
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job.status == "queued" and job.failures == 0 and job.interruptions == 5


def test_real_failures_retry_with_backoff_then_fail_with_the_last_error(sessions):
    job_id = make_job(sessions)
    statuses = []
    for n in range(3):
        with sessions() as session, session.begin():
            session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
        c = claim(sessions, job_id, f"w{n % 2}")
        with sessions() as session, session.begin():
            statuses.append(
                lifecycle.fail_attempt(session, c, "encode_failed", f"boom {n}", retryable=True, max_failures=3)
            )
    assert statuses == ["queued", "queued", "failed"]
    with sessions() as session:
        job = session.get(Job, job_id)
        assert (job.error_code, job.error_message) == ("encode_failed", "boom 2")


def test_retry_waits_for_its_backoff(sessions):
    job_id = make_job(sessions)
    c = claim(sessions, job_id)
    with sessions() as session, session.begin():
        lifecycle.fail_attempt(session, c, "x", "y", retryable=True, max_failures=3)
    with pytest.raises(lifecycle.ClaimRefused, match="backing off"):
        claim(sessions, job_id, "w2")


def test_permanent_failure_ends_the_job_at_once(sessions):
    job_id = make_job(sessions)
    c = claim(sessions, job_id)
    with sessions() as session, session.begin():
        assert (
            lifecycle.fail_attempt(session, c, "avatar_no_face", "no face", retryable=False, max_failures=3) == "failed"
        )


def test_worker_that_failed_a_job_twice_is_not_given_it_again(sessions):
    job_id = make_job(sessions)
    for _ in range(2):
        with sessions() as session, session.begin():
            session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
        c = claim(sessions, job_id, "bad-worker")
        with sessions() as session, session.begin():
            lifecycle.fail_attempt(session, c, "x", "y", retryable=True, max_failures=10)
    with sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
    with pytest.raises(lifecycle.ClaimRefused, match="blocklisted"):
        claim(sessions, job_id, "bad-worker")
    with sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
    assert claim(sessions, job_id, "good-worker").token == 3


def test_a_blocklisted_workers_refusal_hands_the_job_back_and_records_it(sessions):
    from domain.db import in_transaction

    job_id = make_job(sessions, failed_on={"bad-worker": 2}, enqueued_at=utcnow())
    refused = in_transaction(sessions, lambda s: lifecycle.try_claim(s, job_id, "bad-worker", 30))
    assert isinstance(refused, lifecycle.ClaimRefused) and "blocklisted" in refused.reason
    with sessions() as session:
        job = session.get(Job, job_id)
        kinds = session.scalars(sa.select(JobEvent.kind).where(JobEvent.job_id == job_id)).all()
    # the hand-back committed: the dispatcher may send the job to another worker, and the event says why
    assert job.enqueued_at is None and job.status == "queued"
    assert "blocklisted" in kinds


def test_job_failing_on_three_different_workers_is_poison(sessions):
    job_id = make_job(sessions)
    status = None
    for worker in ("a", "b", "c"):
        with sessions() as session, session.begin():
            session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
        c = claim(sessions, job_id, worker)
        with sessions() as session, session.begin():
            status = lifecycle.fail_attempt(session, c, "segfault", "crashed", retryable=True, max_failures=10)
    assert status == "failed"
    with sessions() as session:
        assert session.get(Job, job_id).error_code == "job_poison"


def test_cancel_running_job_fences_its_attempt(sessions):
    job_id = make_job(sessions)
    c = claim(sessions, job_id)
    with sessions() as session, session.begin():
        assert lifecycle.cancel(session, session.get(Job, job_id))
    with pytest.raises(StaleAttempt):
        with sessions() as session, session.begin():
            lifecycle.heartbeat(session, c, 30)
    with sessions() as session, session.begin():
        assert not lifecycle.cancel(session, session.get(Job, job_id))  # already ended


def test_every_change_is_an_event_with_worker_and_attempt(sessions):
    job_id = make_job(sessions)
    c = claim(sessions, job_id, "w9")
    with sessions() as session, session.begin():
        lifecycle.succeed(session, c, {"key": "k"}, {})
    with sessions() as session:
        events = session.scalars(sa.select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)).all()
        assert [(e.kind, e.from_status, e.to_status, e.attempt, e.worker) for e in events] == [
            ("claimed", "queued", "running", 1, "w9"),
            ("succeeded", "running", "succeeded", 1, "w9"),
        ]
