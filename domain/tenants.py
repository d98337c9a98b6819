"""Tenants and their API keys. A key is shown once; only its sha256 is kept."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.models import ApiKey, Tenant

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


def create_key(session: Session, tenant: Tenant) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(tenant_id=tenant.id, key_hash=hash_key(key), prefix=key[:12]))
    session.flush()
    return key


def tenant_for_key(session: Session, key: str) -> Tenant | None:
    row = session.execute(
        sa.select(Tenant).join(ApiKey, ApiKey.tenant_id == Tenant.id)
        .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    ).scalar_one_or_none()
    return row
