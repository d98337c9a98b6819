"""No job waits forever: the scheduler fails a queued job that no live worker
may take once it has waited so for TALKFARM_POOL_EMPTY_FAIL_AFTER_S
(domain/stranded.py says which), with the code ``no_worker_available`` and
its webhooks, as any other failure."""

from __future__ import annotations

import logging

from domain.config import Settings
from domain.lifecycle import fail_queued
from domain.models import Job
from domain.stranded import StrandedJob, overdue, stranded_jobs
from tasks.sending import TaskSender
from tasks.webhooks import queue_job_events, send_deliveries

log = logging.getLogger(__name__)

NO_WORKER = "no_worker_available"


def _message(job: StrandedJob, settings: Settings) -> str:
    waited = f"{settings.pool_empty_fail_after_s:.0f} s"
    if job.reason == "blocklisted":
        return (
            f"Every live worker of pool {job.pool} failed on this job twice and will not take it again; "
            f"none other came for {waited}. Retry it once the pool has another worker."
        )
    return f"Pool {job.pool} has had no live worker for {waited}; start a worker of that pool and retry the job."


def fail_stranded(sessions, settings: Settings, sender: TaskSender) -> list[str]:
    """Fail the overdue stranded jobs of every pool; returns their ids."""
    if settings.pool_empty_fail_after_s <= 0:
        return []
    failed: list[str] = []
    deliveries: list[str] = []
    for pool in settings.pools:
        with sessions() as session, session.begin():
            for stranded in overdue(stranded_jobs(session, settings, pool), settings):
                job = session.get(Job, stranded.id)
                # fenced on status and attempt: a worker that claimed it meanwhile wins
                if job is None or not fail_queued(
                    session, job, NO_WORKER, _message(stranded, settings), reason=stranded.reason
                ):
                    continue
                session.refresh(job)
                deliveries += queue_job_events(session, settings, job)
                failed.append(job.id)
                log.warning(
                    "%s failed: %s (%s)",
                    job.id,
                    NO_WORKER,
                    stranded.reason,
                    extra={"job_id": job.id, "tenant_id": job.tenant_id, "pool": pool, "code": NO_WORKER},
                )
    send_deliveries(sender, deliveries)
    return failed
