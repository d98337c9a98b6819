"""Every change of a job's state, in one place, guarded by the database.

Each claim bumps ``jobs.attempt``: that number is the attempt's fencing token.
Every later write by the attempt says ``WHERE id = :job AND attempt = :token
AND status = 'running'``; a worker that wakes up after its job moved on (lease
expired, canceled, handed back and claimed elsewhere) matches no row and
raises ``StaleAttempt`` instead of overwriting anything.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.db import rows_changed
from domain.errors import StaleAttempt
from domain.models import Job, JobAttempt, JobEvent, Segment
from domain.states import AttemptOutcome, EventType, JobState, Stage, can_move
from domain.timeutil import utcnow

#: a job that failed this often on one worker is not given to it again
BLOCK_AFTER_FAILURES_ON_WORKER = 2
#: a job that failed on this many different workers is poison
POISON_AFTER_WORKERS = 3


def add_event(
    session: Session,
    job: Job | str,
    kind: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    attempt: int = 0,
    worker: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        JobEvent(
            job_id=job if isinstance(job, str) else job.id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            attempt=attempt,
            worker=worker,
            detail=detail,
        )
    )


@dataclasses.dataclass(frozen=True)
class Claim:
    job_id: str
    token: int
    worker: str
    tenant_id: str
    pool: str
    spec: dict[str, Any]
    wm_code: int | None


class ClaimRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def try_claim(session: Session, job_id: str, worker: str, lease_s: float) -> Claim | ClaimRefused:
    """``claim``, with the refusal returned rather than raised, so that what a
    refusal writes (a blocklisted worker's hand-back and its event) commits
    with the caller's transaction instead of being rolled back with it."""
    try:
        return claim(session, job_id, worker, lease_s)
    except ClaimRefused as refused:
        return refused


def claim(session: Session, job_id: str, worker: str, lease_s: float) -> Claim:
    """Make ``worker`` the job's current attempt, or refuse.

    Refused when the job is not queued (a duplicate message, or it finished),
    when it waits for a retry backoff, or when this worker is blocklisted
    for it. The conditional UPDATE makes two racing workers safe: only one
    matches ``status = 'queued'``.
    """
    job = session.get(Job, job_id)
    if job is None:
        raise ClaimRefused("unknown job")
    if job.status != JobState.QUEUED.value:
        raise ClaimRefused(f"job is {job.status}")
    now = utcnow()
    if job.not_before and job.not_before > now:
        raise ClaimRefused("backing off")
    if (job.failed_on or {}).get(worker, 0) >= BLOCK_AFTER_FAILURES_ON_WORKER:
        # hand it back to the dispatcher so another worker gets it
        session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == JobState.QUEUED)
            .values(enqueued_at=None, not_before=now + timedelta(seconds=2))
        )
        add_event(session, job_id, EventType.BLOCKLISTED, attempt=job.attempt, worker=worker)
        raise ClaimRefused("worker blocklisted for this job")
    token = job.attempt + 1
    result = session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == JobState.QUEUED, Job.attempt == job.attempt)
        .values(
            status=JobState.RUNNING,
            attempt=token,
            worker=worker,
            stage=None,
            lease_expires_at=now + timedelta(seconds=lease_s),
            started_at=sa.func.coalesce(Job.started_at, now),
            updated_at=now,
            version=Job.version + 1,
        )
    )
    if rows_changed(result) != 1:
        raise ClaimRefused("another worker claimed it first")
    session.add(
        JobAttempt(job_id=job_id, number=token, worker=worker, outcome=AttemptOutcome.RUNNING.value, started_at=now)
    )
    add_event(
        session,
        job_id,
        EventType.CLAIMED,
        from_status=JobState.QUEUED,
        to_status=JobState.RUNNING,
        attempt=token,
        worker=worker,
    )
    return Claim(job_id, token, worker, job.tenant_id, job.pool, dict(job.spec), job.wm_code)


def _fenced(claim: Claim) -> sa.ColumnElement[bool]:
    return sa.and_(Job.id == claim.job_id, Job.attempt == claim.token, Job.status == JobState.RUNNING)


def _write(session: Session, claim: Claim, **values: Any) -> None:
    values.setdefault("updated_at", utcnow())
    result = session.execute(sa.update(Job).where(_fenced(claim)).values(**values))
    if rows_changed(result) != 1:
        raise StaleAttempt(f"{claim.job_id}: attempt {claim.token} no longer owns the job")


def heartbeat(session: Session, claim: Claim, lease_s: float) -> None:
    """Extend the lease; raises StaleAttempt if the job moved on."""
    now = utcnow()
    result = session.execute(
        sa.update(Job).where(_fenced(claim)).values(lease_expires_at=now + timedelta(seconds=lease_s))
    )
    if rows_changed(result) != 1:
        raise StaleAttempt(f"{claim.job_id}: lease lost")


def report_progress(session: Session, claim: Claim, stage: Stage, progress: float) -> None:
    _write(session, claim, stage=stage.value, progress=progress, version=Job.version + 1)


def record_segment(
    session: Session, claim: Claim, index: int, storage_key: str, frames: int, duration_s: float
) -> None:
    """Record a finished segment, fenced: a stale attempt cannot add one."""
    still_ours = session.execute(sa.select(Job.id).where(_fenced(claim)).with_for_update()).first()
    if still_ours is None:
        raise StaleAttempt(f"{claim.job_id}: attempt {claim.token} no longer owns the job")
    session.add(
        Segment(
            job_id=claim.job_id,
            index=index,
            storage_key=storage_key,
            frames=frames,
            duration_s=duration_s,
            attempt=claim.token,
            worker=claim.worker,
        )
    )
    add_event(
        session, claim.job_id, EventType.SEGMENT, attempt=claim.token, worker=claim.worker, index=index, frames=frames
    )


def finished_segments(session: Session, job_id: str) -> dict[int, Segment]:
    rows = session.scalars(sa.select(Segment).where(Segment.job_id == job_id)).all()
    return {row.index: row for row in rows}


def _end_attempt(session: Session, claim: Claim, outcome: AttemptOutcome, error_code: str | None = None) -> None:
    session.execute(
        sa.update(JobAttempt)
        .where(JobAttempt.job_id == claim.job_id, JobAttempt.number == claim.token)
        .values(outcome=outcome.value, error_code=error_code, ended_at=utcnow())
    )


def succeed(session: Session, claim: Claim, output: dict[str, Any], timings: dict[str, Any]) -> None:
    now = utcnow()
    _write(
        session,
        claim,
        status=JobState.SUCCEEDED,
        stage=None,
        progress=1.0,
        output=output,
        timings=timings,
        finished_at=now,
        lease_expires_at=None,
        error_code=None,
        error_message=None,
        version=Job.version + 1,
    )
    _end_attempt(session, claim, AttemptOutcome.SUCCEEDED)
    add_event(
        session,
        claim.job_id,
        EventType.SUCCEEDED,
        from_status=JobState.RUNNING,
        to_status=JobState.SUCCEEDED,
        attempt=claim.token,
        worker=claim.worker,
    )


def fail_attempt(
    session: Session, claim: Claim, code: str, message: str, *, retryable: bool, max_failures: int
) -> JobState:
    """Record a real failure. Returns the job's new status: queued (retry later) or failed."""
    job = session.get(Job, claim.job_id, with_for_update=True)
    if job is None or job.attempt != claim.token or job.status != JobState.RUNNING:
        raise StaleAttempt(f"{claim.job_id}: attempt {claim.token} no longer owns the job")
    failed_on = dict(job.failed_on or {})
    failed_on[claim.worker] = failed_on.get(claim.worker, 0) + 1
    failures = job.failures + 1
    poison = len(failed_on) >= POISON_AFTER_WORKERS
    final = not retryable or failures >= max_failures or poison
    now = utcnow()
    if final:
        if poison and retryable and failures < max_failures:
            code, message = "job_poison", f"failed on {len(failed_on)} different workers; last error: {message}"
        status = JobState.FAILED
        values: dict[str, Any] = dict(finished_at=now, error_code=code, error_message=message, stage=None)
    else:
        # exponential backoff with jitter: 5 s, 10 s, 20 s … capped at 5 min
        delay = min(300.0, 5.0 * 2 ** (failures - 1)) * random.uniform(0.8, 1.2)
        status = JobState.QUEUED
        values = dict(
            enqueued_at=None,
            not_before=now + timedelta(seconds=delay),
            error_code=code,
            error_message=message,
            stage=None,
            progress=0.0,
        )
    _write(
        session,
        claim,
        failures=failures,
        failed_on=failed_on,
        lease_expires_at=None,
        worker=None,
        version=Job.version + 1,
        status=status,
        **values,
    )
    _end_attempt(session, claim, AttemptOutcome.FAILED, code)
    add_event(
        session,
        claim.job_id,
        EventType.FAILED if final else EventType.RETRYING,
        from_status=JobState.RUNNING,
        to_status=status,
        attempt=claim.token,
        worker=claim.worker,
        code=code,
        message=message[:2000],
    )
    return status


def hand_back(session: Session, claim: Claim, reason: str) -> None:
    """The worker is going away: requeue without using up the retry budget."""
    _write(
        session,
        claim,
        status=JobState.QUEUED,
        enqueued_at=None,
        not_before=None,
        worker=None,
        lease_expires_at=None,
        stage=None,
        interruptions=Job.interruptions + 1,
        version=Job.version + 1,
    )
    _end_attempt(session, claim, AttemptOutcome.INTERRUPTED, reason)
    add_event(
        session,
        claim.job_id,
        EventType.REQUEUED,
        from_status=JobState.RUNNING,
        to_status=JobState.QUEUED,
        attempt=claim.token,
        worker=claim.worker,
        reason=reason,
    )


def _finish_as_read(
    session: Session, job_id: str, status: str, attempt: int, to: JobState, now: datetime, **values: Any
) -> bool:
    """Finish a job (``to``: failed, canceled) only if it is still as it was read, ``status`` at ``attempt``:
    whatever moved it in between (a worker's claim, a hand-back, another finish) wins, and this changes no row.
    Returns whether it did."""
    result = session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == status, Job.attempt == attempt)
        .values(status=to, finished_at=now, updated_at=now, stage=None, version=Job.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result) == 1


def fail_queued(session: Session, job: Job, code: str, message: str, **detail: Any) -> bool:
    """Fail a job still queued as read (no worker holds it), with its event; False if a worker claimed it or
    something else moved it meanwhile. ``detail`` goes into the event beside the code."""
    if not _finish_as_read(
        session,
        job.id,
        JobState.QUEUED.value,
        job.attempt,
        JobState.FAILED,
        utcnow(),
        enqueued_at=None,
        error_code=code,
        error_message=message,
    ):
        return False
    add_event(
        session,
        job.id,
        EventType.FAILED,
        from_status=JobState.QUEUED,
        to_status=JobState.FAILED,
        attempt=job.attempt,
        code=code,
        **detail,
    )
    return True


#: a cancel re-reads and tries again this often when the job moved under it (claimed, handed back)
CANCEL_TRIES = 20


def cancel(session: Session, job: Job) -> bool:
    """Cancel a queued or running job; False only when it has finished. A running attempt
    notices at its next fenced write.

    The update is conditional on the status and attempt just read. When it matches no row,
    something moved the job in between (a worker's claim took it from queued to running, a
    hand-back returned it to the queue): the job is read again and the cancel tried again,
    so a cancel succeeds against any unfinished job whatever it races."""
    for _ in range(CANCEL_TRIES):
        if JobState(job.status).finished:
            return False
        src, attempt, now = job.status, job.attempt, utcnow()
        if _finish_as_read(session, job.id, src, attempt, JobState.CANCELED, now, lease_expires_at=None):
            if src == JobState.RUNNING:
                session.execute(
                    sa.update(JobAttempt)
                    .where(JobAttempt.job_id == job.id, JobAttempt.number == attempt)
                    .values(outcome=AttemptOutcome.SUPERSEDED.value, ended_at=now)
                )
            add_event(
                session, job.id, EventType.CANCELED, from_status=src, to_status=JobState.CANCELED, attempt=attempt
            )
            session.refresh(job)
            return True
        session.refresh(job)  # moved under us: read what it is now
    raise RuntimeError(f"{job.id}: still moving after {CANCEL_TRIES} tries to cancel it")


def retry(session: Session, job: Job) -> bool:
    """Queue a failed or canceled job again, as a new attempt with a fresh retry budget
    and blocklist (the old ones stay in its events). Finished segments are reused."""
    if job.status not in (JobState.FAILED.value, JobState.CANCELED.value):
        return False
    src, now = job.status, utcnow()
    before: dict[str, Any] = {
        "previous_error": job.error_code,
        "previous_failures": job.failures,
        "previous_failed_on": dict(job.failed_on or {}),
    }
    result = session.execute(
        sa.update(Job)
        .where(Job.id == job.id, Job.status == src, Job.attempt == job.attempt)
        .values(
            status=JobState.QUEUED,
            stage=None,
            progress=0.0,
            worker=None,
            lease_expires_at=None,
            enqueued_at=None,
            not_before=None,
            started_at=None,
            finished_at=None,
            error_code=None,
            error_message=None,
            failures=0,
            failed_on={},
            updated_at=now,
            version=Job.version + 1,
        )
    )
    if rows_changed(result) != 1:
        return False
    add_event(
        session, job.id, EventType.RETRIED, from_status=src, to_status=JobState.QUEUED, attempt=job.attempt, **before
    )
    return True


def requeue_expired_leases(session: Session, now: datetime | None = None, limit: int = 100) -> list[str]:
    """Running jobs whose worker stopped heartbeating: an interruption, not a failure."""
    now = now or utcnow()
    jobs = session.scalars(
        sa.select(Job)
        .where(Job.status == JobState.RUNNING, Job.lease_expires_at < now)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for job in jobs:
        assert can_move(job.status, JobState.QUEUED)
        session.execute(
            sa.update(JobAttempt)
            .where(JobAttempt.job_id == job.id, JobAttempt.number == job.attempt)
            .values(outcome=AttemptOutcome.INTERRUPTED.value, error_code="worker_lost", ended_at=now)
        )
        add_event(
            session,
            job.id,
            EventType.REQUEUED,
            from_status=JobState.RUNNING,
            to_status=JobState.QUEUED,
            attempt=job.attempt,
            worker=job.worker,
            reason="worker_lost",
        )
        job.status, job.enqueued_at, job.worker, job.lease_expires_at, job.stage = (
            JobState.QUEUED,
            None,
            None,
            None,
            None,
        )
        job.interruptions += 1
        job.version += 1
        job.updated_at = now
    return [job.id for job in jobs]
