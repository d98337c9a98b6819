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
from api.schemas import EVENT_TYPES, StrictSchema, WebhookUrl
from domain.documents import delivery_document, endpoint_document
from domain.errors import ProblemError, not_found
from domain.models import Tenant, WebhookDelivery, WebhookEndpoint
from domain.timeutil import iso, utcnow
from tasks.webhook_lookups import BUSY_DOC, check_in_time
from tasks.webhooks import new_secret, redeliver, send_deliveries, tenant_webhook_secret

blp = Blueprint("webhooks", __name__, url_prefix="/v1/webhooks", description="Webhook endpoints and deliveries")

#: how long the old secret keeps signing after a rotation
ROTATION_OVERLAP = timedelta(hours=24)


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


class EndpointListSchema(Schema):
    items = fields.List(fields.Nested(EndpointSchema))
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


@blp.route("")
class Endpoints(MethodView):
    @blp.arguments(EndpointCreateSchema)
    @blp.response(201, EndpointSchema)
    @blp.alt_response(422, response="Problem")
    @blp.alt_response(503, response="Problem", description=BUSY_DOC)
    def post(self, body):
        """Register an endpoint; the response carries its signing secret."""
        check_in_time(body["url"], ctx().settings, g.tenant_id)
        with ctx().sessions() as session, session.begin():
            endpoint = WebhookEndpoint(
                tenant_id=g.tenant_id, url=body["url"], events=sorted(set(body["events"])), secret=new_secret()
            )
            session.add(endpoint)
            session.flush()
            return endpoint_document(endpoint, with_secret=True)

    @blp.response(200, EndpointListSchema)
    def get(self):
        """The tenant's endpoints, without their secrets (each is shown once, when made). The secret that
        signs per-job webhook_url deliveries is made by the first listing and shown in that one only."""
        with ctx().sessions() as session, session.begin():
            endpoints = session.scalars(
                sa.select(WebhookEndpoint)
                .where(WebhookEndpoint.tenant_id == g.tenant_id)
                .order_by(WebhookEndpoint.created_at)
            ).all()
            listing: dict = {"items": [endpoint_document(e) for e in endpoints]}
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
        endpoint.disabled_at, endpoint.disabled_reason = utcnow(), "deleted"
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
