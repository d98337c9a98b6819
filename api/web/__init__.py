"""The web page: server-rendered Jinja templates with htmx and Pico CSS (both
vendored under static/vendor with their licences), served by the API's own
process. No Node at install or run time.

Every action goes through the public API, called in-process (see
``public_api``), so the page refuses exactly what the API refuses, with the
same codes. ``install(app)`` adds the blueprint, the session cookie, CSRF
protection (Flask-WTF's CSRFProtect) and a Content-Security-Policy.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import NotFound

from api.problems import PROBLEM_JSON, problem_response
from api.web import (  # noqa: F401  (their routes)
    asset_pages,
    batches,
    brand_kit_pages,
    composer,
    fonts,
    jobs,
    operator,
    responses,
    signin,
    template_pages,
    verify,
    webhooks,
)
from api.web import session as page_session
from api.web.blueprint import csrf, page
from api.web.responses import error_page
from domain.config import Settings
from domain.errors import ProblemError

#: how long a signed-in page session lasts without signing in again
SESSION_HOURS = 12


class PageSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure when the page is reached over TLS
    (directly, or behind a proxy whose public URL is https)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        public_url = app.extensions["talkfarm"].settings.public_url
        return request.is_secure or public_url.startswith("https://")


def _storage_origins(settings: Settings) -> str:
    """Where signed download links point, for the CSP's media-src and img-src."""
    if not settings.storage_url.startswith("s3://"):
        return ""
    if settings.s3_endpoint_url:
        parts = urlsplit(settings.s3_endpoint_url)
        return f" {parts.scheme}://{parts.netloc}"
    return " https://*.amazonaws.com"


def content_security_policy(settings: Settings) -> str:
    storage = _storage_origins(settings)
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{storage}; media-src 'self' blob:{storage}; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def install(app: Flask) -> None:
    settings: Settings = app.extensions["talkfarm"].settings
    app.config.update(
        SECRET_KEY=page_session.secret_key(settings),
        SESSION_COOKIE_NAME="talkfarm_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # the API takes bearer keys, not cookies, so it needs no CSRF check; the page checks its own forms
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session it belongs to
        WTF_CSRF_SSL_STRICT=False,  # the Origin-less Referer check breaks behind some proxies; SameSite covers it
    )
    app.session_interface = PageSessionInterface()
    csrf.init_app(app)
    app.extensions["talkfarm_page_csp"] = content_security_policy(settings)

    app.register_blueprint(page)
    app.register_error_handler(NotFound, _not_found)


def _not_found(exc: NotFound):
    """An address nothing serves: the page's "not found" for a browser outside the API (a mistyped or old link
    to the page), the API's problem for anything else."""
    if request.blueprint == "page":  # a page's own 404 (a job that is not there), as its other refusals show
        return error_page(404, "not_found", exc.description or "Not Found")
    wanted = request.accept_mimetypes.best_match([PROBLEM_JSON, "application/json", "text/html"])
    if request.path.startswith("/v1/") or wanted != "text/html":
        return problem_response(ProblemError("not_found", exc.description or "Not Found", 404, title="Not Found"))
    return error_page(404, "not_found", "Nothing is at this address. The list of jobs is at /jobs.")
