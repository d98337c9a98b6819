"""/v1/usage: per tenant, seconds of video rendered and jobs by outcome, in
total and per day (UTC), over the last N days. A tenant key sees its own
tenant; an operator key sees every tenant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from api.api_keys import TENANT_QUERY_MAX_CHARS
from api.arguments import Blueprint
from api.auth import Principal, current_principal, require_operator
from api.context import ctx
from api.schemas import StrictSchema, Text
from domain.errors import not_found
from domain.models import Job, Tenant
from domain.states import FINISHED_STATES, JobState
from domain.timeutil import iso, utcnow

blp = Blueprint("usage", __name__, url_prefix="/v1/usage", description="Usage per tenant")

OUTCOMES = tuple(s.value for s in FINISHED_STATES)


class UsageDaySchema(Schema):
    date = fields.String(metadata={"description": "UTC day, YYYY-MM-DD."})
    rendered_s = fields.Float(metadata={"description": "Seconds of video delivered by jobs that succeeded that day."})
    draft_s = fields.Float(metadata={"description": "The part of rendered_s that drafts delivered."})
    succeeded = fields.Integer()
    failed = fields.Integer()
    canceled = fields.Integer()


class UsageJobCountsSchema(Schema):
    succeeded = fields.Integer()
    failed = fields.Integer()
    canceled = fields.Integer()
    queued = fields.Integer(metadata={"description": "Now, not over the period."})
    running = fields.Integer(metadata={"description": "Now, not over the period."})


class TenantUsageSchema(Schema):
    tenant_id = fields.String()
    tenant = fields.String()
    rendered_s = fields.Float(metadata={"description": "Seconds of video delivered, drafts included."})
    draft_s = fields.Float(metadata={"description": "The part of rendered_s that drafts delivered."})
    jobs = fields.Nested(UsageJobCountsSchema)
    days = fields.List(fields.Nested(UsageDaySchema), metadata={"description": "Days with activity, oldest first."})


class UsageSchema(Schema):
    since = fields.String()
    until = fields.String()
    tenants = fields.List(fields.Nested(TenantUsageSchema))


class UsageQuerySchema(StrictSchema):
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))
    tenant = Text(
        max_length=TENANT_QUERY_MAX_CHARS,
        min_length=1,
        load_default=None,
        metadata={"description": "Operator only: one tenant, by name."},
    )


def usage(session: Session, principal: Principal, *, days: int = 30, tenant: str | None = None) -> dict:
    """Usage over the last ``days`` days: the caller's tenant, or every tenant (or one, by name) for an operator."""
    until = utcnow()
    since = until - timedelta(days=days)
    tenants = sa.select(Tenant.id, Tenant.name).order_by(Tenant.name)
    if tenant is not None:
        require_operator(principal)
        tenants = tenants.where(Tenant.name == tenant)
    elif not principal.is_operator:
        tenants = tenants.where(Tenant.id == principal.tenant_id)
    report: dict[str, dict[str, Any]] = {
        tid: {
            "tenant_id": tid,
            "tenant": name,
            "rendered_s": 0.0,
            "draft_s": 0.0,
            "jobs": {k: 0 for k in (*OUTCOMES, JobState.QUEUED.value, JobState.RUNNING.value)},
            "days": {},
        }
        for tid, name in session.execute(tenants)
    }
    if tenant is not None and not report:
        raise not_found("tenant")
    ids = list(report)
    finished = session.execute(
        sa.select(
            Job.tenant_id,
            Job.status,
            Job.finished_at,
            Job.output["duration_s"].as_float(),
            Job.spec["draft"].as_boolean(),
        ).where(Job.tenant_id.in_(ids), Job.status.in_(OUTCOMES), Job.finished_at >= since)
    )
    for tid, status, finished_at, duration, draft in finished:
        entry = report[tid]
        day: dict[str, Any] = entry["days"].setdefault(
            finished_at.date().isoformat(), {"rendered_s": 0.0, "draft_s": 0.0, **{k: 0 for k in OUTCOMES}}
        )
        entry["jobs"][status] += 1
        day[status] += 1
        if status == JobState.SUCCEEDED and duration:
            for totals in (entry, day):
                totals["rendered_s"] += duration
                totals["draft_s"] += duration if draft else 0.0
    in_flight = session.execute(
        sa.select(Job.tenant_id, Job.status, sa.func.count())
        .where(Job.tenant_id.in_(ids), Job.status.in_((JobState.QUEUED, JobState.RUNNING)))
        .group_by(Job.tenant_id, Job.status)
    )
    for tid, status, count in in_flight:
        report[tid]["jobs"][status] = count
    for entry in report.values():
        entry["rendered_s"], entry["draft_s"] = round(entry["rendered_s"], 3), round(entry["draft_s"], 3)
        entry["days"] = [
            {"date": date, **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in day.items()}}
            for date, day in sorted(entry["days"].items())
        ]
    return {"since": iso(since), "until": iso(until), "tenants": list(report.values())}


@blp.route("", methods=["GET"])
@blp.arguments(UsageQuerySchema, location="query")
@blp.response(200, UsageSchema)
@blp.alt_response(403, response="Problem")
@blp.alt_response(404, response="Problem")
def get_usage(query):
    """Rendered seconds and jobs by outcome, per tenant and per day: the caller's tenant, or all for an operator key."""
    with ctx().sessions() as session:
        return usage(session, current_principal(), days=query["days"], tenant=query["tenant"])
