"""`talkfarm brand set|show|list`: the tenant's brand kits, through the API.

``set`` changes only what its flags name: it reads the kit (the default one
unless ``--kit NAME``), lays the flags over it and writes it back (PUT), or
makes the kit (POST) when no kit has that name. Files (logo, fonts, intro,
outro, music) are uploaded with their purpose and replaced by their asset ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.client import FarmClient
from cli.composition import parse_colour
from cli.console import emit_json, emit_table, json_option, with_client
from domain.brand_kits import KIT_KEYS as KIT_FIELDS  # the document's fields that a PUT takes back
from domain.brand_kits import brand_kit_name_key

ANCHORS = ("top_left", "top_right", "bottom_left", "bottom_right", "center")


@click.group()
def brand() -> None:
    """Brand kits: the logo, colours, fonts, styles, intro, outro, music and watermark every job follows."""


def _kits(client: FarmClient) -> list[dict[str, Any]]:
    return client.get("/v1/brand-kits", limit=200)["items"]


def _find(client: FarmClient, name: str | None) -> dict[str, Any] | None:
    for kit in _kits(client):
        if (name is None and kit["default"]) or (
            name is not None and brand_kit_name_key(kit["name"]) == brand_kit_name_key(name)
        ):
            return kit
    return None


def _upload(client: FarmClient, value: str | None, purpose: str) -> str | None:
    """A file is uploaded with ``purpose``; anything else is taken as an asset id already uploaded."""
    if value is None:
        return None
    path = Path(value)
    return str(client.upload_asset(path, purpose)["id"]) if path.is_file() else value


def _font(client: FarmClient, value: str | None) -> str | None:
    """A font: a name from the catalogue, an asset id, or a TTF/OTF file (uploaded with purpose font)."""
    return _upload(client, value, "font")


def _transition(value: str) -> dict[str, Any]:
    kind, _, seconds = value.partition(":")
    try:
        return {"type": kind, **({"duration": float(seconds)} if seconds else {})}
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: give cut, crossfade or crossfade:SECONDS", param_hint="--transition"
        ) from None


def _set(kit: dict[str, Any], part: str, key: str, value: Any) -> None:
    if value is not None:
        kit[part] = {**(kit.get(part) or {}), key: value}


@brand.command("set")
@click.option("--kit", "name", default=None, help="The kit's name (made if new). Default: the tenant's default kit.")
@click.option("--default", "make_default", is_flag=True, help="Make this kit the tenant's default.")
@click.option("--logo", default=None, help="A PNG (alpha kept) or the id of a logo asset.")
@click.option("--logo-anchor", type=click.Choice(ANCHORS), default=None)
@click.option("--logo-scale", type=click.FloatRange(0.01, 1.0), default=None)
@click.option("--primary", default=None, help="Lower thirds' bar, e.g. '#c8102e'.")
@click.option("--secondary", default=None, help="The spoken word of word captions.")
@click.option("--text", "text_colour", default=None, help="Letters of titles, lower thirds and captions.")
@click.option("--background", default=None, help="Scene background when a job gives none.")
@click.option("--title-font", default=None, help="A catalogue font name, or a TTF/OTF file.")
@click.option("--body-font", default=None, help="A catalogue font name, or a TTF/OTF file.")
@click.option(
    "--captions", type=click.Choice(["subtitle", "word"]), default=None, help="Burn in captions of this style."
)
@click.option("--intro", default=None, help="A video file (or background asset id) played before each video.")
@click.option("--outro", default=None, help="A video file (or background asset id) played after each video.")
@click.option("--transition", default=None, help="How intro and outro join: cut, crossfade or crossfade:SECONDS.")
@click.option("--music", default=None, help="An audio file (or music asset id) under videos that give none.")
@click.option("--music-volume", type=click.FloatRange(0.0, 1.0), default=None)
@click.option("--watermark-text", default=None)
@click.option(
    "--watermark-position", type=click.Choice(["top-left", "top-right", "bottom-left", "bottom-right"]), default=None
)
@json_option
@with_client
def brand_set(
    client,
    name,
    make_default,
    logo,
    logo_anchor,
    logo_scale,
    primary,
    secondary,
    text_colour,
    background,
    title_font,
    body_font,
    captions,
    intro,
    outro,
    transition,
    music,
    music_volume,
    watermark_text,
    watermark_position,
    as_json,
):
    """Change a kit's parts (only those given), or make a kit."""
    found = _find(client, name)
    kit: dict[str, Any] = {key: found[key] for key in KIT_FIELDS if key in found} if found else {"name": name}
    if make_default:
        kit["default"] = True
    kit["logo_asset_id"] = _upload(client, logo, "logo") or kit.get("logo_asset_id")
    _set(kit, "logo", "anchor", logo_anchor)
    _set(kit, "logo", "scale", logo_scale)
    for key, value in (
        ("primary", primary),
        ("secondary", secondary),
        ("text", text_colour),
        ("background", background),
    ):
        _set(kit, "colors", key, None if value is None else parse_colour(value, f"--{key}"))
    _set(kit, "fonts", "title", _font(client, title_font))
    _set(kit, "fonts", "body", _font(client, body_font))
    if captions is not None:
        kit["captions"] = {**(kit.get("captions") or {}), "burn_in": True, "style": captions}
    kit["intro_asset_id"] = _upload(client, intro, "background") or kit.get("intro_asset_id")
    kit["outro_asset_id"] = _upload(client, outro, "background") or kit.get("outro_asset_id")
    if transition is not None:
        kit["transition"] = _transition(transition)
    music_id = _upload(client, music, "music")
    if music_id is not None:
        kit["music"] = {**(kit.get("music") or {}), "asset_id": music_id}
    if music_volume is not None:
        if not kit.get("music"):
            raise click.UsageError("--music-volume needs --music (this kit has no music)")
        kit["music"]["volume"] = music_volume
    _set(kit, "watermark", "text", watermark_text)
    _set(kit, "watermark", "position", watermark_position)
    saved = client.put(f"/v1/brand-kits/{found['id']}", kit) if found else client.post("/v1/brand-kits", kit)
    if as_json:
        emit_json(saved)
    else:
        click.echo(
            f"{saved['name']} ({saved['id']}) is at version {saved['version']}"
            + (", the default kit" if saved["default"] else "")
        )


@brand.command("show")
@click.option("--kit", "name", default=None, help="The kit's name. Default: the tenant's default kit.")
@json_option
@with_client
def brand_show(client, name, as_json):
    """A kit's parts."""
    kit = _find(client, name)
    if kit is None:
        raise click.ClickException(f"brand_kit_not_found: no kit named {name!r}")
    if as_json:
        emit_json(kit)
        return
    rows = [{"part": part, "value": _describe(kit.get(part))} for part in KIT_FIELDS if part not in ("name",)]
    click.echo(f"{kit['name']} ({kit['id']}), version {kit['version']}")
    emit_table(rows, [("part", "part"), ("value", "value")])


def _describe(value: Any) -> Any:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v is not None) or None
    return value


@brand.command("list")
@json_option
@with_client
def brand_list(client, as_json):
    """The tenant's kits, the default first."""
    page = client.get("/v1/brand-kits", limit=200)
    if as_json:
        emit_json(page)
        return
    rows = [
        {
            **kit,
            "primary": (kit.get("colors") or {}).get("primary"),
            "is_default": "yes" if kit["default"] else None,
            "intro": kit.get("intro_asset_id"),
        }
        for kit in page["items"]
    ]
    emit_table(
        rows,
        [
            ("id", "id"),
            ("name", "name"),
            ("default", "is_default"),
            ("version", "version"),
            ("primary", "primary"),
            ("logo", "logo_asset_id"),
            ("intro", "intro"),
        ],
        empty="no kits",
    )
