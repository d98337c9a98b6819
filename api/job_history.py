"""/v1/jobs/{id}/events: a job's history, every state change with its time,
worker and attempt, oldest first."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from api.arguments import Blueprint
from api.auth import Principal, current_principal
from api.context import ctx
from api.ownership import owned
from api.schemas import StrictSchema
from domain.documents import event_document
from domain.models import Job, JobEvent
from domain.states import EventType

blp = Blueprint("job_history", __name__, url_prefix="/v1/jobs", description="Render jobs")


class JobHistoryEventSchema(Schema):
    id = fields.Integer(metadata={"description": "Increases with time; pass the last one as `after`."})
    at = fields.String()
    kind = fields.String(
        validate=validate.OneOf([k.value for k in EventType]),
        metadata={"description": "What happened: " + ", ".join(k.value for k in EventType) + "."},
    )
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    attempt = fields.Integer(metadata={"description": "The attempt (fencing token) the event belongs to."})
    worker = fields.String(allow_none=True)
    detail = fields.Dict(
        metadata={"description": "What else the event knows: error code and message, segment, reason."}
    )


class JobHistorySchema(Schema):
    job_id = fields.String()
    items = fields.List(fields.Nested(JobHistoryEventSchema))
    next_cursor = fields.Integer(allow_none=True, metadata={"description": "More events follow: pass it as `after`."})


class JobHistoryQuerySchema(StrictSchema):
    after = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


def job_history(
    session: Session, principal: Principal, job_id: str, *, after: int | None = None, limit: int = 500
) -> dict:
    """The job's events, oldest first; 404 ``job_not_found`` for another tenant's job."""
    owned(session, Job, job_id, principal.tenant_id)
    stmt = sa.select(JobEvent).where(JobEvent.job_id == job_id)
    if after is not None:
        stmt = stmt.where(JobEvent.id > after)
    rows = session.scalars(stmt.order_by(JobEvent.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"job_id": job_id, "items": [event_document(e) for e in rows], "next_cursor": rows[-1].id if more else None}


@blp.route("/<job_id>/events", methods=["GET"])
@blp.arguments(JobHistoryQuerySchema, location="query")
@blp.response(200, JobHistorySchema)
@blp.alt_response(404, response="Problem")
def job_events(query, job_id):
    """The job's state changes, oldest first: time, kind, worker and attempt of each."""
    with ctx().sessions() as session:
        return job_history(session, current_principal(), job_id, after=query["after"], limit=query["limit"])
