"""Brand kits in the database: a tenant's default kit (made on first use from
the tenant's visible-watermark settings, so its jobs look as they did before
kits existed), the kit a job names, and saving a checked kit.

Used by /v1/brand-kits, by job intake (every job resolves its kit) and by
``talkfarm tenants set --watermark-*`` (which writes the default kit).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.asset_uses import USES, asset_for_use
from api.ownership import owned
from domain.brand_kits import DEFAULT_KIT_NAME, brand_kit_name_key, check_readable, kit_assets, kit_from_watermark
from domain.errors import ProblemError, not_found
from domain.models import BrandKit, Template, TemplateVersion, Tenant
from domain.timeutil import iso, utcnow

#: named kits a tenant may keep besides its default: enough for a newsroom's shows, few enough to list at once
MAX_KITS_PER_TENANT = 100


def kit_settings(kit: dict[str, Any]) -> dict[str, Any]:
    """What a row's ``settings`` holds: the normalised kit without its name and default flag."""
    return {key: value for key, value in kit.items() if key not in ("name", "default")}


def default_kit(session: Session, tenant: Tenant) -> BrandKit:
    """The tenant's default kit; made now from its watermark settings if it has none yet. Two requests making
    it at once meet at the (tenant, name) unique constraint: the loser reads the winner's."""
    row = _default_row(session, tenant.id)
    if row is not None:
        return row
    try:
        first = kit_from_watermark(tenant.watermark)
    except ProblemError:  # settings written before they were checked as a kit's: kept as they were
        first = {**kit_from_watermark(None), "watermark": dict(tenant.watermark or {})}
    made = BrandKit(tenant_id=tenant.id, name=DEFAULT_KIT_NAME, is_default=True, settings=kit_settings(first))
    try:
        with session.begin_nested():
            session.add(made)
    except IntegrityError:
        row = _default_row(session, tenant.id)
        if row is None:  # a kit named "default" that is not the default: cannot happen once one was made
            raise ProblemError(
                "brand_kit_conflict", "The tenant's default kit could not be made; try again.", 409
            ) from None
        return row
    return made


def _default_row(session: Session, tenant_id: str) -> BrandKit | None:
    return session.scalars(
        sa.select(BrandKit).where(BrandKit.tenant_id == tenant_id, BrandKit.is_default.is_(True))
    ).first()


def kit_for_job(session: Session, tenant: Tenant, kit_id: str | None) -> BrandKit:
    """The kit a job follows: the one it names (404 ``brand_kit_not_found`` if not the tenant's), else the
    tenant's default."""
    if kit_id is None:
        return default_kit(session, tenant)
    try:
        return owned(session, BrandKit, kit_id, tenant.id)
    except ProblemError:
        raise ProblemError(
            "brand_kit_not_found", f"brand_kit_id: no brand kit {kit_id!r} for this tenant.", 404
        ) from None


def visible_kit(session: Session, kit_id: str, tenant_id: str, operator: bool) -> BrandKit:
    """A kit the caller may act on: its own tenant's, or any tenant's for an operator key; else a 404."""
    if not operator:
        return owned(session, BrandKit, kit_id, tenant_id)
    row = session.get(BrandKit, kit_id) if isinstance(kit_id, str) and 0 < len(kit_id) <= 64 else None
    if row is None:
        raise not_found("brand_kit")
    return row


def check_kit(session: Session, tenant: Tenant, kit: dict[str, Any], row: BrandKit | None = None) -> None:
    """What a kit names must be the tenant's assets of the right purpose, and its watermark one the tenant
    may show: refused now, not at every job that follows the kit."""
    for field, asset_id, use in kit_assets(kit):
        asset_for_use(session, tenant.id, asset_id, field, USES[use])
    if kit["watermark"].get("enabled") is False and not tenant.may_disable_watermark:
        raise ProblemError(
            "watermark_required",
            "watermark.enabled: this tenant may not turn the visible watermark off; ask the operator to allow it.",
            403,
        )
    # only what this save changes: a kit stored before the floors is saved again as it was, drawn at the floors
    before = (row.settings or {}).get("watermark", {}) if row is not None else None
    check_readable(kit["watermark"], tenant.may_disable_watermark, before=before)


def save_kit(session: Session, tenant: Tenant, kit: dict[str, Any], row: BrandKit | None = None) -> BrandKit:
    """Create (``row`` None) or replace a kit, checked; making it the default unsets the tenant's other default.
    A tenant always has a default: the default kit cannot be un-defaulted, only replaced by another."""
    check_kit(session, tenant, kit, row)
    current = default_kit(session, tenant)
    if row is None:
        count = session.execute(
            sa.select(sa.func.count()).select_from(BrandKit).where(BrandKit.tenant_id == tenant.id)
        ).scalar_one()
        if count >= MAX_KITS_PER_TENANT:
            raise ProblemError("too_many_brand_kits", f"A tenant keeps at most {MAX_KITS_PER_TENANT} brand kits.", 409)
        row = BrandKit(tenant_id=tenant.id, version=0)
    elif row.is_default and not kit["default"]:
        raise ProblemError(
            "brand_kit_default_required",
            "This is the tenant's default kit; make another kit the "
            "default (default: true) instead of un-defaulting this one.",
            409,
        )
    if kit["default"] and current is not row:
        current.is_default = False  # a change to that kit too: a new version of it
        current.version = (current.version or 0) + 1
        current.updated_at = utcnow()
        session.flush()
    name_key = brand_kit_name_key(kit["name"])
    try:
        with session.begin_nested():  # changed inside the savepoint: begin_nested flushes what is dirty before it
            row.name = kit["name"]
            row.is_default = bool(kit["default"]) or row.is_default
            row.settings = kit_settings(kit)
            row.version = (row.version or 0) + 1
            row.updated_at = utcnow()
            session.add(row)
    except IntegrityError:
        taken = session.scalars(
            sa.select(BrandKit.name).where(BrandKit.tenant_id == tenant.id, BrandKit.name_key == name_key)
        ).first()
        raise ProblemError(
            "brand_kit_name_taken",
            f"name: this tenant has a kit named {taken or kit['name']!r} already (names differing only in case or "
            "surrounding spaces are one name); choose another.",
            409,
            errors={"name": ["taken"]},
        ) from None
    return row


#: how many of the templates still naming a kit its refused deletion lists
IN_USE_LISTED = 5


def delete_kit(session: Session, row: BrandKit) -> None:
    """Jobs already made keep the kit's values (merged into their spec at intake); the default stays. A kit a live
    template names (its newest version) stays too: deleted, every later render of that template was refused
    (brand_kit_not_found), a batch of it on every row, with nothing said at the deletion."""
    if row.is_default:
        raise ProblemError(
            "brand_kit_default_required",
            "This is the tenant's default kit; make another kit the default before deleting this one.",
            409,
        )
    naming = session.execute(
        sa.select(Template.id, TemplateVersion.name)
        .join(TemplateVersion, TemplateVersion.template_id == Template.id)
        .where(
            Template.tenant_id == row.tenant_id,
            Template.deleted_at.is_(None),
            TemplateVersion.version == Template.version,
            TemplateVersion.brand_kit_id == row.id,
        )
        .order_by(Template.id)
        .limit(IN_USE_LISTED + 1)
    ).all()
    if naming:
        listed = ", ".join(f"{name!r} ({template_id})" for template_id, name in naming[:IN_USE_LISTED])
        more = " and more" if len(naming) > IN_USE_LISTED else ""
        raise ProblemError(
            "brand_kit_in_use",
            f"Templates make their jobs with this kit: {listed}{more}. Point them at another kit "
            "(PUT /v1/templates/{id} with another brand_kit_id, or none for the default) or delete them first.",
            409,
        )
    session.delete(row)


def kit_document(row: BrandKit, tenant_name: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "tenant_id": row.tenant_id,
        **({"tenant": tenant_name} if tenant_name else {}),
        "name": row.name,
        "default": row.is_default,
        "version": row.version,
        **row.settings,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def kit_values(row: BrandKit) -> dict[str, Any]:
    """The kit as domain/brand_kits.apply_kit takes it."""
    return {"name": row.name, "default": row.is_default, **row.settings}
