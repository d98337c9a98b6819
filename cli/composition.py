"""`talkfarm submit`'s composition flags: ``--canvas 1920x1080``, ``--background``,
``--lower-third``, ``--captions``, ``--music``, ``--rendition 1080x1920`` and
``--body FILE.json`` for everything else (scenes, overlays, a rendition's own
presenter or captions, output_format, ...). The flags
shape the request; the API checks it and names what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

#: a file is uploaded with this purpose and replaced by its asset id: (path, purpose) -> asset document
Uploader = Callable[[Path, str], dict[str, Any]]
#: an asset's document by its id (GET /v1/assets/{id})
AssetLookup = Callable[[str], dict[str, Any]]

_CANVAS = re.compile(r"(\d{1,5})[xX×](\d{1,5})")
_COLOUR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
#: --background words that are types of their own
_BACKGROUND_TYPES = ("portrait", "transparent")


def parse_canvas(text: str, hint: str = "--canvas") -> dict[str, int]:
    match = _CANVAS.fullmatch(text.strip())
    if not match:
        raise click.BadParameter(f"{text!r}: give WIDTHxHEIGHT, e.g. 1920x1080 or 1080x1920", param_hint=hint)
    return {"width": int(match.group(1)), "height": int(match.group(2))}


def parse_colour(text: str, hint: str) -> str:
    """``#1f2937``, ``1f2937`` or ``#fff``, as the API takes it."""
    match = _COLOUR.fullmatch(text.strip())
    if not match:
        raise click.BadParameter(f"{text!r}: give a colour as #rrggbb or #rgb", param_hint=hint)
    return "#" + match.group(1)


def read_body(path: Path | None) -> dict[str, Any]:
    """The JSON object of ``--body``: any of POST /v1/jobs's fields."""
    if path is None:
        return {}
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--body") from None
    if not isinstance(body, dict):
        raise click.BadParameter(f"{path}: must hold a JSON object (a job's fields)", param_hint="--body")
    return body


def background(choice: str, upload: Uploader, lookup: AssetLookup) -> dict[str, Any]:
    """``portrait``, ``transparent``, a colour (``#1f2937``, ``1f2937``), an image or video file (uploaded as a
    background), or the id of a background asset uploaded before."""
    if choice in _BACKGROUND_TYPES:
        return {"type": choice}
    path = Path(choice)
    if path.is_file():
        asset = upload(path, "background")
    elif choice.startswith("ast_"):
        asset = lookup(choice)  # an image or a video: the background's type says which
    else:
        asset = None
    if asset is not None:
        return {"type": "video" if asset["kind"] == "video" else "image", "asset_id": asset["id"]}
    colour = _COLOUR.fullmatch(choice)
    if colour:
        return {"type": "color", "color": "#" + colour.group(1)}
    raise click.BadParameter(
        f"{choice!r} is not portrait, transparent, a colour (#1f2937) or a file", param_hint="--background"
    )


def asset_or_file(value: str, purpose: str, upload: Uploader) -> str:
    path = Path(value)
    return str(upload(path, purpose)["id"]) if path.is_file() else value


def compose(
    body: dict[str, Any],
    *,
    canvas: str | None,
    background_choice: str | None,
    lower_third: str | None,
    captions: str | None,
    music: str | None,
    upload: Uploader,
    lookup: AssetLookup,
    renditions: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The request with the flags applied over ``--body``'s fields. The flags dress the single form's one scene;
    a body with ``scenes`` dresses its scenes itself."""
    flags = {"--background": background_choice, "--lower-third": lower_third}
    if body.get("scenes") is not None and any(flags.values()):
        given = next(name for name, value in flags.items() if value)
        raise click.UsageError(f"{given} dresses a single script; with scenes in --body, give each scene its own")
    composed = dict(body)
    if canvas is not None:
        composed["canvas"] = parse_canvas(canvas)
    if background_choice is not None:
        composed["background"] = background(background_choice, upload, lookup)
        if composed["background"]["type"] == "transparent":
            composed.setdefault("output_format", "webm")  # the only way a transparent background is delivered
    if lower_third is not None:
        overlay = {"type": "text", "text": lower_third, "role": "lower_third"}
        composed["overlays"] = [*(composed.get("overlays") or []), overlay]
    if captions is not None:
        composed["captions"] = {**(composed.get("captions") or {}), "burn_in": True, "style": captions}
    if music is not None:
        composed["music"] = {**(composed.get("music") or {}), "asset_id": asset_or_file(music, "music", upload)}
    if renditions:
        # each cut gets only its canvas: the farm lays the presenter out again for its shape
        extra = [{"canvas": parse_canvas(size, "--rendition")} for size in renditions]
        composed["renditions"] = [*(composed.get("renditions") or []), *extra]
    uses_canvas = [
        name
        for name, value in (*flags.items(), ("--captions", captions), ("--music", music), ("--rendition", renditions))
        if value
    ]
    if uses_canvas and "canvas" not in composed:
        raise click.UsageError(f"{uses_canvas[0]} composes a video: give --canvas too (e.g. 1920x1080)")
    return composed
