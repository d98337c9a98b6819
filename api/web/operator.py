"""Operator pages: pools and workers, usage per tenant, and API keys. Each
needs an operator-scoped key; the API refuses a tenant key (403
forbidden_scope) and the page shows that refusal."""

from __future__ import annotations

from flask import g, render_template, request

from api.web import public_api
from api.web.blueprint import page
from api.web.public_api import ApiRefused
from api.web.responses import error_page, field_errors, fragment_with_etag
from api.web.session import end_session


@page.before_request
def _operators_only():
    if (
        (request.endpoint or "") in OPERATOR_ENDPOINTS
        and g.get("page_principal") is not None
        and not g.page_principal.is_operator
    ):
        return error_page(403, "forbidden_scope", "This page needs an operator key; you signed in with a tenant key.")
    return None


def _optional(path: str, **query) -> dict | None:
    """An endpoint another part of the farm may not offer yet: None rather than an error page."""
    try:
        return public_api.get(path, **query)
    except ApiRefused as refused:
        if refused.status in (404, 405):
            return None
        raise


@page.route("/operator/workers")
def workers():
    pools = public_api.get("/v1/pools")["pools"]
    listing = _optional("/v1/workers")
    return render_template(
        "workers.html", title="Pools and workers", pools=pools, workers=(listing or {}).get("items", [])
    )


@page.route("/operator/workers/fragment")
def workers_fragment():
    pools = public_api.get("/v1/pools")["pools"]
    listing = _optional("/v1/workers")
    items = (listing or {}).get("items", [])
    return fragment_with_etag("fragments/workers.html", (pools, items), pools=pools, workers=items)


@page.route("/operator/usage")
def usage():
    days = request.args.get("days", type=int)
    found = _optional("/v1/usage", days=days)
    return render_template("usage.html", title="Usage", usage=found)


@page.route("/operator/keys", methods=["GET", "POST"])
def keys():
    errors, created, form = {}, None, {}
    if request.method == "POST":
        form = {"tenant": request.form.get("tenant", "").strip(), "scope": request.form.get("scope", "tenant")}
        try:
            created = public_api.post("/v1/keys", {"tenant": form["tenant"] or None, "scope": form["scope"]})
            form = {}
        except ApiRefused as refused:
            errors = field_errors(refused, {"forbidden_scope": "scope", "tenant_not_found": "tenant"}, "tenant")
    listing = public_api.get("/v1/keys")["items"]
    return render_template(
        "keys.html", title="API keys", keys=listing, created=created, errors=errors, form=form
    ), 422 if errors else (201 if created else 200)


@page.route("/operator/keys/<key_id>/revoke", methods=["POST"])
def revoke_key(key_id):
    errors = {}
    try:
        revoked = public_api.post(f"/v1/keys/{key_id}/revoke", {})
    except ApiRefused as refused:
        revoked, errors = None, {key_id: {"code": refused.code, "message": refused.detail}}
    listing = public_api.get("/v1/keys")["items"] if g.page_principal.key_id != key_id else []
    if revoked is not None and g.page_principal.key_id == key_id:
        end_session()  # revoked its own key: signed out, as any other page request would find
    return render_template(
        "keys.html", title="API keys", keys=listing, created=None, errors=errors, form={}, revoked=revoked
    ), 409 if errors else 200


OPERATOR_ENDPOINTS = {"page.workers", "page.workers_fragment", "page.usage", "page.keys", "page.revoke_key"}
