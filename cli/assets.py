"""`talkfarm assets list|upload|delete`: the tenant's uploaded files, through the API."""

from __future__ import annotations

from pathlib import Path

import click

from api.asset_schemas import ASSET_KINDS
from cli.console import emit_json, emit_table, json_option, with_client
from domain.asset_words import measure_words, size_words
from domain.composition_rules import ASSET_PURPOSES


@click.group()
def assets() -> None:
    """Portraits, narration, backgrounds, logos, music and fonts of this key's tenant."""


@assets.command("list")
@click.option("--purpose", type=click.Choice(ASSET_PURPOSES), default=None, help="Only assets for this purpose.")
@click.option("--kind", type=click.Choice(ASSET_KINDS), default=None, help="Only assets of this kind.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--cursor", default=None, help="next_cursor of the previous page.")
@json_option
@with_client
def assets_list(client, purpose, kind, limit, cursor, as_json):
    """List assets, newest first, and what they take of the tenant's room."""
    page = client.get("/v1/assets", purpose=purpose, kind=kind, limit=limit, cursor=cursor)
    if as_json:
        emit_json(page)
        return
    rows = [{**a, "size": size_words(a["bytes"]), "what": measure_words(a) or None} for a in page["items"]]
    emit_table(
        rows,
        [
            ("id", "id"),
            ("name", "name"),
            ("purpose", "purpose"),
            ("kind", "kind"),
            ("size", "size"),
            ("what", "what"),
            ("created", "created_at"),
        ],
        empty="no assets",
    )
    quota = page["quota"]
    click.echo(
        f"{quota['assets_used']:,} of {quota['assets_limit']:,} assets, "
        f"{size_words(quota['bytes_used'])} of {size_words(quota['bytes_limit'])} stored"
    )
    if page.get("next_cursor"):
        click.echo(f"more: talkfarm assets list --cursor {page['next_cursor']}")


@assets.command("upload")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--purpose", type=click.Choice(ASSET_PURPOSES), default=None, help="What jobs may use it for.")
@json_option
@with_client
def assets_upload(client, path, purpose, as_json):
    """Upload a file; prints its id (the same bytes for the same purpose answer with the asset already stored)."""
    asset = client.upload_asset(path, purpose)
    if as_json:
        emit_json(asset)
        return
    again = ", already stored" if asset.get("reused") else ""
    click.echo(f"{asset['id']} ({asset['purpose']}, {size_words(asset['bytes'])}{again})")


@assets.command("delete")
@click.argument("asset_id")
@with_client
def assets_delete(client, asset_id):
    """Delete an asset and its stored file (refused while a job in flight, a brand kit or a template names it)."""
    client.delete(f"/v1/assets/{asset_id}")
    click.echo(f"deleted {asset_id}")
