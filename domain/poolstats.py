"""Per-pool numbers from the database: what /v1/pools, /metrics and an
autoscaler read. Work waiting *plus* work running: a pool scaled on its
broker queue alone would scale busy workers away."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.config import Settings
from domain.db import rows_changed
from domain.models import Job, Worker
from domain.states import JobState
from domain.stranded import stranded_count
from domain.timeutil import utcnow

#: jobs a worker runs at once when no worker of the pool is online to tell us
DEFAULT_WORKER_CONCURRENCY = 2


@dataclass
class PoolStats:
    tag: str
    workers_online: int = 0
    workers_draining: int = 0
    workers_starting: int = 0
    capacity: int = 0
    waiting: int = 0
    running: int = 0
    oldest_waiting_s: float = 0.0
    desired_workers: int = 0
    #: queued jobs no live worker may take (domain/stranded.py)
    stranded: int = 0
    providers: list[str] = field(default_factory=list)

    @property
    def queue_depth(self) -> int:
        return self.waiting

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "queue_depth": self.waiting}


def live_workers(session: Session, settings: Settings, pool: str | None = None) -> list[Worker]:
    """Workers that heartbeated within TALKFARM_WORKER_DEAD_AFTER_S and are not offline."""
    cutoff = utcnow() - timedelta(seconds=settings.worker_dead_after_s)
    query = sa.select(Worker).where(Worker.heartbeat_at >= cutoff, Worker.state != "offline")
    if pool:
        query = query.where(Worker.tag == pool)
    return list(session.scalars(query).all())


def reap_dead_workers(session: Session, settings: Settings) -> int:
    """Mark offline the workers that are no longer live by the definition above
    (silent for TALKFARM_WORKER_DEAD_AFTER_S); the scheduler calls this."""
    cutoff = utcnow() - timedelta(seconds=settings.worker_dead_after_s)
    return rows_changed(
        session.execute(
            sa.update(Worker).where(Worker.heartbeat_at < cutoff, Worker.state != "offline").values(state="offline")
        )
    )


def pool_stats(session: Session, settings: Settings) -> dict[str, PoolStats]:
    now = utcnow()
    stats = {tag: PoolStats(tag) for tag in settings.pools}
    concurrency: dict[str, list[int]] = {tag: [] for tag in settings.pools}
    for worker in live_workers(session, settings):
        s = stats.get(worker.tag)
        if s is None:
            continue
        if worker.state == "draining":
            s.workers_draining += 1
        elif worker.state == "starting":
            s.workers_starting += 1
        else:
            s.workers_online += 1
            s.capacity += worker.concurrency
            concurrency[worker.tag].append(worker.concurrency)
        s.providers = sorted(set(s.providers) | set(worker.providers or []))
    rows = session.execute(
        sa.select(Job.pool, Job.status, sa.func.count(), sa.func.min(Job.created_at))
        .where(Job.status.in_((JobState.QUEUED, JobState.RUNNING)))
        .group_by(Job.pool, Job.status)
    ).all()
    for pool, status, count, oldest in rows:
        s = stats.get(pool)
        if s is None:
            continue
        if status == JobState.QUEUED:
            s.waiting = count
            if oldest is not None:
                s.oldest_waiting_s = round(max(0.0, (now - oldest).total_seconds()), 1)
        else:
            s.running = count
    for tag, s in stats.items():
        s.stranded = stranded_count(session, settings, tag)
        per_worker = max(concurrency[tag]) if concurrency[tag] else DEFAULT_WORKER_CONCURRENCY
        s.desired_workers = math.ceil((s.waiting + s.running) / per_worker)
    return stats


def jobs_by_state(session: Session) -> dict[str, int]:
    counts = dict(session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status)).all())
    return {state.value: counts.get(state.value, 0) for state in JobState}
