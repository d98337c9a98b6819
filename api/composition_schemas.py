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

from collections.abc import Callable
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


class CanvasSchema(Schema):
    width = fields.Integer(
        required=True,
        validate=validate.Range(min=R.CANVAS_MIN_SIDE, max=R.CANVAS_MAX_SIDE),
        metadata={"multipleOf": 2, "description": "Even, in pixels."},
    )
    height = fields.Integer(
        required=True,
        validate=validate.Range(min=R.CANVAS_MIN_SIDE, max=R.CANVAS_MAX_SIDE),
        metadata={"multipleOf": 2, "description": "Even, in pixels."},
    )

    class Meta:
        description = (
            f"The frame of a composed video. Both sides even, {R.CANVAS_MIN_SIDE} to {R.CANVAS_MAX_SIDE}, "
            f"at most {R.CANVAS_MAX_PIXELS} pixels (3840x2160), the longer side at most "
            f"{R.CANVAS_MAX_ASPECT:g} times the shorter (canvas_invalid)."
        )


class OffsetSchema(Schema):
    x = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=R.OFFSET_MIN, max=R.OFFSET_MAX),
        metadata={"description": "-1 the left edge, 0 the centre, 1 the right edge."},
    )
    y = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=R.OFFSET_MIN, max=R.OFFSET_MAX),
        metadata={"description": "-1 the top edge, 0 the centre, 1 the bottom edge."},
    )


class CharacterSchema(Schema):
    style = fields.String(
        load_default="normal",
        validate=validate.OneOf(R.CHARACTER_STYLES),
        metadata={
            "description": "normal: the presenter to the waist; close_up: head and shoulders; circle: the face in a disc."
        },
    )
    scale = fields.Float(
        validate=validate.Range(min=R.CHARACTER_SCALE_MIN, max=R.CHARACTER_SCALE_MAX),
        metadata={
            "description": "The presenter's height as a share of the canvas height. Default 0.8; 1.2 for close_up."
        },
    )
    offset = fields.Nested(OffsetSchema, metadata={"description": "The presenter's centre, -1..1 of the half-canvas."})
    matting = fields.Boolean(
        metadata={
            "description": "Cut the presenter out of the photo. Default: true unless the background is the portrait's own."
        }
    )
    circle_background = _colour(
        "Fill of the circle behind a circle-style presenter.", load_default=R.CIRCLE_BACKGROUND_DEFAULT
    )

    class Meta:
        description = "Where and how the presenter stands (character_invalid)."


class BackgroundSchema(Schema):
    type = fields.String(
        load_default=R.BACKGROUND_DEFAULT_TYPE,
        validate=validate.OneOf(R.BACKGROUND_TYPES),
        metadata={
            "description": "portrait: the photo's own; color; image or video: an asset of purpose background; "
            "transparent: an alpha channel (output_format webm or mov, else transparent_needs_webm)."
        },
    )
    color = _colour("For type color (required there).")
    asset_id = fields.String(metadata={"description": "For type image or video: an asset of purpose background."})
    fit = fields.String(
        load_default="cover",
        validate=validate.OneOf(R.BACKGROUND_FITS),
        metadata={"description": "cover fills the canvas, cropping; contain shows it whole."},
    )
    play = fields.String(
        load_default="loop",
        validate=validate.OneOf(R.BACKGROUND_PLAYS),
        metadata={"description": "A video background shorter than its scene loops or holds its last frame."},
    )

    class Meta:
        description = "What is behind the presenter (background_invalid)."


class OverlaySchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(R.OVERLAY_TYPES))
    text = fields.String(
        validate=validate.Length(min=1, max=R.OVERLAY_TEXT_MAX_CHARS),
        metadata={"description": "type text: the words; long titles wrap or shrink, never cut."},
    )
    role = fields.String(
        load_default=R.TEXT_ROLE_DEFAULT,
        validate=validate.OneOf(R.TEXT_ROLES),
        metadata={
            "description": "type text: title (large, top), lower_third (a name bar, bottom left), label (small); "
            "each has readable defaults for the style fields."
        },
    )
    start = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=0, max=R.MAX_OVERLAY_TIME_S),
        metadata={"description": "Seconds from the scene's start."},
    )
    end = fields.Float(
        allow_none=True,
        validate=validate.Range(min=0, max=R.MAX_OVERLAY_TIME_S),
        metadata={
            "description": "Seconds from the scene's start, after start (overlay_timing); null: to the scene's end."
        },
    )
    font = _font("type text.")
    size = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=R.TEXT_SIZE_MIN, max=R.TEXT_SIZE_MAX),
        metadata={"description": "type text: letter height in canvas pixels; null: the role's."},
    )
    color = _colour("type text: the letters; null: the role's.", allow_none=True)
    background_color = _colour("type text: a bar behind the letters; null: the role's.", allow_none=True)
    position = fields.String(
        allow_none=True,
        validate=validate.OneOf(R.TEXT_POSITIONS),
        metadata={"description": "type text: where it sits; null: the role's place."},
    )
    asset_id = fields.String(metadata={"description": "type image: an asset of purpose logo (alpha kept)."})
    anchor = fields.String(
        load_default=R.IMAGE_ANCHOR_DEFAULT,
        validate=validate.OneOf(R.IMAGE_ANCHORS),
        metadata={"description": "type image: the corner or centre it is placed at."},
    )
    scale = fields.Float(
        load_default=R.IMAGE_SCALE_DEFAULT,
        validate=validate.Range(min=R.IMAGE_SCALE_MIN, max=R.IMAGE_SCALE_MAX),
        metadata={"description": "type image: its height as a share of the canvas height."},
    )

    class Meta:
        description = (
            f"A text or image shown over the scene from start to end; at most {R.MAX_OVERLAYS} per scene "
            "(overlay_invalid, overlay_timing, font_unknown)."
        )


class TransitionSchema(Schema):
    type = fields.String(load_default="cut", validate=validate.OneOf(R.TRANSITION_TYPES))
    duration = fields.Float(
        validate=validate.Range(min=0, max=R.CROSSFADE_MAX_S),
        metadata={
            "description": f"Seconds; 0 for a cut, {R.CROSSFADE_MIN_S:g} to {R.CROSSFADE_MAX_S:g} for a crossfade "
            f"(default {R.CROSSFADE_DEFAULT_S:g})."
        },
    )

    class Meta:
        description = "How the video passes into this scene; the first scene's is ignored."


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
    style = fields.String(
        load_default="subtitle",
        validate=validate.OneOf(R.CAPTION_STYLES),
        metadata={"description": "subtitle: a line or two at a time; word: a few words, the spoken one highlighted."},
    )
    position = fields.String(
        load_default="bottom",
        validate=validate.OneOf(R.CAPTION_POSITIONS),
        metadata={"description": "Inside the canvas's safe area (9:16 too)."},
    )
    font = _font("")
    size = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=R.CAPTION_SIZE_MIN, max=R.CAPTION_SIZE_MAX),
        metadata={"description": "Letter height in canvas pixels; null: scaled to the canvas."},
    )
    color = _colour("The letters; null: white.", allow_none=True)
    highlight_color = _colour("style word: the spoken word; null: yellow.", allow_none=True)
    box = fields.Boolean(load_default=True, metadata={"description": "A translucent box behind the letters."})

    class Meta:
        description = "Captions across all scenes (captions_invalid, font_unknown)."


class MusicSchema(Schema):
    asset_id = fields.String(required=True, metadata={"description": "An asset of purpose music."})
    volume = fields.Float(
        load_default=R.MUSIC_VOLUME_DEFAULT,
        validate=validate.Range(min=R.MUSIC_VOLUME_MIN, max=R.MUSIC_VOLUME_MAX),
        metadata={"description": "Gain of the music, 0..1."},
    )
    ducking = fields.Boolean(load_default=True, metadata={"description": "Lower the music under speech."})
    fade = fields.Float(
        load_default=R.MUSIC_FADE_DEFAULT_S,
        validate=validate.Range(min=R.MUSIC_FADE_MIN_S, max=R.MUSIC_FADE_MAX_S),
        metadata={"description": "Seconds of fade in and out."},
    )

    class Meta:
        description = "Background music, looped or trimmed to the video (music_invalid)."


class RenditionSchema(Schema):
    canvas = fields.Nested(CanvasSchema, required=True)
    character = fields.Nested(
        CharacterSchema, allow_none=True, metadata={"description": "The presenter in this cut; null: as in each scene."}
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
