"""Queued jobs that no live worker may take: every live worker of the job's
pool has blocklisted it (it failed there twice), or the pool has no live
worker at all. /v1/pools and /metrics count them while they wait; the
scheduler fails them ``no_worker_available`` once they have waited like that
for longer than TALKFARM_POOL_EMPTY_FAIL_AFTER_S (tasks/stranded_expiry.py).

How long a job has been stranded is measured from the later of the moment it
was last queued (``updated_at``: created, or requeued after a failure) and
the last heartbeat of a worker of its pool that may take it: so each job gets
the whole limit to find a worker (an autoscaler starting one from zero), and
a pool that still had an eligible worker a moment ago is not empty yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.config import Settings
from domain.lifecycle import BLOCK_AFTER_FAILURES_ON_WORKER
from domain.models import Job, Worker
from domain.states import JobState
from domain.timeutil import utcnow

#: worker states that take new jobs (a draining worker does not)
TAKING_STATES = ("online", "starting")


@dataclass(frozen=True)
class StrandedJob:
    id: str
    pool: str
    #: why no worker takes it: "pool_empty" or "blocklisted"
    reason: str
    #: since when no worker that may take it has been live
    since: datetime


def _workers_seen(session: Session, pool: str, since: datetime) -> list[sa.Row[str, datetime, str]]:
    return list(
        session.execute(
            sa.select(Worker.id, Worker.heartbeat_at, Worker.state).where(
                Worker.tag == pool, Worker.heartbeat_at >= since
            )
        ).all()
    )


def stranded_jobs(session: Session, settings: Settings, pool: str, limit: int = 1000) -> list[StrandedJob]:
    """The pool's queued jobs that no live worker may take, oldest first."""
    now = utcnow()
    live_cutoff = now - timedelta(seconds=settings.worker_dead_after_s)
    recent_cutoff = now - timedelta(seconds=max(settings.pool_empty_fail_after_s, settings.worker_dead_after_s))
    seen = _workers_seen(session, pool, recent_cutoff)
    live = [w for w in seen if w.heartbeat_at >= live_cutoff and w.state in TAKING_STATES]
    query = sa.select(Job.id, Job.failed_on, Job.updated_at).where(
        Job.pool == pool, Job.status == JobState.QUEUED.value
    )
    if live:
        # with a live worker, only a job that failed on it (twice) can be refused by it
        query = query.where(Job.failures >= BLOCK_AFTER_FAILURES_ON_WORKER)
    found = []
    for job_id, failed_on, queued_at in session.execute(query.order_by(Job.updated_at).limit(limit)).all():
        failed_on = failed_on or {}
        if any(_may_take(failed_on, w.id) for w in live):
            continue
        # any state: a worker that died or drained was eligible until its last heartbeat
        eligible_seen = [w.heartbeat_at for w in seen if _may_take(failed_on, w.id)]
        since = max([queued_at, *eligible_seen])
        found.append(StrandedJob(job_id, pool, "blocklisted" if live else "pool_empty", since))
    return found


def _may_take(failed_on: dict[str, int], worker_id: str) -> bool:
    """Whether the worker may take a job that failed on the workers in ``failed_on`` (id → failures)."""
    return failed_on.get(worker_id, 0) < BLOCK_AFTER_FAILURES_ON_WORKER


def stranded_count(session: Session, settings: Settings, pool: str) -> int:
    """How many of the pool's queued jobs no live worker may take (for /v1/pools and /metrics):
    every queued job when no worker that takes jobs is live, else those every live one blocklisted."""
    live_cutoff = utcnow() - timedelta(seconds=settings.worker_dead_after_s)
    any_live = session.scalar(
        sa.select(
            sa.exists().where(Worker.tag == pool, Worker.heartbeat_at >= live_cutoff, Worker.state.in_(TAKING_STATES))
        )
    )
    if not any_live:
        return int(
            session.scalar(
                sa.select(sa.func.count()).select_from(Job).where(Job.pool == pool, Job.status == JobState.QUEUED.value)
            )
            or 0
        )
    return len(stranded_jobs(session, settings, pool))


def overdue(stranded: list[StrandedJob], settings: Settings) -> list[StrandedJob]:
    """Those stranded for longer than TALKFARM_POOL_EMPTY_FAIL_AFTER_S (none when it is 0: wait forever)."""
    if settings.pool_empty_fail_after_s <= 0:
        return []
    cutoff = utcnow() - timedelta(seconds=settings.pool_empty_fail_after_s)
    return [job for job in stranded if job.since < cutoff]
