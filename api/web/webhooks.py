"""Webhook endpoints: create (the signing secret is shown once), rotate,
delete, the delivery log, and redeliver."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from api.web import public_api
from api.web.blueprint import page
from api.web.public_api import ApiRefused
from api.web.responses import field_errors

EVENT_TYPES = ("job.succeeded", "job.failed", "job.canceled", "batch.completed")
FIELD_OF_CODE = {"webhook_url_invalid": "url", "webhook_url_forbidden": "url", "webhook_target_forbidden": "url"}


def _endpoints() -> list[dict]:
    return [e for e in public_api.get("/v1/webhooks")["items"] if e.get("disabled_reason") != "deleted"]


@page.route("/webhooks", methods=["GET", "POST"])
def webhooks():
    errors, form, created = {}, {}, None
    if request.method == "POST":
        form = {"url": request.form.get("url", "").strip(), "events": request.form.getlist("events")}
        try:
            created = public_api.post("/v1/webhooks", {"url": form["url"], "events": form["events"]})
            form = {}
        except ApiRefused as refused:
            errors = field_errors(refused, FIELD_OF_CODE, "url")
    return render_template(
        "webhooks.html",
        title="Webhooks",
        endpoints=_endpoints(),
        errors=errors,
        form=form,
        secret_for=created,
        event_types=EVENT_TYPES,
    ), 422 if errors else (201 if created else 200)


@page.route("/webhooks/<endpoint_id>/rotate", methods=["POST"])
def rotate_webhook(endpoint_id):
    rotated = public_api.post(f"/v1/webhooks/{endpoint_id}/rotate", {})
    return render_template(
        "webhooks.html",
        title="Webhooks",
        endpoints=_endpoints(),
        errors={},
        form={},
        secret_for=rotated,
        rotated=True,
        event_types=EVENT_TYPES,
    )


@page.route("/webhooks/<endpoint_id>/delete", methods=["POST"])
def delete_webhook(endpoint_id):
    public_api.call("DELETE", f"/v1/webhooks/{endpoint_id}")
    flash("The endpoint was removed; its pending deliveries stop.")
    return redirect(url_for("page.webhooks"), 303)


@page.route("/webhooks/<endpoint_id>")
def webhook_deliveries(endpoint_id):
    endpoint = next((e for e in _endpoints() if e["id"] == endpoint_id), None)
    deliveries = public_api.get(f"/v1/webhooks/{endpoint_id}/deliveries")["items"]
    return render_template(
        "webhook_deliveries.html",
        title="Deliveries",
        endpoint=endpoint or {"id": endpoint_id},
        deliveries=deliveries,
        errors={},
    )


@page.route("/webhooks/<endpoint_id>/deliveries/<delivery_id>/redeliver", methods=["POST"])
def redeliver(endpoint_id, delivery_id):
    try:
        public_api.post(f"/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver", {})
    except ApiRefused as refused:
        endpoint = next((e for e in _endpoints() if e["id"] == endpoint_id), {"id": endpoint_id})
        deliveries = public_api.get(f"/v1/webhooks/{endpoint_id}/deliveries")["items"]
        return render_template(
            "webhook_deliveries.html",
            title="Deliveries",
            endpoint=endpoint,
            deliveries=deliveries,
            errors={delivery_id: {"code": refused.code, "message": refused.detail}},
        ), refused.status
    flash(f"Delivery {delivery_id} is being sent again, with the same event id.")
    return redirect(url_for("page.webhook_deliveries", endpoint_id=endpoint_id), 303)
