"""A tenant's brand kit: its look, checked and normalised, and laid under a job.

Pure: no database, no media. ``normalise_kit`` takes a kit body (POST/PUT
/v1/brand-kits) and returns its stored shape (every key present, colours as
lowercase ``#rrggbb``) or raises a 422 ``brand_kit_invalid`` naming the field.
``apply_kit`` lays a kit under a composed job's RAW body: the kit fills only
what the caller left out, so a job's own field always wins; the result is then
normalised as any job body is, so the kit's values pass the same checks and
derived defaults (a cut-out presenter on a colour background) follow them.

Where the kit's parts go (where the issue is silent, the choice is written here):

- ``colors.primary``: a lower third's bar; ``colors.text``: the letters of text
  overlays and captions; ``colors.secondary``: the spoken word of word captions;
  ``colors.background``: a scene's background when the scene gives none.
- ``fonts.title``: title overlays; ``fonts.body``: lower thirds, labels, captions.
- ``lower_third`` and ``captions``: style fields, above the colours and fonts.
- ``logo``: an image overlay on every scene that has no image overlay of its own.
- ``music``: the job's music when it gives none; ``intro``/``outro`` with the
  kit's ``transition`` go to ``spec["composition"]["intro"|"outro"]``.
- ``watermark``: the base of every job's visible watermark (square jobs too).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from domain import composition_rules as R
from domain.composition import normalise_captions, normalise_music, normalise_transition
from domain.composition_checks import boolean, choice, colour, integer, number, obj, refuse, text
from domain.errors import ProblemError

T = TypeVar("T")
CODE = "brand_kit_invalid"
#: a kit's name: shown in lists and the CLI
NAME_MAX_CHARS = 100
KIT_KEYS = (
    "name",
    "default",
    "logo_asset_id",
    "logo",
    "colors",
    "fonts",
    "lower_third",
    "captions",
    "intro_asset_id",
    "outro_asset_id",
    "transition",
    "music",
    "watermark",
)
COLOR_KEYS = ("primary", "secondary", "text", "background")
FONT_KEYS = ("title", "body")
LOWER_THIRD_KEYS = ("font", "size", "color", "background_color", "position")
WATERMARK_POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right")
WATERMARK_KEYS = ("text", "position", "opacity", "size", "logo_asset_id", "enabled")
#: the default kit's name, when it is made from the tenant's watermark settings
DEFAULT_KIT_NAME = "default"
#: an intro or outro is joined with a crossfade of this length unless the kit names its transition
KIT_TRANSITION_DEFAULT = {"type": "crossfade", "duration": R.CROSSFADE_DEFAULT_S}


def is_asset_id(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith("ast_")


def kit_font(raw: Any, path: str) -> str | None:
    """A font the farm ships (by name) or an uploaded font asset (by id; its purpose is checked with the database)."""
    name = text(raw, path, CODE, 64)
    if name is not None and not is_asset_id(name) and name not in R.FONT_NAMES:
        refuse(
            "font_unknown",
            path,
            f"No font named {name!r}; the farm ships {', '.join(R.FONT_NAMES)}, "
            "or upload a TTF/OTF with purpose=font and give its asset id.",
        )
    return name


def normalise_kit(body: Mapping[str, Any]) -> dict[str, Any]:
    """The stored shape of a kit body; ``name`` and ``default`` are the row's, the rest its settings."""
    given = obj(body, "body", CODE, KIT_KEYS, required=("name",))
    name = text(given["name"], "name", CODE, NAME_MAX_CHARS)
    if not (name or "").strip():
        refuse(CODE, "name", "A kit needs a name.")
    colors = obj(given.get("colors", {}), "colors", CODE, COLOR_KEYS)
    fonts = obj(given.get("fonts", {}), "fonts", CODE, FONT_KEYS)
    logo = obj(given.get("logo", {}), "logo", CODE, ("anchor", "scale"))
    lower = obj(given.get("lower_third", {}), "lower_third", CODE, LOWER_THIRD_KEYS)
    captions = given.get("captions")
    transition = given.get("transition")
    return {
        "name": name.strip() if name else name,
        "default": boolean(given.get("default", False), "default", CODE),
        "logo_asset_id": text(given.get("logo_asset_id"), "logo_asset_id", CODE, 64),
        "logo": {
            "anchor": choice(logo.get("anchor", R.IMAGE_ANCHOR_DEFAULT), "logo.anchor", CODE, R.IMAGE_ANCHORS),
            "scale": number(
                logo.get("scale", R.IMAGE_SCALE_DEFAULT), "logo.scale", CODE, R.IMAGE_SCALE_MIN, R.IMAGE_SCALE_MAX
            ),
        },
        "colors": {key: colour(colors.get(key), f"colors.{key}", CODE) for key in COLOR_KEYS},
        "fonts": {key: kit_font(fonts.get(key), f"fonts.{key}") for key in FONT_KEYS},
        "lower_third": {
            "font": kit_font(lower.get("font"), "lower_third.font"),
            "size": integer(lower.get("size"), "lower_third.size", CODE, R.TEXT_SIZE_MIN, R.TEXT_SIZE_MAX),
            "color": colour(lower.get("color"), "lower_third.color", CODE),
            "background_color": colour(lower.get("background_color"), "lower_third.background_color", CODE),
            "position": choice(lower.get("position"), "lower_third.position", CODE, R.TEXT_POSITIONS),
        },
        # only what the kit gives: a job's captions fill the rest from their own defaults
        "captions": None if captions is None else _kit_captions(captions),
        "intro_asset_id": text(given.get("intro_asset_id"), "intro_asset_id", CODE, 64),
        "outro_asset_id": text(given.get("outro_asset_id"), "outro_asset_id", CODE, 64),
        "transition": _recode(
            lambda: normalise_transition(KIT_TRANSITION_DEFAULT if transition is None else transition, "transition")
        ),
        "music": _recode(lambda: normalise_music(given.get("music"))),
        "watermark": normalise_watermark(given.get("watermark")),
    }


def _kit_captions(raw: Any) -> dict[str, Any]:
    """The caption fields the kit sets (the others stay the job's or their defaults); its font may be an upload."""
    given = obj(raw, "captions", CODE, None)
    font_value = kit_font(given.get("font"), "captions.font")
    checked = normalise_captions({k: v for k, v in given.items() if k != "font"}, "captions", CODE)
    chosen = {key: checked[key] for key in given if key != "font" and key in checked}
    return {**chosen, "font": font_value} if font_value else chosen


def _recode(check: Callable[[], T]) -> T:
    """A composition check's refusal, under the kit's code (the field's path is kept)."""
    try:
        return check()
    except ProblemError as refused:
        refused.code = CODE
        refused.title = CODE.replace("_", " ").capitalize()
        raise


def normalise_watermark(raw: Any) -> dict[str, Any]:
    """The visible watermark's settings as a tenant had them: only the fields given."""
    given = obj(raw if raw is not None else {}, "watermark", CODE, WATERMARK_KEYS)
    words = text(given.get("text"), "watermark.text", CODE, 80)
    if words is not None and not words.strip():
        refuse(CODE, "watermark.text", "The watermark text may not be blank.")
    checked = {
        "text": words,
        "position": choice(given.get("position"), "watermark.position", CODE, WATERMARK_POSITIONS),
        "opacity": number(given.get("opacity"), "watermark.opacity", CODE, 0.05, 1.0),
        "size": number(given.get("size"), "watermark.size", CODE, 0.02, 0.2),
        "logo_asset_id": text(given.get("logo_asset_id"), "watermark.logo_asset_id", CODE, 64),
        "enabled": None if given.get("enabled") is None else boolean(given["enabled"], "watermark.enabled", CODE),
    }
    return {key: value for key, value in checked.items() if value is not None}


#: a visible mark a tenant may not turn off must stay one a viewer can read: at least this opacity and height (a
#: share of the frame's short side), and a text (if any: a logo alone is a mark) with a letter or a digit. Before,
#: ".", opacity 0.05 and size 0.02 were taken: a mark no one could see, from a tenant refused `enabled: false`
READABLE_OPACITY, READABLE_SIZE = 0.25, 0.025


def _unreadable(watermark: Mapping[str, Any]) -> dict[str, str]:
    """The settings that would make the mark unreadable, each with why."""
    problems = {}
    opacity, size, words = watermark.get("opacity"), watermark.get("size"), watermark.get("text")
    if opacity is not None and float(opacity) < READABLE_OPACITY:
        problems["opacity"] = f"must be at least {READABLE_OPACITY} (got {opacity})"
    if size is not None and float(size) < READABLE_SIZE:
        problems["size"] = f"must be at least {READABLE_SIZE} (got {size})"
    if words and not any(ch.isalnum() for ch in str(words)):
        problems["text"] = f"must have a letter or a digit (got {str(words)!r})"
    return problems


def check_readable(
    asked: Mapping[str, Any], may_disable: bool, where: str = "watermark", before: Mapping[str, Any] | None = None
) -> None:
    """Refuse, 403 ``watermark_required``, what a request sets now (``asked``; a kit's fields that differ from
    ``before``, its stored ones) that would make the visible mark as good as off, for a tenant that may not turn it
    off. What a job inherits (a kit stored before, the operator's settings) is not refused: ``readable`` draws it
    at the floors."""
    if may_disable or asked.get("enabled") is False:
        return
    changed = {k: v for k, v in asked.items() if before is None or before.get(k) != v}
    problems = _unreadable(changed)
    if problems:
        raise ProblemError(
            "watermark_required",
            "This tenant may not turn the visible watermark off, so it must stay readable: "
            + "; ".join(f"{where}.{field} {why}" for field, why in problems.items())
            + ". Ask the operator to allow turning it off.",
            403,
        )


def readable(watermark: dict[str, Any], may_disable: bool) -> dict[str, Any]:
    """The mark's settings as drawn for a tenant that may not turn it off: a faint or tiny one it inherits (a kit
    stored before the floors, the operator's own `tenants set`) raised to the floors, and a text with no letter
    or digit left to the farm's default. A tenant that may turn it off gets its settings as they are."""
    if may_disable or watermark.get("enabled") is False:
        return watermark
    problems = _unreadable(watermark)
    drawn = dict(watermark)
    if "opacity" in problems:
        drawn["opacity"] = READABLE_OPACITY
    if "size" in problems:
        drawn["size"] = READABLE_SIZE
    if "text" in problems:
        drawn.pop("text")
    return drawn


def mark_fields(watermark: Mapping[str, Any], settings: Any) -> dict[str, Any]:
    """The visible mark a job's ``watermark`` settings draw (``media.watermark.VisibleWatermark``'s text, position,
    size and opacity), the operator's defaults filling what they leave out; the logo is the caller's to read."""
    opacity = watermark.get("opacity")
    return {
        "text": watermark.get("text") or settings.watermark_text,
        "position": watermark.get("position") or settings.watermark_position,
        "size": watermark.get("size") or 0.05,
        "opacity": float(settings.watermark_opacity if opacity is None else opacity),
    }


def kit_from_watermark(watermark: Mapping[str, Any] | None) -> dict[str, Any]:
    """A tenant's first default kit: its visible watermark settings, nothing else, so jobs look as before."""
    return normalise_kit(
        {
            "name": DEFAULT_KIT_NAME,
            "default": True,
            "watermark": {k: v for k, v in (watermark or {}).items() if k in WATERMARK_KEYS},
        }
    )


def kit_assets(kit: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, asset id, use) for every asset a kit names; the API checks each against its purpose."""
    named = [
        ("logo_asset_id", kit["logo_asset_id"], "overlay_image"),
        ("intro_asset_id", kit["intro_asset_id"], "background_video"),
        ("outro_asset_id", kit["outro_asset_id"], "background_video"),
        ("watermark.logo_asset_id", kit["watermark"].get("logo_asset_id"), "watermark_logo"),
    ]
    if kit["music"] is not None:
        named.append(("music.asset_id", kit["music"]["asset_id"], "music"))
    for path, value in (
        *((f"fonts.{k}", v) for k, v in kit["fonts"].items()),
        ("lower_third.font", kit["lower_third"]["font"]),
        ("captions.font", (kit["captions"] or {}).get("font")),
    ):
        if is_asset_id(value):
            named.append((path, value, "font"))
    return [(field, value, use) for field, value, use in named if value is not None]


# --- laying a kit under a job ----------------------------------------------------------------------
def apply_kit(kit: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """A composed job's raw body with the kit's values where the caller left a field out (absent or null).
    The body is not changed; the caller normalises the result."""
    merged = copy.deepcopy(dict(body))
    if merged.get("scenes") is not None:
        merged["scenes"] = [_scene(kit, scene) if isinstance(scene, dict) else scene for scene in merged["scenes"]]
    else:
        dressed = _scene(kit, {key: merged.get(key) for key in ("background", "overlays")})
        merged.update({key: value for key, value in dressed.items() if value is not None})
    captions = _fill(merged.get("captions"), _caption_style(kit))
    if captions:
        merged["captions"] = captions
    if merged.get("music") is None and kit["music"] is not None:
        merged["music"] = dict(kit["music"])
    return merged


def _scene(kit: Mapping[str, Any], scene: dict[str, Any]) -> dict[str, Any]:
    scene = dict(scene)
    if scene.get("background") is None and kit["colors"]["background"]:
        scene["background"] = {"type": "color", "color": kit["colors"]["background"]}
    overlays = scene.get("overlays")
    if isinstance(overlays, list):
        scene["overlays"] = [_overlay(kit, item) if isinstance(item, dict) else item for item in overlays]
    has_image = isinstance(overlays, list) and any(isinstance(o, dict) and o.get("type") == "image" for o in overlays)
    room = len(overlays) < R.MAX_OVERLAYS if isinstance(overlays, list) else overlays is None
    if kit["logo_asset_id"] and not has_image and room:
        logo = {"type": "image", "asset_id": kit["logo_asset_id"], **kit["logo"]}
        scene["overlays"] = [*(scene.get("overlays") or []), logo]
    return scene


def _overlay(kit: Mapping[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    if overlay.get("type") != "text":
        return overlay
    role = overlay.get("role") or R.TEXT_ROLE_DEFAULT
    colors, fonts = kit["colors"], kit["fonts"]
    style: dict[str, Any] = {"color": colors["text"], "font": fonts["title"] if role == "title" else fonts["body"]}
    if role == "lower_third":
        style["background_color"] = colors["primary"]
        style.update({key: value for key, value in kit["lower_third"].items() if value is not None})
    return _fill(overlay, style) or overlay


def _caption_style(kit: Mapping[str, Any]) -> dict[str, Any]:
    colors = kit["colors"]
    style = {"font": kit["fonts"]["body"], "color": colors["text"], "highlight_color": colors["secondary"]}
    style.update(kit["captions"] or {})
    return style


def _fill(given: Any, defaults: Mapping[str, Any]) -> dict[str, Any] | None:
    """``given`` (an object of the caller's, or None) with ``defaults`` under it; None when there is nothing."""
    if given is not None and not isinstance(given, dict):
        return given  # type: ignore[no-any-return]  # not an object: the normaliser refuses it with the job's path
    filled = dict(given or {})
    for key, value in defaults.items():
        if value is not None and filled.get(key) is None:
            filled[key] = value
    return filled or None


def intro_outro(kit: Mapping[str, Any]) -> dict[str, Any]:
    """``spec["composition"]["intro"|"outro"]``: the clip and how it is joined, or None."""
    return {
        part: (
            {"asset_id": kit[f"{part}_asset_id"], "transition": dict(kit["transition"])}
            if kit[f"{part}_asset_id"]
            else None
        )
        for part in ("intro", "outro")
    }


def brand_kit_name_key(name: str) -> str:
    """What two kit names must differ in: more than case and surrounding spaces (the API's uniqueness, the CLI's
    look-up by name)."""
    return name.strip().casefold()
