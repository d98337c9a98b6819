"""Admission: which queued jobs go to the broker, and when.

Jobs wait in the database, not in the broker. A pool's queue holds only as
many messages as its live workers can take (their concurrency plus one each,
so the next job is ready when one finishes). Which jobs fill those places is
decided here, in weighted turns between tenants — the tenant with the least
work in flight relative to its weight goes next — and by priority, then age,
within a tenant. A 1,000-job batch therefore cannot starve another team's
single job, and a lost message costs nothing: the job is still in the table.

``fill`` runs after a job is committed (API), after a job ends (worker), and
every few seconds (scheduler).
"""

from __future__ import annotations

import heapq
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from domain.config import Settings
from domain.models import Job, Tenant, Worker
from domain.poolstats import live_workers
from domain.states import JobState
from domain.timeutil import utcnow
from tasks.sending import TaskSender, send_render

log = logging.getLogger(__name__)


def pool_capacity(session: Session, settings: Settings, pool: str) -> int:
    """Messages the pool's queue may hold at once (waiting in the broker or running)."""
    cutoff = utcnow() - timedelta(seconds=settings.worker_dead_after_s)
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Worker.concurrency + 1), 0)).where(
                Worker.tag == pool, Worker.state == "online", Worker.heartbeat_at >= cutoff
            )
        )
        or 0
    )


def _in_flight_by_tenant(session: Session, pool: str) -> dict[str, int]:
    rows = session.execute(
        sa.select(Job.tenant_id, sa.func.count())
        .where(
            Job.pool == pool,
            sa.or_(
                Job.status == JobState.RUNNING, sa.and_(Job.status == JobState.QUEUED, Job.enqueued_at.is_not(None))
            ),
        )
        .group_by(Job.tenant_id)
    ).all()
    return {tenant: count for tenant, count in rows}


@dataclass(frozen=True)
class Waiting:
    id: str
    tenant_id: str
    priority: int
    created_at: datetime
    weight: int


def choose(session: Session, pool: str, slots: int, in_flight: dict[str, int] | None = None) -> list[Waiting]:
    """Pick up to ``slots`` waiting jobs in weighted turns between tenants."""
    if slots <= 0:
        return []
    now = utcnow()
    # Each tenant's next `slots` jobs, priority first then age, in one query.
    rank = (
        sa.func.row_number()
        .over(partition_by=Job.tenant_id, order_by=(Job.priority.desc(), Job.created_at, Job.id))
        .label("rank")
    )
    ranked = (
        sa.select(Job.id, Job.tenant_id, Job.priority, Job.created_at, Tenant.weight, rank)
        .join(Tenant, Tenant.id == Job.tenant_id)
        .where(
            Job.pool == pool,
            Job.status == JobState.QUEUED,
            Job.enqueued_at.is_(None),
            sa.or_(Job.not_before.is_(None), Job.not_before <= now),
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(ranked).where(ranked.c.rank <= slots).order_by(ranked.c.tenant_id, ranked.c.rank)
    ).all()
    if not rows:
        return []
    heads: dict[str, list[Waiting]] = defaultdict(list)
    for row in rows:
        heads[row.tenant_id].append(Waiting(row.id, row.tenant_id, row.priority, row.created_at, max(1, row.weight)))
    if in_flight is None:
        in_flight = _in_flight_by_tenant(session, pool)
    # Stride scheduling: serve the tenant whose in-flight work per unit of weight is smallest.
    counts = defaultdict(int, in_flight)
    turn = [(counts[t] / jobs[0].weight, jobs[0].created_at, t) for t, jobs in heads.items()]
    heapq.heapify(turn)
    chosen: list[Waiting] = []
    while turn and len(chosen) < slots:
        _, _, tenant = heapq.heappop(turn)
        job = heads[tenant].pop(0)
        chosen.append(job)
        counts[tenant] += 1
        if heads[tenant]:
            nxt = heads[tenant][0]
            heapq.heappush(turn, (counts[tenant] / nxt.weight, nxt.created_at, tenant))
    return chosen


def admit(session: Session, settings: Settings, pool: str) -> list[Waiting]:
    """Inside the caller's transaction: mark as many waiting jobs as the pool
    has room for. The caller sends them once committed (``tasks.admission.Admission``)."""
    capacity = pool_capacity(session, settings, pool)
    if capacity <= 0:
        return []
    in_flight = _in_flight_by_tenant(session, pool)
    jobs = choose(session, pool, capacity - sum(in_flight.values()), in_flight)
    if not jobs:
        return []
    # Conditional: of two concurrent fills that picked the same job, one marks it.
    marked = set(
        session.scalars(
            sa.update(Job)
            .where(Job.id.in_([j.id for j in jobs]), Job.status == JobState.QUEUED, Job.enqueued_at.is_(None))
            .values(enqueued_at=utcnow(), sends=Job.sends + 1)
            .returning(Job.id)
        ).all()
    )
    return [job for job in jobs if job.id in marked]


def send_admitted(
    factory: sessionmaker[Session], settings: Settings, sender: TaskSender, pool: str, jobs: list[Waiting]
) -> int:
    """Send admitted jobs (after their commit: a worker never sees a row it cannot read).
    A job the broker refuses is unmarked, for the next fill."""
    sent, unsent = 0, []
    for job in jobs:
        try:
            send_render(sender, pool, job.id, job.priority)
            sent += 1
        except Exception as exc:  # broker down
            unsent.append(job.id)
            log.warning(
                "could not send %s to the broker (%s); will retry",
                job.id,
                exc,
                extra={"job_id": job.id, "tenant_id": job.tenant_id, "pool": pool},
            )
    if unsent:
        with factory() as session, session.begin():
            session.execute(
                sa.update(Job).where(Job.id.in_(unsent), Job.status == JobState.QUEUED).values(enqueued_at=None)
            )
    return sent


def anything_waiting(session: Session, pool: str) -> bool:
    """Whether the pool has jobs not yet sent — one indexed probe, so that a
    worker that finishes a job refills only when there is something to send."""
    return (
        session.scalar(
            sa.select(sa.exists().where(Job.pool == pool, Job.status == JobState.QUEUED, Job.enqueued_at.is_(None)))
        )
        or False
    )


def fill(
    factory: sessionmaker[Session],
    settings: Settings,
    sender: TaskSender,
    pools: list[str] | None = None,
    *,
    only_if_waiting: bool = False,
) -> int:
    """Send as many waiting jobs as the pools have room for. Returns how many were sent."""
    sent = 0
    for pool in pools or list(settings.pools):
        with factory() as session, session.begin():
            if only_if_waiting and not anything_waiting(session, pool):
                continue
            admitted = admit(session, settings, pool)
        sent += send_admitted(factory, settings, sender, pool, admitted)
    return sent


def release_unclaimed(factory: sessionmaker[Session], settings: Settings) -> list[str]:
    """Jobs sent to the broker long ago but never claimed, while their pool had
    idle workers: their message was lost (e.g. Redis restarted empty). Mark them
    unsent so the next fill sends them again; a duplicate message is harmless
    because a claim only succeeds on a queued job."""
    released: list[str] = []
    cutoff = utcnow() - timedelta(seconds=settings.queued_resend_after_s)
    with factory() as session, session.begin():
        for pool in settings.pools:
            workers = [w for w in live_workers(session, settings, pool) if w.state == "online"]
            idle = sum(max(0, w.concurrency - w.running) for w in workers)
            if not idle:
                continue
            stale = session.scalars(
                sa.select(Job.id)
                .where(Job.pool == pool, Job.status == JobState.QUEUED, Job.enqueued_at < cutoff)
                .limit(500)
            ).all()
            if stale:
                session.execute(
                    sa.update(Job).where(Job.id.in_(stale), Job.status == JobState.QUEUED).values(enqueued_at=None)
                )
                released.extend(stale)
    if released:
        log.warning("re-sending %d job(s) whose broker message went missing", len(released))
    return released
