"""The composition fields of ``POST /v1/jobs``, documented in ``/openapi.json``.

These schemas describe every field with its range, choices and default, from
``domain/composition_rules`` (the same names the checks use). They do not
load the request: ``domain/composition`` does, so that each mistake carries
its own stable code (``canvas_invalid``, ``overlay_timing``, ...) rather than a
generic ``validation_error``. The top-level fields here are ``DomainChecked``:
they pass the caller's JSON through after the bounds every JSON value has
(depth, finite numbers, storable strings).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing, validate

from domain import composition_rules as R

COLOUR_PATTERN = r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"


#: why a parsed JSON value cannot be stored (api/schemas.json_problem), or None
JsonCheck = Callable[[Any], "str | None"]


class DomainChecked:
    """A field whose value domain/composition checks; the schema only documents it.
    ``json_check`` refuses what no JSON field may hold (too deep, NaN, NUL)."""

    json_check: JsonCheck

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
        if value is missing or value is None:
            return None
        problem = self.json_check(value)
        if problem:
            raise ValidationError(problem)
        return value


class CheckedNested(DomainChecked, fields.Nested):
    pass


class CheckedString(DomainChecked, fields.String):
    pass


def _described(description: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    if description is not None:
        kwargs["metadata"] = {**kwargs.get("metadata", {}), "description": description}
    return kwargs


def one_of(choices: Sequence[str], description: str | None = None, **kwargs: Any) -> fields.String:
    """A string from ``choices``: an enum in /openapi.json, with its description."""
    return fields.String(validate=validate.OneOf(choices), **_described(description, kwargs))


def in_range(
    kind: type[fields.Number], low: float, high: float, description: str | None = None, **kwargs: Any
) -> fields.Number:
    """A number of ``kind`` (Integer, Float) from ``low`` to ``high``: its bounds in /openapi.json."""
    return kind(validate=validate.Range(min=low, max=high), **_described(description, kwargs))


def image_anchor(description: str | None = None) -> fields.String:
    """Where an image (an overlay, a kit's logo) is placed."""
    return one_of(R.IMAGE_ANCHORS, description, load_default=R.IMAGE_ANCHOR_DEFAULT)


def image_scale(description: str) -> fields.Number:
    """An image's size as a share of the canvas."""
    return in_range(fields.Float, R.IMAGE_SCALE_MIN, R.IMAGE_SCALE_MAX, description, load_default=R.IMAGE_SCALE_DEFAULT)


def _colour(description: str, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(COLOUR_PATTERN), metadata={"description": description}, **kwargs)


def _font(description: str) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.OneOf(R.FONT_NAMES),
        metadata={
            "description": description + " Default: the role's own (noto-sans, or the script's "
            "Noto family for Chinese, Japanese, Korean, Arabic and "
            "Devanagari text). GET /v1/catalog lists the fonts."
        },
    )


def _side() -> fields.Number:
    return in_range(
        fields.Integer,
        R.CANVAS_MIN_SIDE,
        R.CANVAS_MAX_SIDE,
        "Even, in pixels.",
        required=True,
        metadata={"multipleOf": 2},
    )


class CanvasSchema(Schema):
    width = _side()
    height = _side()

    class Meta:
        description = (
            f"The frame of a composed video. Both sides even, {R.CANVAS_MIN_SIDE} to {R.CANVAS_MAX_SIDE}, "
            f"at most {R.CANVAS_MAX_PIXELS} pixels (3840x2160), the longer side at most "
            f"{R.CANVAS_MAX_ASPECT:g} times the shorter (canvas_invalid)."
        )


class OffsetSchema(Schema):
    x = in_range(
        fields.Float, R.OFFSET_MIN, R.OFFSET_MAX, "-1 the left edge, 0 the centre, 1 the right edge. Default 0."
    )
    y = in_range(
        fields.Float,
        R.OFFSET_MIN,
        R.OFFSET_MAX,
        "-1 the top edge, 0 the centre, 1 the bottom edge. Default 0; on a portrait canvas (taller than wide) "
        f"{R.PORTRAIT_OFFSET_Y_DEFAULT:g}: the face in the upper half, above the lower third and the captions.",
    )


class CharacterSchema(Schema):
    style = one_of(
        R.CHARACTER_STYLES,
        "normal: the presenter to the waist; close_up: head and shoulders; circle: the face in a disc.",
        load_default="normal",
    )
    scale = in_range(
        fields.Float,
        R.CHARACTER_SCALE_MIN,
        R.CHARACTER_SCALE_MAX,
        "The presenter's height as a share of the canvas height. Default 0.8; 1.2 for close_up. On a portrait "
        "canvas (taller than wide) the defaults are shares of its width: 0.45 on 9:16 (1080x1920), the same "
        "864-pixel box 0.8 gives on 16:9 (1920x1080).",
    )
    offset = fields.Nested(OffsetSchema, metadata={"description": "The presenter's centre, -1..1 of the half-canvas."})
    matting = fields.Boolean(
        metadata={
            "description": "Cut the presenter out of the photo (the rest of the person shown from it). Default: true, "
            "on every background: on the portrait's own, the person stands sharp over the photo blurred."
        }
    )
    circle_background = _colour(
        "Fill of the circle behind a circle-style presenter.", load_default=R.CIRCLE_BACKGROUND_DEFAULT
    )

    class Meta:
        description = "Where and how the presenter stands (character_invalid)."


class BackgroundSchema(Schema):
    type = one_of(
        R.BACKGROUND_TYPES,
        "portrait: the photo's own; color; image or video: an asset of purpose background; "
        "transparent: an alpha channel (output_format webm or mov, else transparent_needs_webm).",
        load_default=R.BACKGROUND_DEFAULT_TYPE,
    )
    color = _colour("For type color (required there).")
    asset_id = fields.String(metadata={"description": "For type image or video: an asset of purpose background."})
    fit = one_of(R.BACKGROUND_FITS, "cover fills the canvas, cropping; contain shows it whole.", load_default="cover")
    play = one_of(
        R.BACKGROUND_PLAYS,
        "A video background shorter than its scene loops or holds its last frame.",
        load_default="loop",
    )

    class Meta:
        description = "What is behind the presenter (background_invalid)."


class OverlaySchema(Schema):
    type = one_of(R.OVERLAY_TYPES, required=True)
    text = fields.String(
        validate=validate.Length(min=1, max=R.OVERLAY_TEXT_MAX_CHARS),
        metadata={"description": "type text: the words; long titles wrap or shrink, never cut."},
    )
    role = one_of(
        R.TEXT_ROLES,
        "type text: title (large, top), lower_third (a name bar, bottom left; bottom right for text that reads right to left), label (small); "
        "each has readable defaults for the style fields.",
        load_default=R.TEXT_ROLE_DEFAULT,
    )
    start = in_range(fields.Float, 0, R.MAX_OVERLAY_TIME_S, "Seconds from the scene's start.", load_default=0.0)
    end = in_range(
        fields.Float,
        0,
        R.MAX_OVERLAY_TIME_S,
        "Seconds from the scene's start, after start (overlay_timing); null: to the scene's end.",
        allow_none=True,
    )
    font = _font("type text.")
    size = in_range(
        fields.Integer,
        R.TEXT_SIZE_MIN,
        R.TEXT_SIZE_MAX,
        "type text: letter height in canvas pixels; null: the role's.",
        allow_none=True,
    )
    color = _colour("type text: the letters; null: the role's.", allow_none=True)
    background_color = _colour("type text: a bar behind the letters; null: the role's.", allow_none=True)
    position = one_of(R.TEXT_POSITIONS, "type text: where it sits; null: the role's place.", allow_none=True)
    asset_id = fields.String(metadata={"description": "type image: an asset of purpose logo (alpha kept)."})
    anchor = image_anchor("type image: the corner or centre it is placed at.")
    scale = image_scale(
        "type image: its height as a share of the canvas height (on a portrait canvas, of 1.25 times its "
        "width, as text is sized there), at most the safe area's width across."
    )

    class Meta:
        description = (
            f"A text or image shown over the scene from start to end; at most {R.MAX_OVERLAYS} per scene "
            "(overlay_invalid, overlay_timing, font_unknown, text_undrawable)."
        )


class TransitionSchema(Schema):
    type = one_of(R.TRANSITION_TYPES, load_default="cut")
    duration = in_range(
        fields.Float,
        0,
        R.CROSSFADE_MAX_S,
        f"Seconds; 0 for a cut, {R.CROSSFADE_MIN_S:g} to {R.CROSSFADE_MAX_S:g} for a crossfade "
        f"(default {R.CROSSFADE_DEFAULT_S:g}).",
    )

    class Meta:
        description = (
            "How the video passes into this scene; the first scene's is ignored. A crossfade holds the scene silent, "
            "its presenter at rest, for its duration before it speaks: the video is longer by it."
        )


class SceneSchema(Schema):
    script = fields.String(metadata={"description": "Text to speak; or give audio_asset_id."})
    audio_asset_id = fields.String(metadata={"description": "Narration (an asset of purpose narration)."})
    transcript = fields.String(metadata={"description": "The words of the narration."})
    avatar = fields.String(required=True, metadata={"description": "An asset of purpose portrait, or a preset name."})
    voice = fields.String(metadata={"description": "As the job's voice; scripts only."})
    language = fields.String(metadata={"description": "As the job's language."})
    character = fields.Nested(CharacterSchema)
    background = fields.Nested(BackgroundSchema)
    overlays = fields.List(fields.Nested(OverlaySchema), metadata={"maxItems": R.MAX_OVERLAYS})
    transition = fields.Nested(TransitionSchema)

    class Meta:
        description = "One scene: its own speech, presenter, background and overlays (scenes_invalid)."


class CaptionsSchema(Schema):
    burn_in = fields.Boolean(
        load_default=False,
        metadata={"description": "Draw the captions into the video. VTT and SRT files are made either way."},
    )
    style = one_of(
        R.CAPTION_STYLES,
        "subtitle: a line or two at a time; word: a few words, the spoken one highlighted.",
        load_default="subtitle",
    )
    position = one_of(R.CAPTION_POSITIONS, "Inside the canvas's safe area (9:16 too).", load_default="bottom")
    font = _font("")
    size = in_range(
        fields.Integer,
        R.CAPTION_SIZE_MIN,
        R.CAPTION_SIZE_MAX,
        "Letter height in canvas pixels; null: scaled to the canvas.",
        allow_none=True,
    )
    color = _colour("The letters; null: white.", allow_none=True)
    highlight_color = _colour("style word: the spoken word; null: yellow.", allow_none=True)
    box = fields.Boolean(load_default=True, metadata={"description": "A translucent box behind the letters."})

    class Meta:
        description = "Captions across all scenes (captions_invalid, font_unknown)."


class MusicSchema(Schema):
    asset_id = fields.String(required=True, metadata={"description": "An asset of purpose music."})
    volume = in_range(
        fields.Float,
        R.MUSIC_VOLUME_MIN,
        R.MUSIC_VOLUME_MAX,
        "Gain of the music, 0..1.",
        load_default=R.MUSIC_VOLUME_DEFAULT,
    )
    ducking = fields.Boolean(load_default=True, metadata={"description": "Lower the music under speech."})
    fade = in_range(
        fields.Float,
        R.MUSIC_FADE_MIN_S,
        R.MUSIC_FADE_MAX_S,
        "Seconds of fade in and out.",
        load_default=R.MUSIC_FADE_DEFAULT_S,
    )

    class Meta:
        description = "Background music, looped or trimmed to the video (music_invalid)."


class RenditionSchema(Schema):
    canvas = fields.Nested(CanvasSchema, required=True)
    character = fields.Nested(
        CharacterSchema,
        allow_none=True,
        metadata={
            "description": (
                "The presenter in this cut; null: each scene's, as placed there when this canvas has the job's "
                "shape, else laid out again for this shape: centred across, y "
                f"{R.PORTRAIT_OFFSET_Y_DEFAULT:g} on a portrait canvas (0.1 on any other), the box keeping its "
                "share of the canvas's shorter side."
            )
        },
    )
    captions = fields.Nested(
        CaptionsSchema, allow_none=True, metadata={"description": "Captions in this cut; null: the job's."}
    )

    class Meta:
        description = (
            "One more cut from the same speech and face, e.g. 9:16 beside 16:9: another canvas, not the "
            "job's or another rendition's (renditions_invalid)."
        )


def composition_fields(json_check: JsonCheck) -> dict[str, fields.Field]:
    """The fields POST /v1/jobs adds for compositions; each is checked by domain/composition."""
    made: dict[str, Any] = {
        "canvas": CheckedNested(
            CanvasSchema,
            allow_none=True,
            metadata={
                "description": "Makes the job a composed video of this size; without it the job is the square face video."
            },
        ),
        "scenes": CheckedNested(
            SceneSchema,
            many=True,
            allow_none=True,
            metadata={
                "minItems": R.MIN_SCENES,
                "maxItems": R.MAX_SCENES,
                "description": f"{R.MIN_SCENES} to {R.MAX_SCENES} scenes (too_many_scenes), instead of the top-level "
                "script or audio_asset_id, avatar, voice, language, character, background and overlays.",
            },
        ),
        "character": CheckedNested(
            CharacterSchema, allow_none=True, metadata={"description": "Single form with a canvas: the presenter."}
        ),
        "background": CheckedNested(
            BackgroundSchema, allow_none=True, metadata={"description": "Single form with a canvas: the background."}
        ),
        "overlays": CheckedNested(
            OverlaySchema,
            many=True,
            allow_none=True,
            metadata={"maxItems": R.MAX_OVERLAYS, "description": "Single form with a canvas: the overlays."},
        ),
        "captions": CheckedNested(CaptionsSchema, allow_none=True),
        "music": CheckedNested(MusicSchema, allow_none=True),
        "renditions": CheckedNested(
            RenditionSchema,
            many=True,
            allow_none=True,
            metadata={"maxItems": R.MAX_RENDITIONS, "description": "Extra cuts, listed in output.renditions[]."},
        ),
        "output_format": CheckedString(
            allow_none=True,
            validate=validate.OneOf(R.OUTPUT_FORMATS),
            metadata={
                "default": "mp4",
                "description": "mp4 (H.264/AAC), webm (VP9/Opus, alpha for a transparent background) "
                "or mov (ProRes 4444 with alpha) (output_format_invalid).",
            },
        ),
    }
    for field in made.values():
        field.json_check = json_check
    return made
