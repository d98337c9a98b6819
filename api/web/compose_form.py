"""The composer's form: the compositions fields as a person sets
them (an aspect ratio, where the presenter stands, a background, a lower
third, a title, a logo in a corner, a caption style, music, other shapes to deliver as well), turned into the
compositions contract of
POST /v1/jobs, and a still preview of the frame (POST /v1/previews) that
follows the fields as they change.

The form's names are flat (``character.scale``, ``background.type``…): a
person types numbers and picks choices; this module builds the JSON. Anything
it cannot read (a number that is not one) is passed on as typed, so the API
refuses it with its own code and the page says so next to the field.
"""

from __future__ import annotations

import re
from typing import Any

from domain.composition_rules import IMAGE_ANCHOR_DEFAULT, IMAGE_SCALE_DEFAULT

#: the aspect ratios offered, as canvases (the farm's 1080p cuts)
ASPECTS = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}
CAPTION_STYLES = ("none", "subtitle", "word")
BACKGROUND_TYPES = ("portrait", "color", "image", "transparent")
#: where a new composition puts the presenter: to the right on a landscape canvas (the lower third keeps the left),
#: centred across otherwise; on 9:16 where the API puts it by default (the face in the upper half, above the lower
#: third and the captions: ``domain.composition_rules.PORTRAIT_OFFSET_Y_DEFAULT``)
DEFAULT_PLACE = {"16:9": ("0.5", "0.2", "0.8"), "9:16": ("0", "-0.2", "0.45"), "1:1": ("0", "0.15", "0.8")}
#: the corners a logo may take, in the words the composer offers them (the API's default first)
LOGO_CORNERS = {
    "top_right": "Top right",
    "top_left": "Top left",
    "bottom_right": "Bottom right",
    "bottom_left": "Bottom left",
}
assert next(iter(LOGO_CORNERS)) == IMAGE_ANCHOR_DEFAULT
#: the logo's sizes the composer offers (the API's ``scale``: a share of what text sizes are shares of, the
#: canvas's height on 16:9 and 1:1, a quarter more than its width on 9:16, so no single share of the picture's
#: height names them), the API's default first
LOGO_SIZES = {"0.15": "Large (the farm's default)", "0.1": "Medium", "0.06": "Small"}
assert float(next(iter(LOGO_SIZES))) == IMAGE_SCALE_DEFAULT
#: the composer's fields each of the API's composition codes concerns (an overlay's code names the overlay: the
#: field is then the one that made it, see ``overlay_field``)
FIELD_OF_CODE = {
    "canvas_invalid": "aspect",
    "character_invalid": "character",
    "background_invalid": "background",
    "transparent_needs_webm": "background",
    "overlay_invalid": "lower_third",
    "overlay_timing": "lower_third",
    "font_unknown": "lower_third",
    "text_undrawable": "lower_third",
    "captions_invalid": "captions",
    "music_invalid": "music",
    "renditions_invalid": "also",
}


def _number(form: dict[str, Any], name: str, default: str) -> Any:
    raw = (form.get(name) or "").strip() or default
    try:
        return float(raw)
    except ValueError:
        return raw  # the API refuses it, naming the field


def composition_fields(form: dict[str, Any]) -> dict[str, Any]:
    """The compositions part of a job body for the composer's fields; {} for the square face video."""
    aspect = form.get("aspect") or ""
    if aspect not in ASPECTS:
        return {}
    width, height = ASPECTS[aspect]
    x, y, scale = DEFAULT_PLACE[aspect]
    body: dict[str, Any] = {
        "canvas": {"width": width, "height": height},
        "character": {
            "style": form.get("character.style") or "normal",
            "scale": _number(form, "character.scale", scale),
            "offset": {"x": _number(form, "character.x", x), "y": _number(form, "character.y", y)},
        },
    }
    kind = form.get("background.type") or "portrait"
    background: dict[str, Any] = {"type": kind}
    if kind == "color":
        background["color"] = form.get("background.color") or "#1f2937"
    elif kind == "image":
        background["asset_id"] = form.get("background.asset_id") or None
    elif kind == "transparent":
        body["output_format"] = "webm"  # the format that carries the alpha channel and plays in a browser
    body["background"] = background
    overlays = [overlay for _, overlay in _overlays(form)]
    if overlays:
        body["overlays"] = overlays
    style = form.get("captions.style") or "none"
    body["captions"] = {"burn_in": False} if style == "none" else {"burn_in": True, "style": style}
    if form.get("music.asset_id"):
        body["music"] = {"asset_id": form["music.asset_id"]}
    # "also deliver": a rendition per other shape ticked, given its canvas alone (the farm lays the presenter
    # out again for its shape); the main shape's own box, if ticked too, adds nothing
    also = [ASPECTS[name] for name in ASPECTS if name != aspect and form.get(f"also.{name}")]
    if also:
        body["renditions"] = [{"canvas": {"width": w, "height": h}} for w, h in also]
    return body


def _overlays(form: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The scene's overlays in the order sent, each with the field that made it: the lower third first (a template's
    ``headline``), then the title, then the logo. A logo of the producer's own keeps the brand kit's out (the API
    adds the kit's only to a scene with no image overlay)."""
    made: list[tuple[str, dict[str, Any]]] = []
    for field, role in (("lower_third", "lower_third"), ("title_overlay", "title")):
        words = (form.get(field) or "").strip()
        if words:
            made.append((field, {"type": "text", "role": role, "text": words}))
    if form.get("logo.asset_id"):
        anchor = form.get("logo.anchor") or IMAGE_ANCHOR_DEFAULT
        logo = {"type": "image", "asset_id": form["logo.asset_id"], "anchor": anchor}
        size = form.get("logo.scale") or ""
        if size in LOGO_SIZES and float(size) != IMAGE_SCALE_DEFAULT:
            logo["scale"] = float(size)
        made.append(("logo", logo))
    return made


_OVERLAY_PATH = re.compile(r"overlays\[(\d+)\]")


def overlay_field(form: dict[str, Any], where: str) -> str | None:
    """The composer's field whose overlay a refusal's path (``overlays[1].text``, in ``errors`` or at the head of
    the detail) names; None when it names none of the composer's."""
    found = _OVERLAY_PATH.search(where)
    made = _overlays(form)
    if found is None or int(found.group(1)) >= len(made):
        return None
    return made[int(found.group(1))][0]


def preview_at(form: dict[str, Any]) -> float:
    try:
        return max(0.0, float(form.get("preview_at") or 0))
    except ValueError:
        return 0.0
