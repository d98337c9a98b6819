"""`talkfarm keys create|list|revoke`. `create` writes to the database as the
farm's administrator (there may be no key yet); `list` and `revoke` go
through the API with the caller's key and see what it may see."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click

from cli.console import emit_json, emit_table, json_option, load_settings, post_command, with_client


@click.group()
def keys() -> None:
    """API keys."""


#: ``--expires``: a lifetime (``90d``, ``12h``, ``30m``) or a moment (``2027-03-01``, ``2027-03-01T18:00:00+01:00``)
_LIFETIME = re.compile(r"^(\d{1,5})([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class Expiry(click.ParamType):
    """When a key stops working: a lifetime from now or an ISO 8601 date or time (UTC when it names no zone);
    never in the past."""

    name = "lifetime|date"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        now = datetime.now(UTC)
        text = str(value).strip()
        lifetime = _LIFETIME.match(text)
        if lifetime:
            when = now + timedelta(**{_UNITS[lifetime.group(2)]: int(lifetime.group(1))})
        else:
            try:
                when = datetime.fromisoformat(text)
            except ValueError:
                self.fail(f"{value!r} is neither a lifetime such as 90d, 12h or 30m nor an ISO date such as 2027-03-01")
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
        if when <= now:
            self.fail(f"{value!r} is already past")
        return when


@keys.command("create")
@click.option("--tenant", required=True, help="Tenant name; created if new.")
@click.option("--operator", is_flag=True, help="Operator scope: also pools, workers, every tenant's usage and keys.")
@click.option(
    "--expires",
    type=Expiry(),
    default=None,
    help="When the key stops working: a lifetime (90d, 12h, 30m) or an ISO date or time (UTC unless it says). "
    "Default: never.",
)
@json_option
def keys_create(tenant: str, operator: bool, expires: datetime | None, as_json: bool) -> None:
    """Print a new API key for TENANT (shown once). Works on the database directly, as the farm's admin. With
    --json: the key's document as POST /v1/keys answers it, the key itself under `key`."""
    import sqlalchemy as sa

    from domain.db import session_factory
    from domain.documents import key_document
    from domain.models import ApiKey
    from domain.tenants import create_key, get_or_create_tenant, hash_key

    settings = load_settings()
    with session_factory(settings)() as session, session.begin():
        owner = get_or_create_tenant(session, tenant)
        key = create_key(session, owner, "operator" if operator else "tenant", expires_at=expires)
        made = session.scalars(sa.select(ApiKey).where(ApiKey.key_hash == hash_key(key))).one()
        document = {**key_document(made, owner.name), "key": key}
    if as_json:
        emit_json(document)
        return
    click.echo(key)


@keys.command("list")
@click.option("--tenant", default=None, help="Operator keys only: one tenant's keys.")
@click.option("--active", is_flag=True, help="Leave revoked keys out.")
@json_option
@with_client
def keys_list(client, tenant, active, as_json):
    """Keys of this key's tenant; every tenant's for an operator key."""
    page = client.get("/v1/keys", tenant=tenant, include_revoked="false" if active else None)
    if as_json:
        emit_json(page)
        return
    emit_table(
        page["items"],
        [
            ("id", "id"),
            ("prefix", "prefix"),
            ("tenant", "tenant"),
            ("scope", "scope"),
            ("created", "created_at"),
            ("revoked", "revoked_at"),
        ],
        empty="no keys",
    )


post_command(
    keys,
    "revoke",
    "key_id",
    "/v1/keys/{key_id}/revoke",
    "Revoke KEY_ID (see `keys list`), and every key it minted: requests with them are refused from now on.",
    lambda key_id, key: f"revoked {key['id']} ({key['prefix']}…, tenant {key['tenant']})",
)
