"""What every page response carries (security headers, the navigation), how the
API's refusals become messages next to fields, and the error page: a refused
request shows its code and never a stack trace."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import current_app, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from api.web.blueprint import page
from api.web.messages import SCHEMA_CODES, sentence
from api.web.public_api import ApiRefused
from api.web.text_limits import TEXT_LIMITS
from domain.errors import ProblemError

log = logging.getLogger(__name__)

TENANT_NAV = [
    ("page.jobs", "Jobs"),
    ("page.new_job", "New video"),
    ("page.templates", "Templates"),
    ("page.batches", "Batches"),
    ("page.brand_kits", "Brand kits"),
    ("page.files", "Files"),
    ("page.webhooks", "Webhooks"),
    ("page.verify", "Verify"),
]
OPERATOR_NAV = [("page.workers", "Workers"), ("page.usage", "Usage"), ("page.keys", "API keys")]


@page.app_context_processor
def _layout():
    me = g.get("page_principal")
    nav = TENANT_NAV + (OPERATOR_NAV if me is not None and me.is_operator else [])
    return {"me": me, "nav": nav, "text_limits": TEXT_LIMITS}


@page.after_request
def _security_headers(response):
    response.headers["Content-Security-Policy"] = current_app.extensions["talkfarm_page_csp"]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("Cookie")
    return response


def field_errors(refused: ApiRefused, field_of_code: dict[str, str], default: str) -> dict[str, dict[str, str]]:
    """The API's refusal as {form field: {code, message}}: per-field validation messages where the
    API names fields, else the field the code concerns (``field_of_code``), else ``default``."""
    found: dict[str, dict[str, str]] = {}
    if refused.code in field_of_code:
        name = field_of_code[refused.code]
        found[name] = {"code": refused.code, "message": sentence(refused.code, name, refused.detail)}
        return found

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list):
            found[prefix] = {"code": refused.code, "message": sentence(refused.code, prefix, " ".join(map(str, value)))}
        else:
            found[prefix] = {"code": refused.code, "message": sentence(refused.code, prefix, str(value))}

    if isinstance(refused.errors, dict) and refused.code in SCHEMA_CODES:
        walk("", refused.errors)
    if not found:
        found[default] = {"code": refused.code, "message": sentence(refused.code, default, refused.detail)}
    return found


def fragment_with_etag(template: str, basis: Any, **context: Any):
    """A polled fragment: 304 when nothing the fragment shows has changed since the caller's ETag."""
    etag = hashlib.sha256(repr(basis).encode()).hexdigest()[:20]
    if request.if_none_match and etag in request.if_none_match:
        response = make_response("", 304)
    else:
        response = make_response(render_template(template, **context))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def error_page(status: int, code: str, detail: str):
    return make_response(
        render_template(
            "error.html",
            title="Something went wrong" if status >= 500 else "Refused",
            status=status,
            code=code,
            detail=detail,
        ),
        status,
    )


@page.errorhandler(ApiRefused)
def _refused(exc: ApiRefused):
    if exc.code in ("not_found", "job_not_found", "batch_not_found", "endpoint_not_found") or exc.status == 404:
        return error_page(404, exc.code, exc.detail)
    return error_page(exc.status, exc.code, exc.detail)


@page.errorhandler(ProblemError)
def _problem(exc: ProblemError):
    return error_page(exc.status, exc.code, exc.detail)


@page.errorhandler(CSRFError)
def _csrf(exc: CSRFError):
    return error_page(
        400, "csrf_invalid", "The form was sent without a valid CSRF token; reload the page and try again."
    )


@page.errorhandler(HTTPException)
def _http(exc: HTTPException):
    status = exc.code or 500
    code = {413: "payload_too_large"}.get(status) or exc.name.lower().replace(" ", "_")
    return error_page(status, code, exc.description or exc.name)


@page.errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("page error")
    return error_page(500, "internal_error", "The server failed; nothing was changed. Try again, or ask the operator.")
