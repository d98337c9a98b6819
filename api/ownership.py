"""The one tenant check: a row a tenant may see is a row it owns. Another
tenant's row is a 404, never a 403, so ids reveal nothing."""

from __future__ import annotations

from typing import TypeVar

from flask import g
from sqlalchemy.orm import Session

from domain.errors import not_found
from domain.models import ApiKey, Asset, Batch, BrandKit, Job, Template, WebhookEndpoint

#: what a 404 calls each kind of row (its problem code is ``<name>_not_found``)
NAMES: dict[type, str] = {
    Job: "job",
    Asset: "asset",
    Batch: "batch",
    WebhookEndpoint: "webhook",
    ApiKey: "key",
    BrandKit: "brand_kit",
    Template: "template",
}

M = TypeVar("M")


def owned(session: Session, model: type[M], row_id: str, tenant_id: str | None = None) -> M:
    """The row with this id if the tenant (the caller's, unless given) owns it; a 404 otherwise."""
    tenant_id = tenant_id if tenant_id is not None else g.tenant_id
    row = session.get(model, row_id) if _plausible_id(row_id) else None
    if row is None or getattr(row, "tenant_id", None) != tenant_id:
        raise not_found(NAMES[model])
    return row


def _plausible_id(row_id: str) -> bool:
    # PostgreSQL refuses NUL in text and ids are short: such an id names nothing
    return isinstance(row_id, str) and 0 < len(row_id) <= 64 and "\x00" not in row_id
