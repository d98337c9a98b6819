"""A tenant's room for assets: at most ``TALKFARM_TENANT_MAX_ASSET_BYTES`` stored bytes (20 GiB) and
``TALKFARM_TENANT_MAX_ASSETS`` assets (10,000), counted over its rows (the sum of ``bytes``), so one key cannot
fill the disk or the bucket every tenant shares. Before, three 17 MB noise PNGs a second were stored without end.

An upload is judged twice. Before anything is inspected or stored (``refuse_if_full``): a request that would
pass a limit is a 409 ``asset_quota_exceeded`` unless the tenant already holds these bytes, which may be the
asset it is answered with (200, counting nothing: see ``_existing`` in api/assets.py). And in the transaction
that inserts the row (``hold_room``): the tenant's row is locked (PostgreSQL; SQLite has one writer at a time,
taken by the insert) and the tenant's assets counted with the new one, so two uploads at once cannot both
squeeze past the limit: the second waits for the first's commit, counts it, and rolls back."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.config import Settings
from domain.errors import ProblemError
from domain.models import Asset, Tenant

CODE = "asset_quota_exceeded"


@dataclass(frozen=True)
class AssetUsage:
    bytes: int
    assets: int


def usage(session: Session, tenant_id: str) -> AssetUsage:
    """What the tenant's assets take: their bytes together, and how many there are (one indexed aggregate)."""
    total, count = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Asset.bytes), 0), sa.func.count()).where(Asset.tenant_id == tenant_id)
    ).one()
    return AssetUsage(int(total), int(count))


def room(session: Session, settings: Settings, tenant_id: str) -> dict[str, int]:
    """What the tenant's assets take of its room, as a refusal's ``errors.quota`` gives it (less its upload)."""
    used = usage(session, tenant_id)
    return _room(settings, used)


def _room(settings: Settings, used: AssetUsage) -> dict[str, int]:
    return {
        "bytes_used": used.bytes,
        "bytes_limit": settings.tenant_max_asset_bytes,
        "assets_used": used.assets,
        "assets_limit": settings.tenant_max_assets,
    }


def refuse_if_full(session: Session, settings: Settings, tenant_id: str, size: int, sha256: str | None = None) -> bool:
    """409 ``asset_quota_exceeded`` if one more asset of ``size`` bytes would pass either limit. With ``sha256``,
    an upload of bytes the tenant already holds (for some purpose) is let through, as it may be answered with
    that asset: returns True then, and the caller asks again, without it, once the purpose is known."""
    used = usage(session, tenant_id)
    if _fits(settings, used, size):
        return False
    if sha256 is not None and session.scalar(
        sa.select(sa.literal(True)).where(Asset.tenant_id == tenant_id, Asset.sha256 == sha256).limit(1)
    ):
        return True
    raise _refusal(settings, used, size)


def hold_room(session: Session, settings: Settings, asset: Asset) -> None:
    """Inside the transaction that adds ``asset``, before it commits: lock the tenant, insert the row, count the
    tenant's assets with it, and refuse (the caller's transaction then rolls back) if they are over a limit."""
    session.execute(sa.select(Tenant.id).where(Tenant.id == asset.tenant_id).with_for_update())
    session.add(asset)
    session.flush()  # on SQLite the insert takes the database's one write lock: the count below sees every commit
    used = usage(session, asset.tenant_id)
    before = AssetUsage(used.bytes - asset.bytes, used.assets - 1)
    if not _fits(settings, before, asset.bytes):
        raise _refusal(settings, before, asset.bytes)


def _fits(settings: Settings, used: AssetUsage, size: int) -> bool:
    return used.assets + 1 <= settings.tenant_max_assets and used.bytes + size <= settings.tenant_max_asset_bytes


def _refusal(settings: Settings, used: AssetUsage, size: int) -> ProblemError:
    bytes_limit, count_limit = settings.tenant_max_asset_bytes, settings.tenant_max_assets
    held = f"This tenant's {used.assets:,} assets take {_size(used.bytes)} of the {_size(bytes_limit)} it may store"
    if used.assets + 1 > count_limit:
        over = f"; it may keep {count_limit:,} assets, and this upload would be one more"
    else:
        over = f"; this upload of {_size(size)} would pass that"
    return ProblemError(
        CODE,
        f"{held}{over}. Nothing was stored. Deleting assets it no longer uses (DELETE /v1/assets/{{id}}) frees room; "
        "the operator sets the limits.",
        409,
        errors={"quota": {**_room(settings, used), "upload_bytes": size}},
    )


def _size(n: int) -> str:
    """Bytes as a person reads them, exact beside: ``17,825,792 bytes (17.0 MiB)``."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= scale:
            return f"{n:,} bytes ({n / scale:.1f} {unit})"
    return f"{n:,} bytes"
