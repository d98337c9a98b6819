"""A tenant's visible-watermark defaults, set by an operator (`talkfarm tenants set`). They live in the
tenant's default brand kit (made from the tenant's old settings on first use), which every job starts from."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy.orm import Session

from api.brand_kit_store import default_kit
from domain.config import Settings
from domain.ids import new_id
from domain.models import Asset, Tenant
from domain.timeutil import utcnow
from media.watermark import VisibleWatermark
from storage import open_storage


def set_tenant_watermark(
    session: Session,
    settings: Settings,
    tenant: Tenant,
    *,
    text=None,
    position=None,
    opacity=None,
    size=None,
    logo_path=None,
) -> dict:
    """A tenant's visible-watermark defaults, written to its default brand kit (a new version); a job's own
    `watermark` overrides them where allowed. The logo is validated by rendering it once and kept as an asset of
    the tenant. Returns the kit's watermark settings."""
    kit = default_kit(session, tenant)
    chosen = dict(kit.settings.get("watermark") or {})
    for key, value in (("text", text), ("position", position), ("opacity", opacity), ("size", size)):
        if value is not None:
            chosen[key] = value
    logo = Path(logo_path).read_bytes() if logo_path else None
    # refuse what the renderer would refuse, now rather than at every job
    chosen_opacity = chosen.get("opacity")
    VisibleWatermark(
        text=chosen.get("text") or settings.watermark_text,
        logo_png=logo,
        position=chosen.get("position") or settings.watermark_position,
        size=chosen.get("size") or 0.05,
        opacity=chosen_opacity if chosen_opacity is not None else settings.watermark_opacity,
    ).overlay_for(512, 512)
    if logo is not None:
        asset_id = new_id("ast")
        key = f"assets/{tenant.id}/{asset_id}"
        open_storage(settings).put_bytes(key, logo, "image/png")
        session.add(
            Asset(
                id=asset_id,
                tenant_id=tenant.id,
                kind="image",
                content_type="image/png",
                bytes=len(logo),
                sha256=hashlib.sha256(logo).hexdigest(),
                storage_key=key,
                purpose="logo",
                info={"use": "watermark_logo"},
                name="watermark logo (the operator's)",
            )
        )
        chosen["logo_asset_id"] = asset_id
    if chosen != kit.settings.get("watermark"):
        kit.settings = {**kit.settings, "watermark": chosen}
        kit.version += 1
        kit.updated_at = utcnow()
    return chosen
