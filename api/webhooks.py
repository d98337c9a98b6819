"""/v1/webhooks: endpoints per tenant (Standard Webhooks), secret rotation,
the delivery log, and redelivery."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.context import ctx
from api.ownership import owned
from api.schemas import EVENT_TYPES, Cursor, StrictSchema, WebhookUrl
from domain.documents import delivery_document, endpoint_document
from domain.errors import ProblemError, not_found
from domain.models import Tenant, WebhookDelivery, WebhookEndpoint
from domain.timeutil import iso, utcnow
from tasks.webhook_lookups import BUSY_DOC, check_in_time
from tasks.webhooks import new_secret, redeliver, send_deliveries, tenant_webhook_secret

blp = Blueprint("webhooks", __name__, url_prefix="/v1/webhooks", description="Webhook endpoints and deliveries")

#: how long the old secret keeps signing after a rotation
ROTATION_OVERLAP = timedelta(hours=24)
#: endpoints a tenant keeps (deleted ones aside): every job event writes a delivery to each, inside the request
#: that ends the job, so their number is a cost per event; a newsroom's CMS needs a handful
MAX_ENDPOINTS_PER_TENANT = 50
#: a listing's page when the caller names none: every endpoint a tenant may keep, so a caller that reads one
#: answer (as before listings had pages) still sees all its live ones
LIST_DEFAULT_LIMIT = 200
#: the ``disabled_reason`` of a deleted endpoint (it stays, for its deliveries' log)
DELETED = "deleted"


class EndpointCreateSchema(StrictSchema):
    url = WebhookUrl(required=True)
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        load_default=list,
        metadata={"description": "Event types to receive; empty means all."},
    )


class EndpointSchema(Schema):
    id = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    secret = fields.String(
        metadata={
            "description": "whsec_… Standard Webhooks signing secret; only in the answers "
            "to create and rotate (shown once)."
        }
    )
    disabled = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)
    created_at = fields.String()


class EndpointListQuerySchema(StrictSchema):
    cursor = Cursor("whe", load_default=None)
    limit = fields.Integer(load_default=LIST_DEFAULT_LIMIT, validate=validate.Range(min=1, max=LIST_DEFAULT_LIMIT))


class EndpointListSchema(Schema):
    items = fields.List(fields.Nested(EndpointSchema))
    next_cursor = fields.String(allow_none=True)
    job_webhook_secret = fields.String(
        metadata={
            "description": "Signs deliveries to per-job webhook_url; present "
            "only in the listing that made it (shown once). POST /v1/webhooks/job-secret makes a new one."
        }
    )


class JobWebhookSecretSchema(Schema):
    job_webhook_secret = fields.String(
        required=True,
        metadata={"description": "whsec_… the new secret that signs deliveries to per-job webhook_url (shown once)."},
    )
    previous_valid_until = fields.String(
        allow_none=True,
        metadata={
            "description": "Until when the secret it replaced keeps signing beside it (24 hours); null if there "
            "was none."
        },
    )


class DeliverySchema(Schema):
    id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    url = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.String(allow_none=True)
    delivered_at = fields.String(allow_none=True)
    log = fields.List(fields.Dict())
    created_at = fields.String()


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))


def _own_endpoint(session, endpoint_id: str) -> WebhookEndpoint:
    return owned(session, WebhookEndpoint, endpoint_id)


def _check_new_endpoint(session, url: str) -> None:
    """Refuse a new endpoint past the tenant's limit (deleted ones do not count; one a receiver's 410 disabled
    does, until deleted), or for a URL a live endpoint of the tenant has: each event is delivered once per URL, so
    a second endpoint for it would receive nothing, and its secret, shown once, is not shown again."""
    kept = sa.or_(WebhookEndpoint.disabled_reason.is_(None), WebhookEndpoint.disabled_reason != DELETED)
    endpoints = session.execute(
        sa.select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.disabled_at).where(
            WebhookEndpoint.tenant_id == g.tenant_id, kept
        )
    ).all()
    same = next((e.id for e in endpoints if e.url == url and e.disabled_at is None), None)
    if same is not None:
        raise ProblemError(
            "webhook_endpoint_exists",
            f"Endpoint {same} has this URL already. To receive other events there, delete it and create it again; "
            f"to get a signing secret again, rotate its secret (POST /v1/webhooks/{same}/rotate).",
            409,
            errors={"endpoint_id": same},
        )
    if len(endpoints) >= MAX_ENDPOINTS_PER_TENANT:
        raise ProblemError(
            "too_many_webhook_endpoints",
            f"A tenant keeps at most {MAX_ENDPOINTS_PER_TENANT} webhook endpoints; this one has "
            f"{len(endpoints)}. Delete the ones it no longer uses (DELETE /v1/webhooks/{{id}}), then create this one.",
            409,
        )


@blp.route("")
class Endpoints(MethodView):
    @blp.arguments(EndpointCreateSchema)
    @blp.response(201, EndpointSchema)
    @blp.alt_response(
        409,
        response="Problem",
        description=f"`too_many_webhook_endpoints`: the tenant has {MAX_ENDPOINTS_PER_TENANT} endpoints (deleted ones "
        "aside); `webhook_endpoint_exists`: a live endpoint has this URL (`errors.endpoint_id`)",
    )
    @blp.alt_response(422, response="Problem")
    @blp.alt_response(503, response="Problem", description=BUSY_DOC)
    def post(self, body):
        """Register an endpoint; the response carries its signing secret. A tenant keeps at most
        ``MAX_ENDPOINTS_PER_TENANT`` (50) endpoints, and one live endpoint per URL."""
        check_in_time(body["url"], ctx().settings, g.tenant_id)
        with ctx().sessions() as session, session.begin():
            # the tenant's row lock orders two creates at once on PostgreSQL (SQLite has one writer at a time):
            # both cannot pass the checks below and make the 51st endpoint, or one URL twice
            session.get(Tenant, g.tenant_id, with_for_update=True)
            _check_new_endpoint(session, body["url"])
            endpoint = WebhookEndpoint(
                tenant_id=g.tenant_id, url=body["url"], events=sorted(set(body["events"])), secret=new_secret()
            )
            session.add(endpoint)
            session.flush()
            return endpoint_document(endpoint, with_secret=True)

    @blp.arguments(EndpointListQuerySchema, location="query")
    @blp.response(200, EndpointListSchema)
    def get(self, query):
        """The tenant's endpoints, oldest first, deleted ones too, without their secrets (each is shown once, when
        made); pass `next_cursor` back as `cursor` for the next page. A page holds 200 unless `limit` says fewer:
        every live endpoint a tenant may keep. The secret that signs per-job webhook_url deliveries is made by the
        first listing and shown in that one only."""
        with ctx().sessions() as session, session.begin():
            stmt = sa.select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == g.tenant_id)
            if query["cursor"]:
                stmt = stmt.where(WebhookEndpoint.id > query["cursor"])
            rows = session.scalars(stmt.order_by(WebhookEndpoint.id).limit(query["limit"] + 1)).all()
            page = rows[: query["limit"]]
            listing: dict = {
                "items": [endpoint_document(e) for e in page],
                "next_cursor": page[-1].id if len(rows) > query["limit"] else None,
            }
            secret, made = tenant_webhook_secret(session, g.tenant_id)
            if made:
                listing["job_webhook_secret"] = secret
            return listing


@blp.route("/job-secret", methods=["POST"])
@blp.response(200, JobWebhookSecretSchema)
def rotate_job_secret():
    """New secret for deliveries to per-job webhook_url, answered this once. For 24 hours the one it replaces keeps
    signing beside it (each delivery carries a signature by both), so receivers can switch over."""
    with ctx().sessions() as session, session.begin():
        tenant = session.get(Tenant, g.tenant_id, with_for_update=True)
        assert tenant is not None  # the tenant of the key this request was signed in with
        previous_until = None
        if tenant.webhook_secret:
            previous_until = utcnow() + ROTATION_OVERLAP
            tenant.previous_webhook_secret = tenant.webhook_secret
            tenant.previous_webhook_secret_expires_at = previous_until
        tenant.webhook_secret = new_secret()
        return {"job_webhook_secret": tenant.webhook_secret, "previous_valid_until": iso(previous_until)}


@blp.route("/<endpoint_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(404, response="Problem")
def delete_endpoint(endpoint_id):
    """Remove an endpoint; its pending deliveries stop."""
    with ctx().sessions() as session, session.begin():
        endpoint = _own_endpoint(session, endpoint_id)
        endpoint.disabled_at, endpoint.disabled_reason = utcnow(), DELETED
        session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
            .values(status="disabled", next_attempt_at=None)
        )
    return ""


@blp.route("/<endpoint_id>/rotate", methods=["POST"])
@blp.response(200, EndpointSchema)
@blp.alt_response(404, response="Problem")
def rotate_secret(endpoint_id):
    """New secret; for 24 hours deliveries carry signatures by both, so receivers can switch over."""
    with ctx().sessions() as session, session.begin():
        endpoint = _own_endpoint(session, endpoint_id)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = utcnow() + ROTATION_OVERLAP
        endpoint.secret = new_secret()
        return endpoint_document(endpoint, with_secret=True)


@blp.route("/<endpoint_id>/deliveries", methods=["GET"])
@blp.response(200, DeliveryListSchema)
@blp.alt_response(404, response="Problem")
def deliveries(endpoint_id):
    """The endpoint's delivery log, newest first."""
    with ctx().sessions() as session:
        _own_endpoint(session, endpoint_id)
        rows = session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.created_at.desc())
            .limit(200)
        ).all()
        return {"items": [delivery_document(d) for d in rows]}


@blp.route("/<endpoint_id>/deliveries/<delivery_id>/redeliver", methods=["POST"])
@blp.response(202, DeliverySchema)
@blp.alt_response(404, response="Problem")
@blp.alt_response(409, response="Problem")
def redeliver_one(endpoint_id, delivery_id):
    """Send a delivery again, with the same event id."""
    with ctx().sessions() as session, session.begin():
        endpoint = _own_endpoint(session, endpoint_id)
        if endpoint.disabled_at is not None:
            raise ProblemError("webhook_disabled", f"The endpoint is disabled ({endpoint.disabled_reason}).", 409)
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise not_found("delivery")
        redeliver(delivery)
        document = delivery_document(delivery)
    send_deliveries(ctx().sender, [delivery_id])
    return document
