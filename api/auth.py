"""Bearer API keys, each with a scope (`tenant` or `operator`).

Every request looks its key up again: one indexed read, in one round trip,
so a revoked key stops working on the very next request in every API
process (a per-process cache could not be told of a revocation made in
another one). The web page uses the same look-ups: ``principal_for_key`` at
sign-in, ``principal_for_page_session`` on each request of a signed-in session.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from werkzeug.exceptions import NotFound

from api.context import ctx
from domain.db import DatabaseTimeouts, read_one
from domain.errors import ProblemError
from domain.tenants import LIVE_KEY_BY_HASH, LIVE_KEY_BY_ID, LIVE_KEY_BY_PAGE_SESSION, hash_key
from domain.timeutil import utcnow

#: paths that need no key: probes, the spec, and signed download links
PUBLIC_PREFIXES = ("/healthz", "/metrics", "/openapi.json", "/v1/files/", "/docs")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key, its tenant, and what the key may do."""

    key_id: str
    tenant_id: str
    tenant_name: str
    scope: str

    @property
    def is_operator(self) -> bool:
        return self.scope == "operator"


def _principal(row) -> Principal | None:
    if row is None:
        return None
    return Principal(key_id=row.id, tenant_id=row.tenant_id, tenant_name=row.name, scope=row.scope)


def principal_for_key(key: str) -> Principal | None:
    """The caller a key stands for, or None if it is unknown or revoked."""
    if not key:
        return None
    return _principal(
        read_one(
            ctx().settings.database_url,
            LIVE_KEY_BY_HASH,
            {"key_hash": hash_key(key), "now": utcnow()},
            DatabaseTimeouts.of(ctx().settings),
        )
    )


def principal_for_key_id(key_id: str) -> Principal | None:
    """The same for a key known by its id (a signed-in page session keeps only the id);
    None once the key is revoked."""
    if not key_id:
        return None
    return _principal(
        read_one(
            ctx().settings.database_url,
            LIVE_KEY_BY_ID,
            {"key_id": key_id, "now": utcnow()},
            DatabaseTimeouts.of(ctx().settings),
        )
    )


def principal_for_page_session(session_id: str) -> Principal | None:
    """The caller of a signed-in page session, by the id its cookie carries; None once the session
    was ended (signed out) or expired, or its key revoked or expired. One round trip."""
    if not session_id:
        return None
    return _principal(
        read_one(
            ctx().settings.database_url,
            LIVE_KEY_BY_PAGE_SESSION,
            {"session_hash": hash_key(session_id), "now": utcnow()},
            DatabaseTimeouts.of(ctx().settings),
        )
    )


#: environ key of a caller the web page vouches for (api/web/public_api.py); only in-process
#: code can set an environ key without the HTTP_ prefix, so the network cannot forge it
PAGE_PRINCIPAL_ENVIRON = "talkfarm.principal"


def authenticate() -> None:
    if request.path.startswith(PUBLIC_PREFIXES) or request.method == "OPTIONS":
        return
    if request.blueprint == "page":  # the web page signs in with its own session (api/web/session.py)
        return
    if request.url_rule is None and not request.path.startswith("/v1/"):
        # an address nothing serves, outside the API: a 404 for anyone (a browser gets the page's), raised here so
        # that no hook after this one reads an unknown caller's body
        raise NotFound()
    vouched = request.environ.get(PAGE_PRINCIPAL_ENVIRON)
    if isinstance(vouched, Principal):  # the page calling this API in-process for its signed-in caller
        use_principal(vouched)
        return
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ProblemError(
            "unauthorized",
            "Send your API key as `Authorization: Bearer <key>`.",
            401,
            headers={"WWW-Authenticate": 'Bearer realm="talkfarm"'},
        )
    if request.method == "GET" and request.endpoint in CHECKED_WITH_THEIR_READ and request.if_none_match:
        g.deferred_key_hash = hash_key(key.strip())  # the view checks it in its own first (and only) read
        return
    principal = principal_for_key(key.strip())
    if principal is None:
        raise invalid_key()
    use_principal(principal)


#: Views that check the key in the same round trip as their own read, when polled with If-None-Match:
#: a poll answered 304 then costs one query, as it did when keys were cached per process.
#: Such a view calls ``take_deferred_key_hash()`` first and, if it gets one, must check it.
CHECKED_WITH_THEIR_READ = frozenset({"jobs.JobById"})


def take_deferred_key_hash() -> str | None:
    return g.pop("deferred_key_hash", None)


def invalid_key() -> ProblemError:
    return ProblemError(
        "invalid_api_key",
        "That API key is not valid or was revoked.",
        401,
        headers={"WWW-Authenticate": 'Bearer realm="talkfarm", error="invalid_token"'},
    )


def principal_from_row(row) -> Principal:
    """A row carrying ``key_id``, ``tenant_id``, ``tenant_name`` and ``scope`` columns."""
    return Principal(key_id=row.key_id, tenant_id=row.tenant_id, tenant_name=row.tenant_name, scope=row.scope)


def use_principal(principal: Principal) -> None:
    """Make ``principal`` the caller of this request (the page does this from its session)."""
    g.principal = principal
    g.tenant_id = principal.tenant_id
    g.tenant_name = principal.tenant_name


def current_principal() -> Principal:
    return g.principal


def require_operator(principal: Principal | None = None) -> Principal:
    """403 ``forbidden_scope`` unless the caller's key has the operator scope."""
    principal = principal or current_principal()
    if not principal.is_operator:
        raise ProblemError("forbidden_scope", "This needs an operator key; this key has the tenant scope.", 403)
    return principal
