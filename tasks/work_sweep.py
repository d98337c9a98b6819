"""The job working files nobody needs any more, removed by the scheduler.

A job's finished segments wait under ``work/<job id>/`` until the job ends. The worker that records a job's
success clears them at once (``tasks.render_job``); a failed or canceled job keeps them for
``TALKFARM_WORK_RETENTION_H``, so ``POST /v1/jobs/{id}/retry`` resumes where it stopped instead of rendering
again. This sweep removes what is left: a succeeded job's segments whose worker died between recording the
success and clearing them, and a failed or canceled job's once its retention has passed.

The scheduler sweeps once a minute (``tasks.reconcile.WORK_SWEEP_EVERY_S``), ``BATCH`` jobs at a time.
A job's rows in ``segments`` say that its work is there; the sweep removes the files first and the rows
after, so a sweep stopped halfway (a storage outage, a restart) is finished by the next one. A retry that
races the sweep loses nothing: an attempt renders again any recorded segment whose files are gone
(``workers.stages.segments.resumable_segments``).
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from domain.config import Settings
from domain.models import Job, Segment
from domain.states import JobState
from domain.timeutil import utcnow
from storage import Storage
from workers.attempt import work_prefix

log = logging.getLogger(__name__)

#: jobs whose work is removed per pass: a backlog drains over passes, a few storage calls each
BATCH = 20
#: a succeeded job's work still there this long after its success was recorded was left by a worker that died
SUCCEEDED_GRACE = dt.timedelta(minutes=10)


def sweep_finished_work(sessions, settings: Settings, storage: Storage, batch: int = BATCH) -> list[str]:
    """Remove the working files and segment rows of up to ``batch`` finished jobs that no longer need them; the
    ids of those jobs."""
    now = utcnow()
    no_longer_needed = sa.or_(
        sa.and_(Job.status == JobState.SUCCEEDED.value, Job.finished_at < now - SUCCEEDED_GRACE),
        sa.and_(
            Job.status.in_((JobState.FAILED.value, JobState.CANCELED.value)),
            Job.finished_at < now - dt.timedelta(hours=settings.work_retention_h),
        ),
    )
    with sessions() as session:
        job_ids = list(
            session.scalars(
                sa.select(Job.id)
                .where(Job.id.in_(sa.select(Segment.job_id).distinct()), no_longer_needed)
                .order_by(Job.finished_at)
                .limit(batch)
            )
        )
    swept = []
    for job_id in job_ids:
        clear_work(sessions, storage, job_id, no_longer_needed)
        swept.append(job_id)
    if swept:
        log.info("removed the working files of %d finished job(s): %s", len(swept), ", ".join(swept[:10]))
    return swept


def clear_work(sessions, storage: Storage, job_id: str, while_: sa.ColumnElement[bool]) -> None:
    """Remove a finished job's segments: the files first, then the rows, the rows only while the job still meets
    ``while_`` (a condition on ``Job``: a retry may have taken it up meanwhile). A clear stopped between the two
    leaves the rows, and the next sweep finishes it."""
    storage.delete_prefix(work_prefix(job_id))
    with sessions() as session, session.begin():
        still = sa.select(Job.id).where(Job.id == job_id, while_)
        session.execute(sa.delete(Segment).where(Segment.job_id.in_(still)))
