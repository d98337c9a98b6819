"""Webhook endpoints: create (the signing secret is shown once), rotate,
delete, the delivery log, and redeliver; and the secret that signs deliveries
to a job's own webhook_url: shown by whichever view's listing made it, and made
anew on request."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from api.web import public_api
from api.web.blueprint import page
from api.web.public_api import ApiRefused
from api.web.responses import field_errors
from api.webhooks import ROTATION_OVERLAP

EVENT_TYPES = ("job.succeeded", "job.failed", "job.canceled", "batch.completed")
FIELD_OF_CODE = {"webhook_url_invalid": "url", "webhook_url_forbidden": "url", "webhook_target_forbidden": "url"}


def _listing() -> tuple[list[dict], dict | None]:
    """The endpoints (not the deleted), and the per-job webhook secret if this listing made it: the first listing
    answers it that once, so every view that lists shows it rather than lose it (and lists after its other calls,
    so that none of them can turn the page into an error page once the secret is made)."""
    endpoints, made, cursor = [], None, None
    while True:  # every page: deleted endpoints are listed too, and may push live ones past the first
        listing = public_api.get("/v1/webhooks", cursor=cursor)
        endpoints += [e for e in listing["items"] if e.get("disabled_reason") != "deleted"]
        made = made or listing.get("job_webhook_secret")
        cursor = listing.get("next_cursor")
        if not cursor:
            return endpoints, {"job_webhook_secret": made} if made else None


def _webhooks_page(job_secret: dict | None = None, **context):
    """The Webhooks page; ``job_secret``: the answer of POST /v1/webhooks/job-secret, if it was just called."""
    endpoints, made = _listing()
    return render_template(
        "webhooks.html",
        title="Webhooks",
        endpoints=endpoints,
        job_secret=job_secret or made,
        event_types=EVENT_TYPES,
        overlap_hours=round(ROTATION_OVERLAP.total_seconds() / 3600),
        **{"errors": {}, "form": {}, "secret_for": None, "rotated": False, **context},
    )


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
    return _webhooks_page(errors=errors, form=form, secret_for=created), 422 if errors else (201 if created else 200)


@page.route("/webhooks/<endpoint_id>/rotate", methods=["POST"])
def rotate_webhook(endpoint_id):
    rotated = public_api.post(f"/v1/webhooks/{endpoint_id}/rotate", {})
    return _webhooks_page(secret_for=rotated, rotated=True)


@page.route("/webhooks/job-secret", methods=["POST"])
def rotate_job_webhook_secret():
    return _webhooks_page(job_secret={**public_api.post("/v1/webhooks/job-secret", {}), "made_on_request": True})


@page.route("/webhooks/<endpoint_id>/delete", methods=["POST"])
def delete_webhook(endpoint_id):
    public_api.call("DELETE", f"/v1/webhooks/{endpoint_id}")
    flash("The endpoint was removed; its pending deliveries stop.")
    return redirect(url_for("page.webhooks"), 303)


@page.route("/webhooks/<endpoint_id>")
def webhook_deliveries(endpoint_id):
    return _deliveries_page(endpoint_id, {})


@page.route("/webhooks/<endpoint_id>/deliveries/<delivery_id>/redeliver", methods=["POST"])
def redeliver(endpoint_id, delivery_id):
    try:
        public_api.post(f"/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver", {})
    except ApiRefused as refused:
        errors = {delivery_id: {"code": refused.code, "message": refused.detail}}
        return _deliveries_page(endpoint_id, errors), refused.status
    flash(f"Delivery {delivery_id} is being sent again, with the same event id.")
    return redirect(url_for("page.webhook_deliveries", endpoint_id=endpoint_id), 303)


def _deliveries_page(endpoint_id: str, errors: dict) -> str:
    deliveries = public_api.get(f"/v1/webhooks/{endpoint_id}/deliveries")["items"]  # first: a 404 before the listing
    endpoints, job_secret = _listing()
    endpoint = next((e for e in endpoints if e["id"] == endpoint_id), {"id": endpoint_id})
    return render_template(
        "webhook_deliveries.html",
        title="Deliveries",
        endpoint=endpoint,
        deliveries=deliveries,
        errors=errors,
        job_secret=job_secret,
    )
