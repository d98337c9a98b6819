"""Tenants and their API keys. A key is shown once; only its sha256 is kept."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.db import rows_changed
from domain.models import ApiKey, PageSession, Tenant, UTCDateTime
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


def create_key(
    session: Session,
    tenant: Tenant,
    scope: str = "tenant",
    *,
    expires_at: datetime | None = None,
    minted_by: str | None = None,
) -> str:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            tenant_id=tenant.id,
            key_hash=hash_key(key),
            prefix=key[:12],
            scope=scope,
            expires_at=expires_at,
            minted_by=minted_by,
        )
    )
    session.flush()
    return key


def live_keys_count(session: Session, tenant_id: str) -> int:
    """The tenant's keys that still work (not revoked, not expired)."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(ApiKey)
            .where(
                ApiKey.tenant_id == tenant_id,
                ApiKey.revoked_at.is_(None),
                sa.or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > utcnow()),
            )
        )
        or 0
    )


def tenant_for_key(session: Session, key: str) -> Tenant | None:
    row = session.execute(
        sa.select(Tenant)
        .join(ApiKey, ApiKey.tenant_id == Tenant.id)
        .where(ApiKey.key_hash == hash_key(key), KEY_IS_LIVE),
        {"now": utcnow()},
    ).scalar_one_or_none()
    return row


#: a key that works: not revoked, and not past its expiry at the bound parameter ``now``
KEY_IS_LIVE = sa.and_(
    ApiKey.revoked_at.is_(None),
    sa.or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > sa.bindparam("now", type_=UTCDateTime())),
)
_LIVE_KEY = (
    sa.select(ApiKey.id, ApiKey.tenant_id, Tenant.name, ApiKey.scope)
    .join(Tenant, Tenant.id == ApiKey.tenant_id)
    .where(KEY_IS_LIVE)
)
#: the live key with its tenant's name and its scope, in one round trip; built once
#: (every API request runs one), with the key's sha256 as ``key_hash`` or its id as ``key_id``, and ``now``
LIVE_KEY_BY_HASH = _LIVE_KEY.where(ApiKey.key_hash == sa.bindparam("key_hash"))
LIVE_KEY_BY_ID = _LIVE_KEY.where(ApiKey.id == sa.bindparam("key_id"))
#: the same for a page session: its id's sha256 as ``session_hash``; the session not ended nor expired
LIVE_KEY_BY_PAGE_SESSION = _LIVE_KEY.join(PageSession, PageSession.key_id == ApiKey.id).where(
    PageSession.id == sa.bindparam("session_hash"),
    PageSession.ended_at.is_(None),
    PageSession.expires_at > sa.bindparam("now", type_=UTCDateTime()),
)


def keys_of(session: Session, tenant_id: str | None) -> list[ApiKey]:
    """Keys, newest first: one tenant's, or every tenant's when ``tenant_id`` is None."""
    stmt = sa.select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    if tenant_id is not None:
        stmt = stmt.where(ApiKey.tenant_id == tenant_id)
    return list(session.scalars(stmt).all())


def revoke(
    session: Session, key: ApiKey, *, cascade: bool = False, same_tenant: bool = False, spare: str | None = None
) -> bool:
    """Revoke a key; False if it already was. Requests with it fail from the next one on.
    With ``cascade``, every key it minted (and they minted, and so on) is revoked too: with ``same_tenant``, only
    those of the key's own tenant (an operator's key mints the tenants' keys it hands out: rotating it must not
    revoke them); never the key ``spare`` (the one revoking: a new operator key revoking the one that made it)."""
    if key.revoked_at is not None and not cascade:
        return False
    first = key.revoked_at is None
    now = utcnow()
    if first:
        key.revoked_at = now
    if cascade:
        frontier = [key.id]
        while frontier:  # a tree of keys: each level one query
            minted = session.scalars(sa.select(ApiKey).where(ApiKey.minted_by.in_(frontier))).all()
            if same_tenant:
                minted = [child for child in minted if child.tenant_id == key.tenant_id]
            minted = [child for child in minted if child.id != spare]
            for child in minted:
                if child.revoked_at is None:
                    child.revoked_at = now
            frontier = [child.id for child in minted]
    session.flush()
    return first


def start_page_session(session: Session, key_id: str, lifetime_s: float) -> str:
    """A new page session for ``key_id``; returns the id the cookie carries (only its sha256 is kept)."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        PageSession(id=hash_key(sid), key_id=key_id, created_at=now, expires_at=now + timedelta(seconds=lifetime_s))
    )
    session.flush()
    return sid


def end_page_session(session: Session, sid: str) -> None:
    """Sign-out: the server forgets the session, whoever holds its cookie."""
    session.execute(
        sa.update(PageSession)
        .where(PageSession.id == hash_key(sid), PageSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def prune_page_sessions(session: Session, now: datetime, limit: int) -> int:
    """Delete at most ``limit`` page sessions that can never sign anyone in again (expired, or ended by
    signing out); returns how many. Bounded so that a backlog drains over several short transactions
    instead of one long DELETE; on PostgreSQL rows another pruner holds are skipped, not waited for."""
    dead = (
        sa.select(PageSession.id)
        .where(sa.or_(PageSession.expires_at <= now, PageSession.ended_at.is_not(None)))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    deleted = session.execute(
        sa.delete(PageSession).where(PageSession.id.in_(dead)).execution_options(synchronize_session=False)
    )
    return rows_changed(deleted)
