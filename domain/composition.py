"""A composed job's request, checked and normalised into ``spec["composition"]``.

Pure: no database, no media. ``normalise_composition`` takes a job body and
returns the contract's shape (every key present, defaults filled, colours as
lowercase ``#rrggbb``) or None for today's square job, or raises a 422
``ProblemError`` whose stable code names the part that is wrong
(``canvas_invalid``, ``overlay_timing``, ``font_unknown``, ...). What needs the
database (assets and their purposes) or the voices is the API's: it walks
``asset_uses`` and fills each scene's ``voice`` and ``language``.

The single form (top-level ``script``/``audio_asset_id``, ``avatar``, ...)
becomes one scene; it may carry ``character``, ``background`` and ``overlays``
at the top level for that scene. ``scenes`` replaces all of those.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import composition_rules as R
from domain.composition_checks import (
    boolean,
    choice,
    colour,
    integer,
    number,
    obj,
    refuse,
    text,
)
from domain.presets import NOT_CUT_OUT, PRESETS, cuts_out

#: body keys that make a job a composed one; each needs a canvas
COMPOSITION_KEYS = (
    "canvas",
    "scenes",
    "captions",
    "music",
    "renditions",
    "output_format",
    "character",
    "background",
    "overlays",
)
#: the single form's keys, which ``scenes`` replaces
SINGLE_FORM_KEYS = ("script", "audio_asset_id", "transcript", "avatar", "voice", "language")
#: keys the single form may give for its one scene
SCENE_PART_KEYS = ("character", "background", "overlays")
SCENE_KEYS = (*SINGLE_FORM_KEYS, *SCENE_PART_KEYS, "transition")


def is_composed(body: Mapping[str, Any]) -> bool:
    return any(body.get(key) is not None for key in COMPOSITION_KEYS)


def scene_text(scene: Mapping[str, Any]) -> str:
    """What a scene says, when it is written down (its script, or its narration's transcript); "" otherwise."""
    return str(scene.get("script") or scene.get("transcript") or "")


def normalise_composition(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """``spec["composition"]`` for a job body, or None when it has none of the composition keys."""
    if not is_composed(body):
        return None
    if body.get("canvas") is None:
        given = next(key for key in COMPOSITION_KEYS if body.get(key) is not None)
        refuse(
            "canvas_invalid",
            "canvas",
            f"{given} composes a video: give a canvas too, e.g. "
            '{"width": 1920, "height": 1080}; a job without canvas is the square face video.',
        )
    canvas = normalise_canvas(body["canvas"], "canvas", "canvas_invalid")
    asked_format = body.get("output_format")
    output_format = choice(
        "mp4" if asked_format is None else asked_format, "output_format", "output_format_invalid", R.OUTPUT_FORMATS
    )
    raw_scenes = _raw_scenes(body)
    scenes = [normalise_scene(raw, path, canvas) for raw, path in raw_scenes]
    # the first scene has nothing before it to fade from: its transition is a cut, and the job's document says so
    # (a crossfade given there was stored as asked and never shown); a template's one transition for every scene
    # still applies
    scenes[0]["transition"] = {"type": "cut", "duration": 0.0}
    if output_format not in R.ALPHA_FORMATS:
        for scene, (_, path) in zip(scenes, raw_scenes, strict=True):
            if scene["background"]["type"] == "transparent":
                refuse(
                    "transparent_needs_webm",
                    _at(path, "background.type"),
                    f"A transparent background needs an alpha channel: output_format webm (or mov), "
                    f"not {output_format}.",
                )
    renditions = normalise_renditions(body.get("renditions"), canvas)
    uncut = next((scene["avatar"] for scene in scenes if not cuts_out(scene["avatar"])), None)
    for index, given in enumerate(body.get("renditions") or []):
        if uncut is not None and ((given or {}).get("character") or {}).get("matting") is True:
            refuse_cut_out(uncut, f"renditions[{index}].character.matting", "renditions_invalid")
    return {
        "canvas": canvas,
        "scenes": scenes,
        "captions": normalise_captions(body.get("captions"), "captions"),
        "music": normalise_music(body.get("music")),
        "renditions": renditions,
        "output_format": output_format,
    }


def _raw_scenes(body: Mapping[str, Any]) -> list[tuple[Any, str]]:
    raw = body.get("scenes")
    if raw is None:  # the single form: one scene from the top-level fields
        return [({key: body[key] for key in (*SINGLE_FORM_KEYS, *SCENE_PART_KEYS) if body.get(key) is not None}, "")]
    mixed = [key for key in (*SINGLE_FORM_KEYS, *SCENE_PART_KEYS) if body.get(key) is not None]
    if mixed:
        refuse(
            "scenes_invalid",
            mixed[0],
            f"Give either scenes or the top-level {', '.join(mixed)}, not both: "
            "each scene carries its own script or audio, avatar, voice, character, background and overlays.",
        )
    if not isinstance(raw, list):
        refuse("scenes_invalid", "scenes", "scenes must be a list of scene objects.")
    if len(raw) < R.MIN_SCENES:
        refuse("scenes_invalid", "scenes", "scenes must hold at least one scene.")
    if len(raw) > R.MAX_SCENES:
        refuse("too_many_scenes", "scenes", f"A job has at most {R.MAX_SCENES} scenes; got {len(raw)}.")
    return [(scene, f"scenes[{index}]") for index, scene in enumerate(raw)]


def _at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def normalise_canvas(raw: Any, path: str, code: str) -> dict[str, int]:
    """Even sides of 128..3840, at most 8.3 M pixels, at most 4:1."""
    given = obj(raw, path, code, ("width", "height"), required=("width", "height"))
    width = integer(given["width"], f"{path}.width", code, R.CANVAS_MIN_SIDE, R.CANVAS_MAX_SIDE)
    height = integer(given["height"], f"{path}.height", code, R.CANVAS_MIN_SIDE, R.CANVAS_MAX_SIDE)
    assert width is not None and height is not None  # obj() required both
    if width % 2 or height % 2:
        refuse(code, path, f"Both sides must be even (video encoders need it); got {width}x{height}.")
    if width * height > R.CANVAS_MAX_PIXELS:
        refuse(code, path, f"{width}x{height} is {width * height} pixels; at most {R.CANVAS_MAX_PIXELS} (3840x2160).")
    if max(width, height) > R.CANVAS_MAX_ASPECT * min(width, height):
        refuse(code, path, f"{width}x{height} is longer than {R.CANVAS_MAX_ASPECT:g}:1.")
    return {"width": width, "height": height}


def normalise_scene(raw: Any, path: str, canvas: dict[str, int]) -> dict[str, Any]:
    where = path or "body"
    scene = obj(raw, where, "scenes_invalid", SCENE_KEYS)
    has_script, has_audio = scene.get("script") is not None, scene.get("audio_asset_id") is not None
    if has_script == has_audio:
        refuse("scenes_invalid", _at(path, "script"), "Give exactly one of script or audio_asset_id.")
    if has_script and scene.get("transcript") is not None:
        refuse(
            "transcript_with_script",
            _at(path, "transcript"),
            "transcript applies to narration (audio_asset_id); a script job's words are its script.",
        )
    if has_audio and scene.get("voice") is not None:
        refuse("voice_with_audio", _at(path, "voice"), "voice applies to scripts; narration speaks with its own audio.")
    if scene.get("avatar") is None:
        refuse("scenes_invalid", _at(path, "avatar"), "Each scene needs an avatar: an image asset id or a preset.")
    avatar = _avatar(scene["avatar"], _at(path, "avatar"))
    character = normalise_character(scene.get("character"), _at(path, "character"), canvas)
    background = scene.get("background")
    if not cuts_out(avatar):
        if (scene.get("character") or {}).get("matting") is True:
            refuse_cut_out(avatar, _at(path, "character.matting"), "character_invalid")
        character["matting"] = False
        # its square on a plain card, not pasted on its own photo blurred (a step in brightness along its edges)
        background = {"type": "color", "color": UNCUT_BACKGROUND} if background is None else background
    background = normalise_background(background, _at(path, "background"))
    return {
        "script": text(scene.get("script"), _at(path, "script"), "scenes_invalid", None, free=True),
        "audio_asset_id": text(scene.get("audio_asset_id"), _at(path, "audio_asset_id"), "scenes_invalid", 64),
        "transcript": text(scene.get("transcript"), _at(path, "transcript"), "scenes_invalid", None, free=True),
        "avatar": avatar,
        "voice": text(scene.get("voice"), _at(path, "voice"), "scenes_invalid", 100),
        "language": text(scene.get("language"), _at(path, "language"), "scenes_invalid", 16),
        "character": character,
        "background": background,
        "overlays": normalise_overlays(scene.get("overlays"), _at(path, "overlays")),
        "transition": normalise_transition(scene.get("transition"), _at(path, "transition")),
    }


#: the background a presenter that cannot be cut out stands on when the scene names none
UNCUT_BACKGROUND = "#1f2937"


def refuse_cut_out(avatar: dict[str, str], path: str, code: str) -> None:
    """A 422 for ``matting: true`` on a preset that cannot be cut out (``domain.presets.NOT_CUT_OUT``)."""
    name = avatar["preset"]
    refuse(
        code,
        path,
        f"The {name} preset cannot be cut out ({NOT_CUT_OUT[name]}): it is composed in its photo's own square. "
        "Leave matting out (or false), or use a portrait of your own.",
    )


def _avatar(raw: Any, path: str) -> dict[str, str]:
    name = text(raw, path, "scenes_invalid", 64)
    assert name is not None
    if name.startswith("ast_"):
        return {"asset_id": name}
    if name in PRESETS:
        return {"preset": name}
    refuse(
        "avatar_unknown", path, f"avatar {name!r} is neither an asset id nor a preset ({', '.join(sorted(PRESETS))})."
    )


def normalise_character(
    raw: Any, path: str, canvas: dict[str, int], *, code: str = "character_invalid"
) -> dict[str, Any]:
    """The presenter on ``canvas``; what it leaves out is the default for the canvas's shape
    (``PORTRAIT_OFFSET_Y_DEFAULT``)."""
    given = obj(
        raw if raw is not None else {}, path, code, ("style", "scale", "offset", "matting", "circle_background")
    )
    style = choice(given.get("style", "normal"), f"{path}.style", code, R.CHARACTER_STYLES) or "normal"
    offset = obj(given.get("offset", {}), f"{path}.offset", code, ("x", "y"))
    width, height = canvas["width"], canvas["height"]
    portrait = height > width
    at_rest = {"x": 0.0, "y": R.PORTRAIT_OFFSET_Y_DEFAULT if portrait else 0.0}
    return {
        "style": style,
        "scale": number(
            given.get("scale", round(R.CHARACTER_SCALE_DEFAULT[style] * min(width, height) / height, 4)),
            f"{path}.scale",
            code,
            R.CHARACTER_SCALE_MIN,
            R.CHARACTER_SCALE_MAX,
        ),
        "offset": {
            axis: number(offset.get(axis, at_rest[axis]), f"{path}.offset.{axis}", code, R.OFFSET_MIN, R.OFFSET_MAX)
            for axis in ("x", "y")
        },
        "matting": boolean(given.get("matting", True), f"{path}.matting", code),
        "circle_background": colour(
            given.get("circle_background", R.CIRCLE_BACKGROUND_DEFAULT), f"{path}.circle_background", code
        ),
    }


def normalise_background(raw: Any, path: str) -> dict[str, Any]:
    code = "background_invalid"
    given = obj(raw if raw is not None else {}, path, code, ("type", "color", "asset_id", "fit", "play"))
    kind = choice(given.get("type", R.BACKGROUND_DEFAULT_TYPE), f"{path}.type", code, R.BACKGROUND_TYPES)
    wants_asset = kind in ("image", "video")
    if wants_asset and given.get("asset_id") is None:
        refuse(
            code,
            f"{path}.asset_id",
            f"{'An' if kind == 'image' else 'A'} {kind} background needs asset_id (an asset of purpose background).",
        )
    if not wants_asset and given.get("asset_id") is not None:
        refuse(code, f"{path}.asset_id", f"asset_id goes with an image or video background, not {kind}.")
    if kind == "color" and given.get("color") is None:
        refuse(code, f"{path}.color", 'A color background needs color, e.g. "#1f2937".')
    if kind != "color" and given.get("color") is not None:
        refuse(code, f"{path}.color", f"color goes with a color background, not {kind}.")
    return {
        "type": kind,
        "color": colour(given.get("color"), f"{path}.color", code),
        "asset_id": text(given.get("asset_id"), f"{path}.asset_id", code, 64),
        "fit": choice(given.get("fit", "cover"), f"{path}.fit", code, R.BACKGROUND_FITS),
        "play": choice(given.get("play", "loop"), f"{path}.play", code, R.BACKGROUND_PLAYS),
    }


def normalise_overlays(raw: Any, path: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        refuse("overlay_invalid", path, "overlays must be a list.")
    if len(raw) > R.MAX_OVERLAYS:
        refuse("overlay_invalid", path, f"A scene has at most {R.MAX_OVERLAYS} overlays; got {len(raw)}.")
    return [_overlay(item, f"{path}[{index}]") for index, item in enumerate(raw)]


_TEXT_KEYS = ("type", "text", "role", "start", "end", "font", "size", "color", "background_color", "position")
_IMAGE_KEYS = ("type", "asset_id", "anchor", "scale", "start", "end")


def _overlay(raw: Any, path: str) -> dict[str, Any]:
    code = "overlay_invalid"
    kind = choice(obj(raw, path, code, None, required=("type",))["type"], f"{path}.type", code, R.OVERLAY_TYPES)
    given = obj(
        raw,
        path,
        code,
        _TEXT_KEYS if kind == "text" else _IMAGE_KEYS,
        required=("text",) if kind == "text" else ("asset_id",),
    )
    start, end = _timing(given, path)
    if kind == "image":
        return {
            "type": "image",
            "asset_id": text(given["asset_id"], f"{path}.asset_id", code, 64),
            "anchor": choice(given.get("anchor", R.IMAGE_ANCHOR_DEFAULT), f"{path}.anchor", code, R.IMAGE_ANCHORS),
            "scale": number(
                given.get("scale", R.IMAGE_SCALE_DEFAULT), f"{path}.scale", code, R.IMAGE_SCALE_MIN, R.IMAGE_SCALE_MAX
            ),
            "start": start,
            "end": end,
        }
    words = text(given["text"], f"{path}.text", code, R.OVERLAY_TEXT_MAX_CHARS, free=True)
    if not (words or "").strip():
        refuse(code, f"{path}.text", "A text overlay needs some text.")
    return {
        "type": "text",
        "text": words,
        "role": choice(given.get("role", R.TEXT_ROLE_DEFAULT), f"{path}.role", code, R.TEXT_ROLES),
        "start": start,
        "end": end,
        "font": font(given.get("font"), f"{path}.font"),
        "size": integer(given.get("size"), f"{path}.size", code, R.TEXT_SIZE_MIN, R.TEXT_SIZE_MAX),
        "color": colour(given.get("color"), f"{path}.color", code),
        "background_color": colour(given.get("background_color"), f"{path}.background_color", code),
        "position": choice(given.get("position"), f"{path}.position", code, R.TEXT_POSITIONS),
    }


def _timing(given: Mapping[str, Any], path: str) -> tuple[float, float | None]:
    """Seconds from the scene's start; an end at or before the start shows nothing, so it is refused."""
    start = number(given.get("start", 0.0), f"{path}.start", "overlay_timing", 0.0, R.MAX_OVERLAY_TIME_S)
    end = number(given.get("end"), f"{path}.end", "overlay_timing", 0.0, R.MAX_OVERLAY_TIME_S)
    assert start is not None
    if end is not None and end <= start:
        when = f"as it starts ({start:g} s)" if end == start else f"({end:g} s) before it starts ({start:g} s)"
        refuse("overlay_timing", f"{path}.end", f"The overlay ends {when}; it must end after it starts.")
    return start, end


def font(raw: Any, path: str) -> str | None:
    """A font the farm ships, by name, or an uploaded one (an asset of purpose font, by id: the API checks it)."""
    name = text(raw, path, "font_unknown", 64)
    if name is not None and name not in R.FONT_NAMES and not name.startswith("ast_"):
        refuse(
            "font_unknown",
            path,
            f"No font named {name!r}; the farm ships {', '.join(R.FONT_NAMES)}, or give "
            "the id of a TTF/OTF uploaded with purpose=font.",
        )
    return name


def normalise_transition(raw: Any, path: str) -> dict[str, Any]:
    code = "scenes_invalid"
    given = obj(raw if raw is not None else {}, path, code, ("type", "duration"))
    kind = choice(given.get("type", "cut"), f"{path}.type", code, R.TRANSITION_TYPES)
    if kind == "cut":
        if given.get("duration") not in (None, 0, 0.0) or isinstance(given.get("duration"), bool):
            refuse(code, f"{path}.duration", "A cut is instant and takes no duration; give one to a crossfade.")
        duration: float | None = 0.0
    else:
        duration = number(
            given.get("duration", R.CROSSFADE_DEFAULT_S), f"{path}.duration", code, R.CROSSFADE_MIN_S, R.CROSSFADE_MAX_S
        )
    return {"type": kind, "duration": duration}


def normalise_captions(raw: Any, path: str, code: str = "captions_invalid") -> dict[str, Any]:
    given = obj(
        raw if raw is not None else {},
        path,
        code,
        ("burn_in", "style", "position", "font", "size", "color", "highlight_color", "box"),
    )
    return {
        "burn_in": boolean(given.get("burn_in", False), f"{path}.burn_in", code),
        "style": choice(given.get("style", "subtitle"), f"{path}.style", code, R.CAPTION_STYLES),
        "position": choice(given.get("position", "bottom"), f"{path}.position", code, R.CAPTION_POSITIONS),
        "font": font(given.get("font"), f"{path}.font"),
        "size": integer(given.get("size"), f"{path}.size", code, R.CAPTION_SIZE_MIN, R.CAPTION_SIZE_MAX),
        "color": colour(given.get("color"), f"{path}.color", code),
        "highlight_color": colour(given.get("highlight_color"), f"{path}.highlight_color", code),
        "box": boolean(given.get("box", True), f"{path}.box", code),
    }


def normalise_music(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    code, path = "music_invalid", "music"
    given = obj(raw, path, code, ("asset_id", "volume", "ducking", "fade"), required=("asset_id",))
    return {
        "asset_id": text(given["asset_id"], f"{path}.asset_id", code, 64),
        "volume": number(
            given.get("volume", R.MUSIC_VOLUME_DEFAULT), f"{path}.volume", code, R.MUSIC_VOLUME_MIN, R.MUSIC_VOLUME_MAX
        ),
        "ducking": boolean(given.get("ducking", True), f"{path}.ducking", code),
        "fade": number(
            given.get("fade", R.MUSIC_FADE_DEFAULT_S), f"{path}.fade", code, R.MUSIC_FADE_MIN_S, R.MUSIC_FADE_MAX_S
        ),
    }


def normalise_renditions(raw: Any, canvas: dict[str, int]) -> list[dict[str, Any]]:
    """Extra cuts: each a canvas of its own (not the main one, no two alike), with the presenter and captions
    restyled or, when left out (None), as the job's. A restyled presenter is matted unless it says otherwise, as
    a scene's is."""
    code = "renditions_invalid"
    if raw is None:
        return []
    if not isinstance(raw, list):
        refuse(code, "renditions", "renditions must be a list.")
    if len(raw) > R.MAX_RENDITIONS:
        refuse(code, "renditions", f"At most {R.MAX_RENDITIONS} renditions; got {len(raw)}.")
    seen = [(canvas["width"], canvas["height"])]
    renditions = []
    for index, item in enumerate(raw):
        path = f"renditions[{index}]"
        given = obj(item, path, code, ("canvas", "character", "captions"), required=("canvas",))
        size = normalise_canvas(given["canvas"], f"{path}.canvas", code)
        if (size["width"], size["height"]) in seen:
            refuse(code, f"{path}.canvas", f"{size['width']}x{size['height']} is already rendered by this job.")
        seen.append((size["width"], size["height"]))
        character = given.get("character")
        captions = given.get("captions")
        renditions.append(
            {
                "canvas": size,
                "character": None if character is None else _restyled(character, f"{path}.character", size),
                "captions": None if captions is None else normalise_captions(captions, f"{path}.captions", code),
            }
        )
    return renditions


def _restyled(raw: Any, path: str, canvas: dict[str, int]) -> dict[str, Any]:
    return normalise_character(raw, path, canvas, code="renditions_invalid")
