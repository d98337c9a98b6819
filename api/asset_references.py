"""What names an asset, where: a queued or running job's ``spec`` (a brand kit's values are merged into it at
intake), a brand kit's settings, and a live template (its newest version's body, or a variable's default). An
asset any of them names is not deleted (409 ``asset_in_use``, naming each and the field): the job would fail
``asset_missing`` halfway, and every later job of the kit or template would be refused.

Finished jobs are not asked: their outputs are files of their own, and their ``spec`` keeps naming the asset as
it was made. ``check_named_assets`` refuses such a spec with a 404 ``asset_not_found`` naming the field, for a
retry or a draft's approval to call before queueing a job that would fail at the worker for want of the asset.

Each kind is found with a substring test on the JSON's text (cheap, on every database), then the document is
walked to keep only values that are the id itself, and to say where it stands."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.errors import ProblemError
from domain.ids import is_id
from domain.models import Asset, BrandKit, Job, Template, TemplateVersion, Tenant
from domain.states import JobState

#: rows of each kind read to find what names an asset, and how many of them a refusal lists in its detail
SCANNED = 100
LISTED = 5


@dataclass(frozen=True)
class AssetHolder:
    kind: str  # job | brand_kit | template | tenant (its watermark settings, before it had a default kit)
    id: str
    label: str  # the job's status, the kit's or template's name
    fields: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        key = "status" if self.kind == "job" else "name"
        return {"kind": self.kind, "id": self.id, key: self.label, "fields": list(self.fields)}

    def sentence(self) -> str:
        where = ", ".join(self.fields)
        if self.kind == "job":
            return f"{self.label} job {self.id} ({where})"
        return f"{self.kind.replace('_', ' ')} {self.label!r} ({self.id}: {where})"


def asset_fields(document: Any, asset_id: str, path: str = "") -> Iterator[str]:
    """The paths in a JSON document (``scenes[0].background.asset_id``) whose value is ``asset_id``."""
    return (where for where, value in _strings(document, path) if value == asset_id)


def _strings(document: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON document, with its path."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _strings(value, f"{path}[{index}]")
    elif isinstance(document, str):
        yield path, document


def holders_of(session: Session, asset: Asset) -> list[AssetHolder]:
    """What names the asset now: the tenant's queued and running jobs, brand kits and live templates."""
    tenant_id, asset_id = asset.tenant_id, asset.id

    def naming(column: Any) -> Any:
        return sa.cast(column, sa.Text).contains(asset_id, autoescape=True)

    jobs = session.execute(
        sa.select(Job.id, Job.status, Job.spec)
        .where(Job.tenant_id == tenant_id, Job.status.in_((JobState.QUEUED, JobState.RUNNING)), naming(Job.spec))
        .order_by(Job.id)
        .limit(SCANNED)
    ).all()
    kits = session.execute(
        sa.select(BrandKit.id, BrandKit.name, BrandKit.settings)
        .where(BrandKit.tenant_id == tenant_id, naming(BrandKit.settings))
        .order_by(BrandKit.id)
        .limit(SCANNED)
    ).all()
    templates = session.execute(
        sa.select(Template.id, TemplateVersion.name, TemplateVersion.body, TemplateVersion.variables)
        .join(TemplateVersion, TemplateVersion.template_id == Template.id)
        .where(
            Template.tenant_id == tenant_id,
            Template.deleted_at.is_(None),
            TemplateVersion.version == Template.version,
            sa.or_(naming(TemplateVersion.body), naming(TemplateVersion.variables)),
        )
        .order_by(Template.id)
        .limit(SCANNED)
    ).all()
    found = [AssetHolder("job", i, str(status), tuple(asset_fields(spec, asset_id))) for i, status, spec in jobs]
    found += [AssetHolder("brand_kit", i, name, tuple(asset_fields(settings, asset_id))) for i, name, settings in kits]
    found += [
        AssetHolder(
            "template", i, name, (*asset_fields(body, asset_id, "body"), *asset_fields(va, asset_id, "variables"))
        )
        for i, name, body, va in templates
    ]
    found += _tenant_watermark(session, tenant_id, asset_id)
    return [holder for holder in found if holder.fields]


def _tenant_watermark(session: Session, tenant_id: str, asset_id: str) -> list[AssetHolder]:
    """A tenant with no default kit yet has it made, on first use, from its old watermark settings: their logo
    is a use too (``talkfarm tenants set --watermark-logo`` writes the kit itself since kits exist)."""
    if session.scalar(sa.select(BrandKit.id).where(BrandKit.tenant_id == tenant_id, BrandKit.is_default.is_(True))):
        return []
    tenant = session.get_one(Tenant, tenant_id)
    fields = tuple(asset_fields(tenant.watermark or {}, asset_id, "watermark"))
    return [AssetHolder("tenant", tenant_id, tenant.name, fields)] if fields else []


def refuse_if_in_use(session: Session, asset: Asset) -> None:
    """409 ``asset_in_use`` naming what uses the asset, and the fields, unless nothing does."""
    holders = holders_of(session, asset)
    if not holders:
        return
    listed = "; ".join(holder.sentence() for holder in holders[:LISTED])
    more = f"; and {len(holders) - LISTED} more" if len(holders) > LISTED else ""
    raise ProblemError(
        "asset_in_use",
        f"The asset is in use: {listed}{more}. Let the jobs finish (or cancel them), and point the brand kits and "
        "templates at another asset (or delete them), then delete it. Finished jobs do not hold it.",
        409,
        errors={"uses": [holder.to_dict() for holder in holders]},
    )


def check_named_assets(session: Session, tenant_id: str, document: Any) -> None:
    """404 ``asset_not_found`` naming the field, for an asset a job's ``spec`` names that the tenant no longer has
    (deleted since the job was made): a retry or an approval is refused rather than failed at the worker."""
    for path, value in _strings(document):
        if (
            is_id(value, "ast")
            and session.scalar(sa.select(Asset.id).where(Asset.id == value, Asset.tenant_id == tenant_id)) is None
        ):
            raise ProblemError(
                "asset_not_found",
                f"{path}: the asset {value} was deleted since this job was made; submit a new job with another.",
                404,
                errors={path: ["deleted"]},
            )
