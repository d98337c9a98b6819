"""What the new-video form offers: voices, preset portraits, models and every
render parameter with its type, range and default, from ``GET /v1/catalog``."""

from __future__ import annotations

from typing import Any

from api.web import public_api
from media.tts import language_name

#: how the form names the render parameters (the API's own names are shown in the help text)
LABELS = {
    "resolution": "Resolution (pixels)",
    "min_resolution": "Smallest usable face area (pixels)",
    "fps": "Frames per second",
    "duration": "Duration (seconds)",
    "inference_steps": "Inference steps",
    "dynamic_scale": "Mouth movement",
    "motion_scale": "Head motion",
    "expand_ratio": "Margin around the face",
    "lip_sync_correction": "Lip-sync correction",
    "smooth_motion": "Motion smoothing",
}


def _voice_choices(voices: list[dict]) -> list[dict]:
    """Voices as a person picks them: "Afrikaans — espeak:af", sorted by language name, the neural (Piper)
    voices first within a language (joe first for English); a voice with no language after the rest."""
    for v in voices:
        v["language_name"] = language_name(v["language"], region=True) if v.get("language") else None
        v["label"] = f"{v['language_name']} — {v['name']}" if v["language_name"] else v["name"]
    return sorted(
        voices,
        key=lambda v: (
            v["language_name"] is None,
            (v["language_name"] or "").split(" (")[0].casefold(),
            v.get("engine") != "piper",
            (v["language_name"] or "").casefold(),
            v["name"],
        ),
    )


def _names(items: Any) -> list[dict]:
    """Catalog entries as dicts with a `name`, whether the API lists dicts, names, or a name → entry map."""
    if isinstance(items, dict):
        return [{"name": k, **(v if isinstance(v, dict) else {})} for k, v in items.items()]
    return [item if isinstance(item, dict) else {"name": str(item)} for item in items or []]


def load_catalog() -> dict[str, Any]:
    raw = public_api.get("/v1/catalog")
    params = _names(raw.get("params") or raw.get("parameters"))
    for p in params:
        p.setdefault("type", "number")
        p["input_type"] = "checkbox" if p["type"] in ("boolean", "bool") else "number"
        p["label"] = LABELS.get(p["name"], p["name"].replace("_", " ").capitalize())
        p["step"] = p.get("multiple_of") or (1 if p["type"] in ("integer", "int") else "any")
    return {
        "voices": _voice_choices(_names(raw.get("voices"))),
        "presets": _names(raw.get("presets") or raw.get("portraits")),
        "models": _names(raw.get("models")),
        "params": params,
    }


def job_fields_from_form(form: dict[str, Any], catalog: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """What a job form asks for: the fields ``names`` that are filled in, the render params it sets,
    and ``draft`` when ticked; what is left empty is left out, for the API's defaults."""
    chosen: dict[str, Any] = {name: form[name] for name in names if form.get(name)}
    params = params_from_form(form, catalog)
    if params:
        chosen["params"] = params
    if form.get("draft"):
        chosen["draft"] = True
    return chosen


def params_from_form(form: dict[str, Any], catalog: dict[str, Any]) -> dict[str, Any]:
    """Render params the form sets (``params.<name>``); empty fields keep the default. Values go to
    the API as typed as the form can tell; the API refuses what is out of range, naming the field."""
    chosen: dict[str, Any] = {}
    for p in catalog["params"]:
        field = f"params.{p['name']}"
        if p["input_type"] == "checkbox":
            if f"{field}.present" in form:
                chosen[p["name"]] = field in form
            continue
        raw = (form.get(field) or "").strip()
        if not raw:
            continue
        try:
            chosen[p["name"]] = int(raw) if p["type"] in ("integer", "int") else float(raw)
        except ValueError:
            chosen[p["name"]] = raw  # the API names what is wrong with it
    return chosen
