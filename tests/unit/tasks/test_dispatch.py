"""Admission: jobs go to the broker only as pools have room, in weighted turns
between tenants, by priority within a tenant."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from domain.models import Job, Tenant, Worker
from domain.timeutil import utcnow
from tasks import dispatch
from tasks.task_names import RENDER_JOB
from tests.stubs import RecordingSender


def tenant(sessions, name, weight=1) -> str:
    with sessions() as session, session.begin():
        t = Tenant(name=name, weight=weight)
        session.add(t)
        session.flush()
        return t.id


def jobs(sessions, tenant_id, n, priority=5, pool="cpu") -> list[str]:
    ids = []
    with sessions() as session, session.begin():
        for _ in range(n):
            job = Job(tenant_id=tenant_id, pool=pool, priority=priority, spec={})
            session.add(job)
            session.flush()
            ids.append(job.id)
    return ids


def choose(sessions, n, pool="cpu") -> list[Job]:
    with sessions() as session:
        return dispatch.choose(session, pool, n)


def test_a_big_batch_does_not_starve_another_tenants_single_job(sessions):
    big, small = tenant(sessions, "big"), tenant(sessions, "small")
    jobs(sessions, big, 50)
    (single,) = jobs(sessions, small, 1)
    chosen = choose(sessions, 2)
    assert single in [j.id for j in chosen]


def test_turns_follow_tenant_weights(sessions):
    heavy, light = tenant(sessions, "heavy", weight=3), tenant(sessions, "light", weight=1)
    jobs(sessions, heavy, 20)
    jobs(sessions, light, 20)
    picked = [j.tenant_id for j in choose(sessions, 8)]
    assert picked.count(heavy) == 6 and picked.count(light) == 2


def test_work_already_in_flight_counts_against_a_tenant(sessions):
    busy, idle = tenant(sessions, "busy"), tenant(sessions, "idle")
    busy_jobs = jobs(sessions, busy, 6)
    with sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id.in_(busy_jobs[:3])).values(status="running"))
    jobs(sessions, idle, 5)
    picked = [j.tenant_id for j in choose(sessions, 3)]
    assert picked == [idle, idle, idle]


def test_priority_orders_work_within_a_tenant(sessions):
    t = tenant(sessions, "t")
    low = jobs(sessions, t, 2, priority=1)
    (urgent,) = jobs(sessions, t, 1, priority=9)
    assert [j.id for j in choose(sessions, 2)] == [urgent, low[0]]


def test_jobs_waiting_out_a_backoff_are_not_sent(sessions):
    t = tenant(sessions, "t")
    (job_id,) = jobs(sessions, t, 1)
    with sessions() as session, session.begin():
        session.execute(sa.update(Job).values(not_before=utcnow() + timedelta(minutes=1)))
    assert choose(sessions, 5) == []


def test_pool_capacity_counts_only_live_online_workers(sessions, sqlite_settings):
    now = utcnow()
    with sessions() as session, session.begin():
        session.add_all(
            [
                Worker(id="a", hostname="h", tag="cpu", arch="x86_64", concurrency=2, state="online", heartbeat_at=now),
                Worker(
                    id="b", hostname="h", tag="cpu", arch="x86_64", concurrency=2, state="draining", heartbeat_at=now
                ),
                Worker(
                    id="c",
                    hostname="h",
                    tag="cpu",
                    arch="x86_64",
                    concurrency=2,
                    state="online",
                    heartbeat_at=now - timedelta(minutes=5),
                ),
            ]
        )
    with sessions() as session:
        assert dispatch.pool_capacity(session, sqlite_settings, "cpu") == 3  # 2 slots + 1 ready-next for worker a


def test_fill_sends_no_more_than_the_pool_can_take(sessions, sqlite_settings):
    sender = RecordingSender()
    t = tenant(sessions, "t")
    jobs(sessions, t, 10)
    with sessions() as session, session.begin():
        session.add(
            Worker(id="a", hostname="h", tag="cpu", arch="x86_64", concurrency=2, state="online", heartbeat_at=utcnow())
        )
    assert dispatch.fill(sessions, sqlite_settings, sender) == 3
    assert dispatch.fill(sessions, sqlite_settings, sender) == 0  # the queue is full until something ends
    with sessions() as session:
        marked = session.scalars(sa.select(Job.id).where(Job.enqueued_at.is_not(None))).all()
    assert sorted(marked) == sorted(sender.ids(RENDER_JOB))


def test_message_lost_while_pool_idle_is_sent_again(sessions, sqlite_settings):
    t = tenant(sessions, "t")
    (job_id,) = jobs(sessions, t, 1)
    with sessions() as session, session.begin():
        session.add(
            Worker(
                id="a",
                hostname="h",
                tag="cpu",
                arch="x86_64",
                concurrency=2,
                running=0,
                state="online",
                heartbeat_at=utcnow(),
            )
        )
        session.execute(sa.update(Job).values(enqueued_at=utcnow() - timedelta(minutes=10)))
    assert dispatch.release_unclaimed(sessions, sqlite_settings) == [job_id]
    assert dispatch.fill(sessions, sqlite_settings, RecordingSender()) == 1
