"""The new-video form as POST /v1/jobs's body, and which of its fields each of the API's codes concerns
(the speech, portrait and settings here; the layout's fields from ``compose_form``)."""

from __future__ import annotations

from typing import Any

from api.web.catalog import job_fields_from_form
from api.web.compose_form import FIELD_OF_CODE as COMPOSER_FIELDS
from api.web.compose_form import composition_fields, overlay_field
from api.web.messages import no_voice_for_script, sentence
from api.web.public_api import ApiRefused
from api.web.responses import field_errors

#: the new-video form's field each of the API's codes concerns
FIELD_OF_CODE = {
    "script_empty": "script",
    "script_too_long": "script",
    "script_unspeakable": "script",
    "script_unreadable": "script",
    "text_invalid_character": "script",
    "avatar_unknown": "avatar",
    "avatar_not_image": "avatar",
    "asset_not_found": "avatar",
    "avatar_no_face": "avatar",
    "avatar_too_small": "avatar",
    "voice_unknown": "voice",
    "voice_unavailable": "voice",
    "voice_language_mismatch": "voice",
    "language_unknown": "voice",
    "voice_with_audio": "voice",
    "model_unknown": "model",
    "no_compatible_pool": "model",
    "model_unavailable": "model",
    "duration_mismatch": "params.duration",
    "asset_not_audio": "narration",
    "audio_too_long": "narration",
    "audio_too_short": "narration",
    "transcript_too_long": "transcript",
    "title_too_long": "title",
    "brand_kit_not_found": "brand_kit_id",
    **COMPOSER_FIELDS,
}


def job_errors(refused: ApiRefused, form: dict[str, Any], default: str) -> dict[str, dict[str, str]]:
    """The API's refusal of the new-video form, by field (``default``: what no field concerns). A script no voice
    speaks is ``voice_unknown`` although no voice was chosen: the script's language is the problem, so it is said
    beside the script in the API's words, which name the language detected."""
    if refused.code == "voice_unknown" and not form.get("voice") and form.get("source") != "narration":
        return {"script": {"code": refused.code, "message": no_voice_for_script(refused.detail)}}
    # a refusal that names an overlay (``scenes[0].overlays[1].text``) concerns the field that made it: the title's
    # undrawable letters beside the title, a logo the farm no longer has beside the logo
    where = " ".join([*(refused.errors or {})] if isinstance(refused.errors, dict) else []) + " " + refused.detail
    field = overlay_field(form, where)
    if field is not None:
        return {field: {"code": refused.code, "message": sentence(refused.code, field, refused.detail)}}
    return field_errors(refused, FIELD_OF_CODE, default)


def job_request(form: dict[str, Any], catalog: dict) -> dict[str, Any]:
    """POST /v1/jobs's body for the new-video form: its speech, portrait and settings, and the composer's fields."""
    avatar = form.get("preset") or form.get("avatar_asset_id") or ""
    extra = {
        **composition_fields(form),
        **({"title": form["title"].strip()} if (form.get("title") or "").strip() else {}),
        # the kit chosen; none sent (an old form) is the tenant's default, as the API has it
        **({"brand_kit_id": form["brand_kit_id"]} if form.get("brand_kit_id") else {}),
    }
    if form.get("source") == "narration":  # the narration speaks for itself: no script, no voice
        return {
            "audio_asset_id": form.get("audio_asset_id"),
            "transcript": form.get("transcript") or None,
            "avatar": avatar,
            **job_fields_from_form(form, catalog, ("model",)),
            **extra,
        }
    return {
        "script": form.get("script", ""),
        "avatar": avatar,
        **job_fields_from_form(form, catalog, ("voice", "model")),
        **extra,
    }
