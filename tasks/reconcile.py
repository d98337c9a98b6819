"""The reconciler behind ``talkfarm scheduler``: it makes the broker agree with
the database, every few seconds.

- workers silent too long are marked offline;
- running jobs whose lease expired (their worker died) go back to the queue
  as an interruption, which does not use up their retry budget;
- jobs sent to the broker but never picked up while their pool sat idle had
  their message lost (a Redis restart): they are sent again;
- waiting jobs are sent as pools gain room (tasks/dispatch.py);
- idempotency keys past their lifetime are forgotten;
- the web page's sessions that expired or were signed out are deleted, a
  bounded batch at a time;
- webhook deliveries that are due are handed to the webhook queue;
- finished jobs' working files that nobody needs any more are removed
  (tasks/work_sweep.py).

Every step is idempotent, so two schedulers running at once are safe.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from domain import lifecycle, tenants
from domain.config import Settings
from domain.db import rows_changed, session_factory
from domain.models import Job
from domain.poolstats import reap_dead_workers
from domain.timeutil import utcnow
from storage import Storage, open_storage
from tasks import dispatch
from tasks.sending import CelerySender, TaskSender
from tasks.stranded_expiry import fail_stranded
from tasks.webhooks import send_due_deliveries
from tasks.work_sweep import sweep_finished_work

log = logging.getLogger(__name__)


@dataclass
class Pass:
    workers_reaped: int = 0
    leases_expired: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    sent: int = 0
    keys_expired: int = 0
    webhooks_sent: int = 0
    stranded_failed: list[str] = field(default_factory=list)
    page_sessions_pruned: int = 0
    work_swept: list[str] = field(default_factory=list)


def reconcile_once(sessions, settings: Settings, sender: TaskSender, storage: Storage | None = None) -> Pass:
    """One pass of every step, each in its own transaction, so one failing step does not undo the others.
    Without ``storage`` no working files are swept."""
    result = Pass()
    with sessions() as session, session.begin():
        result.workers_reaped = reap_dead_workers(session, settings)
    with sessions() as session, session.begin():
        result.leases_expired = lifecycle.requeue_expired_leases(session)
    if result.leases_expired:
        log.warning(
            "requeued %d job(s) whose worker went away: %s",
            len(result.leases_expired),
            ", ".join(result.leases_expired[:10]),
        )
    result.resent = dispatch.release_unclaimed(sessions, settings)
    result.sent = dispatch.fill(sessions, settings, sender)
    result.keys_expired = expire_idempotency_keys(sessions)
    result.page_sessions_pruned = prune_page_sessions(sessions)
    result.webhooks_sent = send_due_deliveries(sessions, settings, sender)
    result.stranded_failed = fail_stranded(sessions, settings, sender)  # no job waits forever
    if storage is not None:
        try:
            result.work_swept = sweep_finished_work(sessions, settings, storage)
        except Exception:  # storage away: the files wait for a later pass, and nothing else does
            log.warning("could not sweep finished jobs' working files; will retry", exc_info=True)
    return result


def expire_idempotency_keys(sessions) -> int:
    """Forget idempotency keys past their lifetime, so a key may be reused for a new job."""
    with sessions() as session, session.begin():
        return rows_changed(
            session.execute(
                sa.update(Job)
                .where(Job.idempotency_expires_at < utcnow())
                .values(idempotency_key=None, idempotency_expires_at=None)
            )
        )


#: dead page sessions deleted per transaction, and transactions per pass: a backlog drains over
#: passes (2,000 rows every few seconds), never in one DELETE that holds the table
PAGE_SESSION_BATCH = 500
PAGE_SESSION_BATCHES_PER_PASS = 4


def prune_page_sessions(sessions, batch: int = PAGE_SESSION_BATCH, batches: int = PAGE_SESSION_BATCHES_PER_PASS) -> int:
    """Delete the web page's dead sessions (expired or signed out), at most ``batch * batches`` a pass."""
    pruned = 0
    for _ in range(batches):
        with sessions() as session, session.begin():
            deleted = tenants.prune_page_sessions(session, utcnow(), batch)
        pruned += deleted
        if deleted < batch:
            break
    return pruned


#: how often the scheduler sweeps finished jobs' working segments (tasks/work_sweep.py)
WORK_SWEEP_EVERY_S = 60.0


def run_forever(settings: Settings, interval_s: float = 2.0, stop=None, sender: TaskSender | None = None) -> None:
    """The scheduler's loop: a pass every ``interval_s``; an outage only skips a pass."""
    sessions = session_factory(settings)
    sender = sender or CelerySender(settings)
    storage = open_storage(settings)
    log.info("scheduler running every %.1f s for pools %s", interval_s, ",".join(settings.pools))
    next_sweep = 0.0
    while stop is None or not stop.is_set():
        started = time.monotonic()
        # leftover segments are not urgent, and in a storage outage a sweep waits out its calls' timeouts:
        # one pass a minute sweeps, so an outage slows the other steps only that once
        sweep = storage if started >= next_sweep else None
        if sweep is not None:
            next_sweep = started + WORK_SWEEP_EVERY_S
        try:
            reconcile_once(sessions, settings, sender, sweep)
        except Exception:
            # a database or broker outage: try again next round
            log.warning("reconcile pass failed; retrying", exc_info=True)
        time.sleep(max(0.0, interval_s - (time.monotonic() - started)))
