"""/v1/workers (operator): each worker's pool tag, state, last heartbeat,
current jobs, failures, and the jobs it is blocklisted on."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from api.arguments import Blueprint
from api.auth import Principal, current_principal, require_operator
from api.context import ctx
from api.schemas import StrictSchema
from domain.config import Settings
from domain.lifecycle import BLOCK_AFTER_FAILURES_ON_WORKER
from domain.models import Job, JobAttempt, Worker
from domain.states import AttemptOutcome, JobState
from domain.timeutil import iso, utcnow

blp = Blueprint("workers", __name__, url_prefix="/v1/workers", description="Workers (operator)")


class WorkerSchema(Schema):
    id = fields.String()
    hostname = fields.String()
    tag = fields.String(metadata={"description": "The pool it serves."})
    arch = fields.String()
    providers = fields.List(fields.String())
    state = fields.String(
        metadata={"description": "online, starting, draining, offline, or lost (no heartbeat lately)."}
    )
    concurrency = fields.Integer()
    running = fields.Integer()
    started_at = fields.String()
    heartbeat_at = fields.String()
    heartbeat_age_s = fields.Float(metadata={"description": "Seconds since its last heartbeat."})
    current_jobs = fields.List(fields.String(), metadata={"description": "Jobs it is running now."})
    failures = fields.Integer(metadata={"description": "Attempts that failed on it."})
    refused_models = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "Models of its pool it refused to load at start, by name, with the code and why; "
            "jobs for a model every live worker of the pool refused are refused at submit (model_unavailable)."
        },
    )
    blocklisted_on = fields.List(
        fields.String(),
        metadata={"description": "Unfinished jobs that failed on it too often and are no longer given to it."},
    )


class WorkerListSchema(Schema):
    items = fields.List(fields.Nested(WorkerSchema))


class WorkerListQuerySchema(StrictSchema):
    include_offline = fields.Boolean(
        load_default=False, metadata={"description": "Also workers that said goodbye or stopped heartbeating."}
    )


def _state(worker: Worker, settings: Settings, now) -> str:
    if worker.state != "offline" and worker.heartbeat_at < now - timedelta(seconds=settings.worker_dead_after_s):
        return "lost"
    return worker.state


def worker_list(
    session: Session, settings: Settings, principal: Principal, *, include_offline: bool = False
) -> list[dict]:
    """Every worker with what it is doing and what went wrong on it; 403 ``forbidden_scope`` for a tenant key."""
    require_operator(principal)
    now = utcnow()
    workers = session.scalars(sa.select(Worker).order_by(Worker.tag, Worker.id)).all()
    running: dict[str, list[str]] = {}
    for job_id, worker_id in session.execute(sa.select(Job.id, Job.worker).where(Job.status == JobState.RUNNING)):
        if worker_id is not None:
            running.setdefault(worker_id, []).append(job_id)
    failures = dict(
        session.execute(
            sa.select(JobAttempt.worker, sa.func.count())
            .where(JobAttempt.outcome == AttemptOutcome.FAILED)
            .group_by(JobAttempt.worker)
        ).all()
    )
    blocked: dict[str, list[str]] = {}
    for job_id, failed_on in session.execute(
        sa.select(Job.id, Job.failed_on).where(Job.status.in_((JobState.QUEUED, JobState.RUNNING)))
    ):
        for worker_id, count in (failed_on or {}).items():
            if count >= BLOCK_AFTER_FAILURES_ON_WORKER:
                blocked.setdefault(worker_id, []).append(job_id)
    items = []
    for w in workers:
        state = _state(w, settings, now)
        if not include_offline and state in ("offline", "lost"):
            continue
        items.append(
            {
                "id": w.id,
                "hostname": w.hostname,
                "tag": w.tag,
                "arch": w.arch,
                "providers": w.providers or [],
                "state": state,
                "concurrency": w.concurrency,
                "running": w.running,
                "started_at": iso(w.started_at),
                "heartbeat_at": iso(w.heartbeat_at),
                "heartbeat_age_s": round(max(0.0, (now - w.heartbeat_at).total_seconds()), 1),
                "current_jobs": sorted(running.get(w.id, [])),
                "failures": failures.get(w.id, 0),
                "refused_models": dict(w.refused_models or {}),
                "blocklisted_on": sorted(blocked.get(w.id, [])),
            }
        )
    return items


@blp.route("", methods=["GET"])
@blp.arguments(WorkerListQuerySchema, location="query")
@blp.response(200, WorkerListSchema)
@blp.alt_response(403, response="Problem")
def list_workers(query):
    """Workers: pool tag, state, last heartbeat, current jobs, failures, blocklisted on which jobs (operator key)."""
    c = ctx()
    with c.sessions() as session:
        return {
            "items": worker_list(session, c.settings, current_principal(), include_offline=query["include_offline"])
        }
