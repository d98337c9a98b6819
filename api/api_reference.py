"""GET /docs: the HTTP API's reference, drawn in the browser by the vendored
Redoc from this farm's own ``/openapi.json``. Nothing is loaded from outside
the farm: the page's policy allows only this origin (Redoc styles itself with
inline ``<style>`` tags and runs its search in a ``blob:`` worker)."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template

from api.app_version import VERSION

blp = Blueprint("api_reference", __name__, template_folder="web/templates")

REFERENCE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'none'; frame-ancestors 'none'"
)


@blp.route("/docs", methods=["GET"])
def api_reference():
    """The API reference page (HTML), for people; machines read ``/openapi.json``."""
    response = make_response(render_template("api_reference.html", version=VERSION))
    response.headers["Content-Security-Policy"] = REFERENCE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
