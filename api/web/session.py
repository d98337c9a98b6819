"""Who is signed in to the page.

The session cookie (Flask's, signed, HttpOnly, SameSite=Lax, Secure behind
TLS) holds only a random session id, never the key; the server keeps the
session (``page_sessions``, by the id's sha256) and the key it signed in with.
Every page request looks both up again in one round trip, so a revoked key is
signed out on its very next request, and signing out ends the session on the
server: a stolen copy of the cookie stops working at once.
One-time sign-in links (``talkfarm up`` prints one) are short-lived tokens kept
as files in the data dir; redeeming one renames its file, which only one
process can do, so a link works once.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from pathlib import Path

from flask import current_app, g, make_response, redirect, request, session, url_for

from api.auth import Principal, principal_for_key, principal_for_page_session, use_principal
from api.context import ctx
from api.request_bounds import check_bounds
from api.web.blueprint import csrf, page
from domain.config import Settings
from domain.secrets import local_secret
from domain.tenants import end_page_session, start_page_session

#: endpoints anyone may open: signing in, and the page's static files
PUBLIC_ENDPOINTS = {"page.sign_in", "page.sign_in_link", "page.static"}
#: a one-time sign-in link works this long
LINK_TTL_S = 600


def secret_key(settings: Settings) -> bytes:
    """Signs the session cookie: TALKFARM_PAGE_SECRET_KEY, else a random key every API process sharing the
    data dir reads."""
    if settings.page_secret_key:
        return settings.page_secret_key.encode()
    return local_secret(settings, "page-session-key")


def start_session(principal: Principal) -> None:
    """Sign in: a new server-side session (any earlier one of this browser is ended first)."""
    end_session()
    with ctx().sessions() as db, db.begin():
        sid = start_page_session(db, principal.key_id, current_app.permanent_session_lifetime.total_seconds())
    session.permanent = True
    session["sid"] = sid


def end_session() -> None:
    """Sign out: the server forgets the session, then the browser its cookie."""
    sid = session.get("sid")
    if sid:
        with ctx().sessions() as db, db.begin():
            end_page_session(db, sid)
    session.clear()


def signed_in() -> Principal | None:
    return g.get("page_principal")


#: the sign-in forms' bounds: an API key, a CSRF token and a page path fit many times over
PUBLIC_FORM_MAX_BYTES = 16 * 1024
PUBLIC_FORM_MAX_FIELDS = 16


@page.before_request
def load_caller():
    """Re-check the session's key on every request; a revoked key is signed out here. The body
    bounds run after this check: a signed-out client's body is not even parsed."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        # a signed-out client's form is a key, a token and a path: a body past these bounds is refused as it is
        # read (413), before any of it is parsed. A 26 MB form of 2.5 million fields cost 5 CPU-s to parse
        # before its missing CSRF token refused it
        request.max_content_length = PUBLIC_FORM_MAX_BYTES
        request.max_form_memory_size = PUBLIC_FORM_MAX_BYTES
        request.max_form_parts = PUBLIC_FORM_MAX_FIELDS
        check_bounds()
        return None
    sid = session.get("sid")
    principal = principal_for_page_session(sid) if isinstance(sid, str) else None
    if principal is None:
        reason = "revoked" if sid else None
        session.clear()
        target = url_for("page.sign_in", reason=reason, next=safe_next(request.full_path))
        if request.headers.get("HX-Request"):  # a poll: have htmx navigate the whole page
            response = make_response("", 200)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, 303)
    use_principal(principal)
    g.page_principal = principal
    check_bounds()
    return None


@page.before_request
def check_csrf():
    """Every form the page posts carries its session's CSRF token (Flask-WTF); htmx sends it as a header."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def safe_next(path: str) -> str | None:
    """Only a path on this site, never another host. Tab, CR, LF (which browsers strip from URLs, so
    ``/<TAB>/evil.com`` becomes ``//evil.com``), any other control character and ``\\`` (which
    browsers read as ``/``) refuse the path outright."""
    path = path.rstrip("?")
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in path):
        return None
    if not path.startswith("/") or path.startswith("//") or path in ("/", "/sign-out"):
        return None
    return path


def principal_for(key: str) -> Principal | None:
    return principal_for_key(key.strip())


# --- one-time sign-in links --------------------------------------------------------------
def _links_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "secrets" / "sign-in-links"


def issue_sign_in_link(settings: Settings, key: str, base_url: str, ttl_s: int = LINK_TTL_S) -> str:
    """A link that signs the holder in as ``key`` once, within ``ttl_s`` seconds."""
    token = secrets.token_urlsafe(24)
    folder = _links_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():  # links nobody followed: gone once surely expired
        try:
            if stale.stat().st_mtime < time.time() - 2 * LINK_TTL_S:
                stale.unlink()
        except FileNotFoundError:
            pass
    path = folder / hashlib.sha256(token.encode()).hexdigest()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"key": key, "expires": time.time() + ttl_s}, fh)
    return f"{base_url.rstrip('/')}/sign-in/link/{token}"


def redeem_sign_in_link(settings: Settings, token: str) -> str | None:
    """The key a link stands for, or None if it is unknown, used or expired. Works once."""
    if not token or len(token) > 100:
        return None
    path = _links_dir(settings) / hashlib.sha256(token.encode()).hexdigest()
    claimed = path.with_name(path.name + f".used-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        os.rename(path, claimed)  # atomic: of two redeemers only one finds the file
    except FileNotFoundError:
        return None
    try:
        data = json.loads(claimed.read_text())
    finally:
        claimed.unlink(missing_ok=True)
    if time.time() > float(data.get("expires", 0)):
        return None
    return data.get("key")
