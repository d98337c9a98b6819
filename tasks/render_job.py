"""The render task (``talkfarm.render_job``): takes a job id, claims the job, runs the pipeline, and
records how the attempt ended. The database decides: a duplicate message, a
job already running elsewhere, or a finished job all end here quietly."""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa

from domain import lifecycle
from domain.db import in_transaction
from domain.errors import Interrupted, JobFailure, StaleAttempt
from domain.models import Job
from domain.states import JobState
from domain.structured_logs import job_context
from media.errors import MediaError
from storage import StorageUnavailable
from tasks import dispatch
from tasks.sending import CelerySender, TaskSender
from tasks.webhooks import queue_job_events, send_deliveries
from tasks.work_sweep import clear_work
from workers import runtime as worker_runtime
from workers.runtime import AttemptHandle, WorkerRuntime

log = logging.getLogger(__name__)


def render_job(job_id: str) -> None:
    """The render task: claim the job (the database decides; a duplicate or stale message ends here quietly), run the
    attempt, record how it ended, then refill the pool. A draining worker unsends the job so one that stays takes
    it.
    """
    rt = worker_runtime.current()
    if rt.draining.is_set():
        _unsend(rt, job_id)  # let a worker that stays take it
        return
    claim = in_transaction(rt.sessions, lambda s: lifecycle.try_claim(s, job_id, rt.worker_id, rt.lease_s))
    if isinstance(claim, lifecycle.ClaimRefused):
        log.info("not running %s: %s", job_id, claim.reason)
        return
    handle = rt.track(claim)
    with job_context(
        job_id=job_id, tenant_id=claim.tenant_id, attempt=claim.token, worker_id=rt.worker_id, pool=claim.pool
    ):
        log.info("running %s (attempt %d)", job_id, claim.token)
        try:
            _run_attempt(rt, handle)
        finally:
            rt.untrack(job_id)
            try:
                dispatch.fill(rt.sessions, rt.settings, _sender(rt), [claim.pool], only_if_waiting=True)
            except Exception:
                log.warning("could not refill pool %s; the scheduler will", claim.pool, exc_info=True)


def _run_attempt(rt: WorkerRuntime, handle: AttemptHandle) -> None:
    claim = handle.claim
    started = time.monotonic()
    try:
        output, timings = rt.pipeline(handle, rt)
        deliveries = _record_success(rt, claim, output, timings)
        rt.stats.observe("render_seconds", time.monotonic() - started, "total")
        _send_webhooks(rt, deliveries)
        _clear_work(rt, claim.job_id)  # after the webhooks: a storage outage here must not hold them up
    except StaleAttempt as exc:
        log.warning("%s", exc)
    except Interrupted:
        _hand_back(rt, claim, "worker draining")
    except Exception as exc:  # a stage failed: record it, retry or fail the job
        failure = _as_failure(exc)
        if failure.retryable and rt.draining.is_set():
            # Stopping the host is the likeliest cause (a child process stopped with it):
            # no failure counts against the job.
            _hand_back(rt, claim, f"worker draining; the attempt ended with {failure.code}: {failure.message}")
            return
        log.log(
            logging.WARNING if failure.retryable else logging.ERROR,
            "%s failed: %s: %s",
            claim.job_id,
            failure.code,
            failure.message,
            exc_info=not isinstance(exc, JobFailure),
            extra={"code": failure.code},
        )
        try:
            deliveries = in_transaction(rt.sessions, lambda s: _record_failure(s, rt, claim, failure))
        except StaleAttempt:
            return
        _send_webhooks(rt, deliveries)


def _hand_back(rt: WorkerRuntime, claim: lifecycle.Claim, why: str) -> None:
    try:
        in_transaction(rt.sessions, lambda s: lifecycle.hand_back(s, claim, "drained"))
    except StaleAttempt as exc:  # the job moved on meanwhile (canceled, lease lost): not ours to hand back
        log.warning("%s", exc)
        return
    log.warning("handed %s back (%s)", claim.job_id, why)


def _record_success(rt, claim, output, timings) -> list[str]:
    """Mark the job succeeded and queue its webhooks, in one transaction.
    If the database dropped the reply to a commit that went through, the retry
    finds the job already succeeded by this very attempt: that is success, not
    a stale attempt (the scheduler's sweep sends anything left unsent)."""

    def succeed(session):
        """Mark the job succeeded and queue its webhooks, both in this transaction."""
        lifecycle.succeed(session, claim, output, timings)
        return queue_job_events(session, rt.settings, session.get(Job, claim.job_id), rt.storage)

    try:
        return in_transaction(rt.sessions, succeed)
    except StaleAttempt:
        with rt.sessions() as session:
            job = session.get(Job, claim.job_id)
            if not (job and job.status == JobState.SUCCEEDED and job.attempt == claim.token):
                raise
        return []


def _clear_work(rt: WorkerRuntime, job_id: str) -> None:
    """Remove the job's finished segments, files then rows, only once its success is committed: an attempt killed
    before that commit leaves them to the attempt that takes the job over. What this leaves (a storage outage, a
    worker killed here) the scheduler sweeps (``tasks.work_sweep``)."""
    try:
        clear_work(rt.sessions, rt.storage, job_id, Job.status == JobState.SUCCEEDED.value)
    except Exception:
        log.warning("could not clear the work of %s; the scheduler will", job_id, exc_info=True)


def _record_failure(session, rt, claim, failure: JobFailure) -> list[str]:
    """Record the failure; if it ends the job, queue its webhooks in the same transaction."""
    status = lifecycle.fail_attempt(
        session,
        claim,
        failure.code,
        failure.message,
        retryable=failure.retryable,
        max_failures=rt.settings.job_max_failures,
    )
    if status != JobState.FAILED:
        return []  # retried later: nothing to announce yet
    return queue_job_events(session, rt.settings, session.get(Job, claim.job_id), rt.storage)


def _send_webhooks(rt, deliveries: list[str]) -> None:
    send_deliveries(_sender(rt), deliveries)


def _sender(rt: WorkerRuntime) -> TaskSender:
    """The sender the worker process was given, or Celery's."""
    return rt.sender if rt.sender is not None else CelerySender(rt.settings)


def _as_failure(exc: Exception) -> JobFailure:
    if isinstance(exc, JobFailure):
        return exc
    if isinstance(exc, MediaError):  # the input itself: the same attempt fails the same way again
        return JobFailure(exc.code, exc.detail, retryable=False)
    if isinstance(exc, StorageUnavailable):
        return JobFailure("storage_unavailable", str(exc), retryable=True)
    # what the tenant reads: the kind of error, never its text (a path, a query, another job's id); the worker's
    # log holds the whole of it, with its traceback
    return JobFailure(
        "internal_error",
        f"an unexpected error in the worker ({type(exc).__name__}); the job is retried while it has attempts left, "
        "and the operator's worker log holds the details",
        retryable=True,
    )


def _unsend(rt, job_id: str) -> None:
    in_transaction(
        rt.sessions,
        lambda s: s.execute(
            sa.update(Job).where(Job.id == job_id, Job.status == JobState.QUEUED.value).values(enqueued_at=None)
        ),
    )
