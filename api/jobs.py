"""/v1/jobs: submit, read (with ETags), list, cancel, and the output link."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import g, jsonify, make_response, redirect, request
from flask.views import MethodView
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from api import auth, intake
from api.arguments import Blueprint
from api.context import ctx
from api.job_origins import with_template_names
from api.job_search import matching
from api.ownership import owned
from api.schemas import JobListQuerySchema, JobListSchema, JobSchema, JobSpecSchema
from domain import lifecycle
from domain.db import DatabaseTimeouts, read_one
from domain.documents import job_document, output_extension
from domain.errors import ProblemError
from domain.models import ApiKey, Job, Tenant
from domain.states import JobState
from domain.tenants import KEY_IS_LIVE
from domain.timeutil import utcnow
from tasks.webhook_lookups import BUSY_DOC
from tasks.webhooks import announce_job

blp = Blueprint("jobs", __name__, url_prefix="/v1/jobs", description="Render jobs")


def _tenant(session) -> Tenant:
    return session.get(Tenant, g.tenant_id)


def _own_job(session, job_id: str) -> Job:
    return owned(session, Job, job_id)


def job_view(job: Job) -> dict:
    """The job as GET /v1/jobs/{id} shows it, with freshly signed links."""
    c = ctx()
    return job_document(job, c.storage.signed_url, c.settings.output_url_expiry_s, c.base_url())


def _etag(job: Job) -> str:
    # The signed output link inside the body is re-signed on every 200; the
    # ETag changes at half its lifetime so a client holding a 304'd body
    # never holds a link about to expire.
    epoch = (
        int(time.time() // max(1, ctx().settings.output_url_expiry_s // 2)) if job.status == JobState.SUCCEEDED else 0
    )
    return f'"{job.id[-12:]}-{job.version}-{epoch}"'


def _poll_hint(job: Job) -> str | None:
    """Retry-After for a running job: often enough to see progress, no more."""
    if job.status not in (JobState.QUEUED, JobState.RUNNING):
        return None
    return "2" if job.status == JobState.RUNNING else "5"


@blp.route("")
class Jobs(MethodView):
    @blp.arguments(JobSpecSchema)
    @blp.response(202, JobSchema)
    @blp.alt_response(409, response="Problem", description="Idempotency-Key reused with a different body")
    @blp.alt_response(422, response="Problem")
    @blp.alt_response(429, response="Problem")
    @blp.alt_response(503, response="Problem", description=BUSY_DOC)
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string", "maxLength": 255},
                "description": "Same key and body returns the same job; same key with another body is a 409.",
            }
        ]
    )
    def post(self, body):
        """Submit a job."""
        c = ctx()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= 255):
            raise ProblemError("idempotency_key_invalid", "Idempotency-Key must be 1 to 255 characters.", 400)
        body_hash = intake.request_hash(body)
        admission = c.admission()
        with c.sessions() as session:
            if key:
                existing = _replay(session, key, body_hash)
                if existing is not None:
                    return existing
            tenant = _tenant(session)
            checked = intake.check_spec(session, c.settings, tenant, body)
            intake.check_in_flight_limit(session, c.settings, tenant)
            try:
                job = intake.new_job(session, c.settings, tenant, checked, idempotency_key=key, body_hash=body_hash)
                # admitted in the same transaction; sent to the broker only after the commit
                admission.admit(session, job.pool)
                session.commit()
            except IntegrityError:
                session.rollback()
                if key:  # a concurrent request with the same key won the race
                    existing = _replay(session, key, body_hash)
                    if existing is not None:
                        return existing
                raise
            document = job_view(job)
        # Enqueue only after the row is committed, so a worker always finds it.
        admission.send()
        response = make_response(jsonify(document), 202)
        response.headers["Location"] = f"/v1/jobs/{job.id}"
        return response

    @blp.arguments(JobListQuerySchema, location="query")
    @blp.response(200, JobListSchema)
    def get(self, query):
        """List jobs, newest first; pass `next_cursor` back as `cursor` for the next page."""
        c = ctx()
        with c.sessions() as session:
            stmt = sa.select(Job).where(Job.tenant_id == g.tenant_id)
            if query["status"]:
                stmt = stmt.where(Job.status == query["status"])
            if query["batch_id"]:
                stmt = stmt.where(Job.batch_id == query["batch_id"])
            if query["finals_of_batch"]:
                drafts = aliased(Job)
                stmt = stmt.where(
                    Job.id.in_(
                        sa.select(drafts.final_job_id).where(
                            drafts.batch_id == query["finals_of_batch"], drafts.tenant_id == g.tenant_id
                        )
                    )
                )
            if query["template_id"]:
                stmt = stmt.where(Job.spec["template"]["id"].as_string() == query["template_id"])
            if query["q"]:
                stmt = stmt.where(matching(query["q"], session.get_bind().dialect.name))
            if query["cursor"]:
                stmt = stmt.where(Job.id < query["cursor"])
            rows = session.scalars(stmt.order_by(Job.id.desc()).limit(query["limit"] + 1)).all()
            items = with_template_names(session, g.tenant_id, [job_view(j) for j in rows[: query["limit"]]])
        next_cursor = rows[query["limit"] - 1].id if len(rows) > query["limit"] else None
        return {"items": items, "next_cursor": next_cursor}


def _replay(session, key: str, body_hash: str):
    job = session.scalars(sa.select(Job).where(Job.tenant_id == g.tenant_id, Job.idempotency_key == key)).first()
    if job is None:
        return None
    if job.request_hash != body_hash:
        raise ProblemError(
            "idempotency_key_reused", "This Idempotency-Key was used with a different request body.", 409
        )
    response = make_response(jsonify(job_view(job)), 202)
    response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return response


#: What a poll with If-None-Match reads, in one round trip: the caller's key (unrevoked), and the job if the key's
#: tenant owns it. Built once: a select built per request costs more CPU than its round trip.
_POLL_ROW = (
    sa.select(
        ApiKey.id.label("key_id"),
        ApiKey.tenant_id,
        Tenant.name.label("tenant_name"),
        ApiKey.scope,
        Job.id,
        Job.version,
        Job.status,
    )
    .select_from(ApiKey)
    .join(Tenant, Tenant.id == ApiKey.tenant_id)
    .outerjoin(Job, sa.and_(Job.id == sa.bindparam("job_id"), Job.tenant_id == ApiKey.tenant_id))
    .where(ApiKey.key_hash == sa.bindparam("key_hash"), KEY_IS_LIVE)
)


@blp.route("/<job_id>")
class JobById(MethodView):
    @blp.response(200, JobSchema)
    @blp.alt_response(304, description="Not modified since the ETag in If-None-Match")
    @blp.alt_response(404, response="Problem")
    @blp.doc(parameters=[{"in": "header", "name": "If-None-Match", "schema": {"type": "string"}}])
    def get(self, job_id):
        """A job's status, stage, progress and output. Cheap to poll with If-None-Match."""
        key_hash = auth.take_deferred_key_hash()
        if key_hash is not None:
            # the cheap path: the key and the job in one round trip; no session, no document, no signing
            row = read_one(
                ctx().settings.database_url,
                _POLL_ROW,
                {"job_id": job_id, "key_hash": key_hash, "now": utcnow()},
                DatabaseTimeouts.of(ctx().settings),
            )
            if row is None:
                raise auth.invalid_key()
            auth.use_principal(auth.principal_from_row(row))
            if row.id is not None and _matches(_etag(row)):
                return _with_poll_headers(make_response("", 304), row)
        with ctx().sessions() as session:
            job = _own_job(session, job_id)
            document = with_template_names(session, g.tenant_id, [job_view(job)])[0]
            return _with_poll_headers(make_response(jsonify(document), 200), job)


def _matches(etag: str) -> bool:
    return etag in request.if_none_match or request.if_none_match.contains_weak(etag.strip('"'))


def _with_poll_headers(response, job):
    response.headers["ETag"] = _etag(job)
    response.headers["Cache-Control"] = "private, no-cache"
    hint = _poll_hint(job)
    if hint:
        response.headers["Retry-After"] = hint
    return response


@blp.route("/<job_id>/cancel", methods=["POST"])
@blp.response(200, JobSchema)
@blp.alt_response(404, response="Problem")
@blp.alt_response(409, response="Problem")
def cancel_job(job_id):
    """Cancel a queued or running job. A finished job cannot be canceled (409)."""
    c = ctx()
    with c.sessions() as session, session.begin():
        job = _own_job(session, job_id)
        if not lifecycle.cancel(session, job):
            session.refresh(job)
            raise ProblemError("job_finished", f"The job already ended as {job.status}.", 409)
        session.flush()
        session.refresh(job)
        document = job_view(job)
    announce_job(c.sessions, c.settings, c.sender, job_id, c.storage)
    return document


@blp.route("/<job_id>/output", methods=["GET"])
@blp.response(302, description="Redirect to a freshly signed link to the MP4")
@blp.alt_response(404, response="Problem")
@blp.alt_response(409, response="Problem")
def job_output(job_id):
    """Redirect to a freshly signed link to the video; asking again signs again."""
    c = ctx()
    with c.sessions() as session:
        job = _own_job(session, job_id)
        if job.status != JobState.SUCCEEDED or not job.output:
            raise ProblemError("output_not_ready", f"The job is {job.status}; its video exists once it succeeds.", 409)
        url = c.storage.signed_url(
            job.output["key"], c.settings.output_url_expiry_s, filename=f"{job.id}.{output_extension(job)}"
        )
    if url.startswith("/"):
        url = c.base_url() + url
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "no-store"
    return response
