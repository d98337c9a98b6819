"""POST /v1/jobs/{id}/retry: a failed or canceled job is queued again as a new
attempt, with a fresh retry budget; segments it finished are reused."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from api import intake
from api.asset_references import check_named_assets
from api.auth import Principal, current_principal
from api.context import ctx
from api.jobs import job_view
from api.ownership import owned
from api.schemas import JobSchema
from domain import lifecycle
from domain.config import Settings
from domain.errors import ProblemError
from domain.models import Job, Tenant
from domain.states import JobState
from tasks.admission import Admission

blp = Blueprint("job_retry", __name__, url_prefix="/v1/jobs", description="Render jobs")


def retry_job(session: Session, settings: Settings, principal: Principal, job_id: str, admission: Admission) -> Job:
    """Inside the caller's transaction: queue the job again and admit what the pool has room for.
    Returns the job; what was admitted waits in ``admission`` for the caller to send once committed.
    404 ``job_not_found``; 409 ``job_not_retryable`` unless it failed or was canceled; 429 over the in-flight limit."""
    job = owned(session, Job, job_id, principal.tenant_id)
    if job.status not in (JobState.FAILED, JobState.CANCELED):
        raise ProblemError(
            "job_not_retryable", f"The job is {job.status}; only a failed or canceled job can be retried.", 409
        )
    check_named_assets(session, job.tenant_id, job.spec)  # 404 asset_not_found: an asset deleted since
    intake.check_in_flight_limit(session, settings, session.get_one(Tenant, job.tenant_id))
    if not lifecycle.retry(session, job):  # it moved meanwhile
        session.refresh(job)
        raise ProblemError("job_not_retryable", f"The job is {job.status} now; it was not retried.", 409)
    admission.admit(session, job.pool)
    session.flush()
    session.refresh(job)
    return job


@blp.route("/<job_id>/retry", methods=["POST"])
@blp.response(202, JobSchema)
@blp.alt_response(404, response="Problem")
@blp.alt_response(409, response="Problem")
@blp.alt_response(429, response="Problem")
def retry(job_id):
    """Queue a failed or canceled job again, as a new attempt. Anything else is a 409."""
    c = ctx()
    admission = c.admission()
    with c.sessions() as session:
        with session.begin():
            job = retry_job(session, c.settings, current_principal(), job_id, admission)
        document = job_view(job)
    admission.send()
    return document
