"""/v1/catalog: what a job may ask for. Voices with their languages, preset
portraits, models, and every render parameter with its type, range and
default, from the same tables the request validator uses."""

from __future__ import annotations

from flask import send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.context import ctx
from api.schemas import ACCELERATORS
from domain import composition_rules as R
from domain.config import Settings
from domain.documents import param_document
from domain.errors import ProblemError
from domain.params import PARAMS
from domain.presets import DEFAULT_PRESET, LICENCES, PRESETS, preset_path
from media.render import known_models
from media.tts import DEFAULT_VOICE, available_voices

blp = Blueprint("catalog", __name__, url_prefix="/v1/catalog", description="What a job may ask for")

#: JSON Schema type names, as /openapi.json uses them


class CatalogVoiceSchema(Schema):
    name = fields.String(metadata={"description": "What a job's `voice` names."})
    engine = fields.String(metadata={"description": "`piper` (neural) or `espeak-ng`."})
    language = fields.String(allow_none=True)
    default = fields.Boolean(metadata={"description": "The voice a job gets when it names none and no language."})


class CatalogPresetSchema(Schema):
    name = fields.String(metadata={"description": "What a job's `avatar` names."})
    licence = fields.String()
    image_url = fields.String(metadata={"description": "The portrait itself (needs the API key)."})
    default = fields.Boolean()


class CatalogModelSchema(Schema):
    name = fields.String(metadata={"description": "What a job's `model` names."})
    adapter = fields.String()
    pools = fields.List(fields.String(), metadata={"description": "Pools whose workers can run it."})


class CatalogParamSchema(Schema):
    name = fields.String()
    type = fields.String(metadata={"description": "`integer`, `number` or `boolean`."})
    default = fields.Raw(allow_none=True, metadata={"description": "Used when the job leaves it out; null: none."})
    minimum = fields.Float(allow_none=True)
    maximum = fields.Float(allow_none=True)
    multiple_of = fields.Integer(allow_none=True)
    description = fields.String()
    acts = fields.Boolean(metadata={"description": "Whether the built-in renderer acts on it."})


class CatalogRangeSchema(Schema):
    minimum = fields.Integer()
    maximum = fields.Integer()
    default = fields.Integer()


class CatalogCompositionSchema(Schema):
    fonts = fields.List(fields.String(), metadata={"description": "What an overlay's or the captions' `font` names."})
    canvas = fields.Dict(metadata={"description": "min_side, max_side, max_pixels, max_aspect; both sides even."})
    max_scenes = fields.Integer()
    max_overlays = fields.Integer(metadata={"description": "Per scene."})
    max_renditions = fields.Integer()
    character_styles = fields.List(fields.String())
    background_types = fields.List(fields.String())
    text_roles = fields.List(fields.String())
    image_anchors = fields.List(fields.String())
    transitions = fields.List(fields.String())
    caption_styles = fields.List(fields.String())
    caption_positions = fields.List(fields.String())
    output_formats = fields.List(fields.String())
    asset_purposes = fields.List(fields.String())
    max_video = fields.Dict(
        metadata={"description": "Bounds of a background video: bytes, duration_s, side, pixels, fps."}
    )


class CatalogSchema(Schema):
    voices = fields.List(fields.Nested(CatalogVoiceSchema))
    languages = fields.List(fields.String(), metadata={"description": "Every language some voice speaks."})
    presets = fields.List(fields.Nested(CatalogPresetSchema))
    models = fields.List(fields.Nested(CatalogModelSchema))
    params = fields.List(fields.Nested(CatalogParamSchema))
    accelerators = fields.List(fields.String())
    pools = fields.List(fields.String(), metadata={"description": "The pool tags of this farm."})
    priority = fields.Nested(CatalogRangeSchema)
    max_script_chars = fields.Integer()
    max_asset_bytes = fields.Integer()
    composition = fields.Nested(
        CatalogCompositionSchema,
        metadata={
            "description": "What a composed job (one with a canvas) may ask for; every field and default is in "
            "/openapi.json under JobSpec."
        },
    )


# --- service functions (the API and the page) -------------------------------------------
def catalog(settings: Settings, base_url: str = "") -> dict:
    voices = [{**v, "default": v["name"] == DEFAULT_VOICE} for v in available_voices(settings)]
    return {
        "voices": voices,
        "languages": sorted({v["language"] for v in voices if v["language"]}),
        "presets": [
            {
                "name": name,
                "licence": LICENCES.get(name, ""),
                "default": name == DEFAULT_PRESET,
                "image_url": f"{base_url}/v1/catalog/presets/{name}",
            }
            for name in PRESETS
        ],
        "models": [
            {"name": m.name, "adapter": m.adapter, "pools": [p for p in m.pools if p in settings.pools]}
            for m in known_models(settings).values()
        ],
        "params": [param_document(p) for p in PARAMS],
        "accelerators": list(ACCELERATORS),
        "pools": list(settings.pools),
        "priority": {"minimum": 0, "maximum": 9, "default": 5},
        "max_script_chars": settings.max_script_chars,
        "max_asset_bytes": settings.max_asset_bytes,
        "composition": composition_catalog(settings),
    }


def composition_catalog(settings: Settings) -> dict:
    return {
        "fonts": list(R.FONT_NAMES),
        "canvas": {
            "min_side": R.CANVAS_MIN_SIDE,
            "max_side": R.CANVAS_MAX_SIDE,
            "max_pixels": R.CANVAS_MAX_PIXELS,
            "max_aspect": R.CANVAS_MAX_ASPECT,
        },
        "max_scenes": R.MAX_SCENES,
        "max_overlays": R.MAX_OVERLAYS,
        "max_renditions": R.MAX_RENDITIONS,
        "character_styles": list(R.CHARACTER_STYLES),
        "background_types": list(R.BACKGROUND_TYPES),
        "text_roles": list(R.TEXT_ROLES),
        "image_anchors": list(R.IMAGE_ANCHORS),
        "transitions": list(R.TRANSITION_TYPES),
        "caption_styles": list(R.CAPTION_STYLES),
        "caption_positions": list(R.CAPTION_POSITIONS),
        "output_formats": list(R.OUTPUT_FORMATS),
        "asset_purposes": list(R.ASSET_PURPOSES),
        "max_video": {
            "bytes": settings.max_video_bytes,
            "duration_s": settings.max_video_s,
            "side": settings.max_video_side,
            "pixels": settings.max_video_pixels,
            "fps": settings.max_video_fps,
        },
    }


# --- routes ---------------------------------------------------------------------------------
@blp.route("", methods=["GET"])
@blp.response(200, CatalogSchema)
def get_catalog():
    """Voices (with languages), preset portraits, models, and every render parameter with type, range and default."""
    c = ctx()
    return catalog(c.settings, c.base_url())


@blp.route("/presets/<name>", methods=["GET"])
@blp.response(200, description="The preset portrait (PNG)", content_type="image/png")
@blp.alt_response(404, response="Problem")
def preset_image(name):
    """A preset portrait's image."""
    if name not in PRESETS:
        raise ProblemError("preset_not_found", f"No preset portrait named {name!r}.", 404)
    return send_file(preset_path(name), mimetype="image/png", max_age=3600)
