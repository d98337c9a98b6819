"""POST /v1/jobs/{id}/approve: a succeeded draft becomes a final job with the
draft's speech (the same script, voice and segments, so every sentence is
a TTS-cache hit), its params at full resolution and frame rate, and a link
both ways (`draft_of` on the final, `final_job_id` on the draft)."""

from __future__ import annotations

from flask import jsonify, make_response
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from api import intake
from api.asset_references import check_named_assets
from api.auth import Principal, current_principal
from api.context import ctx
from api.jobs import job_view
from api.ownership import owned
from api.schemas import JobSchema
from domain.config import Settings
from domain.errors import ProblemError
from domain.lifecycle import add_event
from domain.models import Job, Tenant
from domain.states import EventType, JobState
from media.render import known_models
from tasks.admission import Admission

blp = Blueprint("drafts", __name__, url_prefix="/v1/jobs", description="Render jobs")


def final_spec(draft_spec: dict) -> dict:
    """What the final renders: the draft's request without the draft."""
    return {k: v for k, v in draft_spec.items() if k not in ("draft", "draft_render")}


def approve_draft(
    session: Session, settings: Settings, principal: Principal, job_id: str, admission: Admission
) -> tuple[Job, bool]:
    """Inside the caller's transaction: the final job of a succeeded draft, made now or earlier
    (approving twice gives the same final), admitted into ``admission``. Returns (final, created).
    404 ``job_not_found``; 409 ``job_not_draft`` or ``draft_not_succeeded``; 429 over the in-flight limit."""
    draft = owned(session, Job, job_id, principal.tenant_id)
    if not (draft.spec or {}).get("draft"):
        raise ProblemError("job_not_draft", "Only a draft can be approved; this job is a final render.", 409)
    if draft.final_job_id:
        return session.get_one(Job, draft.final_job_id), False
    if draft.status != JobState.SUCCEEDED:
        raise ProblemError(
            "draft_not_succeeded", f"The draft is {draft.status}; approve it once it has succeeded.", 409
        )
    tenant = session.get_one(Tenant, draft.tenant_id)
    check_named_assets(session, draft.tenant_id, draft.spec)  # 404 asset_not_found: an asset deleted since
    intake.check_in_flight_limit(session, settings, tenant)
    model = known_models(settings).get(draft.spec.get("model", "builtin"))
    if model is None:  # the operator removed it since the draft ran
        raise ProblemError("model_unknown", f"The draft's model {draft.spec.get('model')!r} is no longer offered.", 422)
    pool = intake.choose_pool(session, settings, draft.accelerator, list(model.pools), model.name)
    intake.check_some_worker_serves(session, settings, pool, model.name)
    final = intake.new_job(
        session,
        settings,
        tenant,
        intake.Intake(
            spec=final_spec(draft.spec),
            pool=pool,
            priority=draft.priority,
            metadata=dict(draft.metadata_ or {}),
            webhook_url=draft.webhook_url,
            accelerator=draft.accelerator,
            title=draft.title,
        ),
    )
    final.draft_of = draft.id
    draft.final_job_id = final.id
    add_event(session, draft, EventType.APPROVED, attempt=draft.attempt, final_job_id=final.id)
    draft.version += 1  # its document changed: pollers holding an ETag see the link
    admission.admit(session, pool)
    session.flush()
    return final, True


@blp.route("/<job_id>/approve", methods=["POST"])
@blp.response(202, JobSchema, description="The final job, queued; 200 with the same job if it was approved before.")
@blp.alt_response(200, schema=JobSchema, description="Approved before: the final job made then.")
@blp.alt_response(404, response="Problem")
@blp.alt_response(409, response="Problem")
@blp.alt_response(429, response="Problem")
def approve(job_id):
    """Approve a succeeded draft: render the final job, at full resolution, with the draft's speech and timing."""
    c = ctx()
    admission = c.admission()
    with c.sessions() as session:
        with session.begin():
            final, created = approve_draft(session, c.settings, current_principal(), job_id, admission)
        document = job_view(final)
    admission.send()
    response = make_response(jsonify(document), 202 if created else 200)
    response.headers["Location"] = f"/v1/jobs/{final.id}"
    return response
