"""Bearer API keys per tenant. Lookups are cached briefly, since polling
clients present the same key thousands of times a minute."""

from __future__ import annotations

import threading
import time

from flask import g, request

from api.context import ctx
from domain.errors import ProblemError
from domain.tenants import hash_key, tenant_for_key

_CACHE_TTL_S = 30.0
_cache: dict[str, tuple[float, str | None, dict]] = {}
_lock = threading.Lock()

#: paths that need no key: probes, the spec, and signed download links
PUBLIC_PREFIXES = ("/healthz", "/metrics", "/openapi.json", "/v1/files/", "/docs")


def _lookup(key: str) -> tuple[str | None, dict]:
    digest = hash_key(key)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(digest)
        if hit and hit[0] > now:
            return hit[1], hit[2]
    with ctx().sessions() as session:
        tenant = tenant_for_key(session, key)
        found = (tenant.id, {"name": tenant.name}) if tenant else (None, {})
    with _lock:
        if len(_cache) > 10_000:
            _cache.clear()
        _cache[digest] = (now + _CACHE_TTL_S, *found)
    return found


def authenticate() -> None:
    if request.path.startswith(PUBLIC_PREFIXES) or request.method == "OPTIONS":
        return
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ProblemError("unauthorized", "Send your API key as `Authorization: Bearer <key>`.", 401,
                           headers={"WWW-Authenticate": 'Bearer realm="talkfarm"'})
    tenant_id, info = _lookup(key.strip())
    if tenant_id is None:
        raise ProblemError("invalid_api_key", "That API key is not valid or was revoked.", 401,
                           headers={"WWW-Authenticate": 'Bearer realm="talkfarm", error="invalid_token"'})
    g.tenant_id = tenant_id
    g.tenant_name = info.get("name")


def clear_cache() -> None:
    with _lock:
        _cache.clear()
