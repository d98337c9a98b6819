"""Tenants and their API keys. A key is shown once; only its sha256 is kept."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.models import ApiKey, Tenant
from domain.timeutil import utcnow

KEY_PREFIX = "tfk_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def get_or_create_tenant(session: Session, name: str) -> Tenant:
    tenant = session.scalars(sa.select(Tenant).where(Tenant.name == name)).first()
    if tenant is None:
        tenant = Tenant(name=name)
        session.add(tenant)
        session.flush()
    return tenant


#: what a key may do: `tenant` acts for its tenant only; `operator` also sees
#: pools, workers, and every tenant's usage and keys
SCOPES = ("tenant", "operator")


def create_key(session: Session, tenant: Tenant, scope: str = "tenant") -> str:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(tenant_id=tenant.id, key_hash=hash_key(key), prefix=key[:12], scope=scope))
    session.flush()
    return key


def tenant_for_key(session: Session, key: str) -> Tenant | None:
    row = session.execute(
        sa.select(Tenant).join(ApiKey, ApiKey.tenant_id == Tenant.id)
        .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    ).scalar_one_or_none()
    return row


_LIVE_KEY = (sa.select(ApiKey.id, ApiKey.tenant_id, Tenant.name, ApiKey.scope)
             .join(Tenant, Tenant.id == ApiKey.tenant_id).where(ApiKey.revoked_at.is_(None)))
#: the unrevoked key with its tenant's name and its scope, in one round trip; built once
#: (every API request runs one), with the key's sha256 as ``key_hash`` or its id as ``key_id``
LIVE_KEY_BY_HASH = _LIVE_KEY.where(ApiKey.key_hash == sa.bindparam("key_hash"))
LIVE_KEY_BY_ID = _LIVE_KEY.where(ApiKey.id == sa.bindparam("key_id"))


def keys_of(session: Session, tenant_id: str | None) -> list[ApiKey]:
    """Keys, newest first: one tenant's, or every tenant's when ``tenant_id`` is None."""
    stmt = sa.select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if tenant_id is not None:
        stmt = stmt.where(ApiKey.tenant_id == tenant_id)
    return list(session.scalars(stmt).all())


def revoke(session: Session, key: ApiKey) -> bool:
    """Revoke a key; False if it already was. Requests with it fail from the next one on."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    session.flush()
    return True
