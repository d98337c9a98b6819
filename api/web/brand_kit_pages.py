"""Brand kits on the page: a tenant's kits listed, and one kit's form (new or
existing): name, default, colours, fonts, logo, lower-third place, watermark
text, and intro, outro and music files.

Files chosen in the form are uploaded first, each with its purpose (logo;
background videos for intro and outro; music; fonts), then the kit is sent
whole (POST, or PUT for an existing kit), so a refused kit leaves the form as
it was with the problem beside its field. Tenant keys manage their own
tenant's kits; an operator manages the kits of the tenant it signed in to
(the API's own rules).
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from api.web import public_api
from api.web.blueprint import page
from api.web.public_api import ApiRefused
from api.web.responses import field_errors
from domain.composition_rules import FONT_NAMES, IMAGE_ANCHORS, TEXT_POSITIONS

#: the kit's colours: (key, what it colours, the picker's colour until one is set, what a colour not set leaves).
#: A colour picker always sends a colour, so each has a "not set" box beside it, ticked until the producer
#: sets one: a kit stores only the colours set (a background stored would hide every portrait's own)
COLOURS = (
    ("primary", "Bars (lower thirds)", "#1d4ed8", "Not set: the farm's own"),
    ("secondary", "The spoken word in captions", "#facc15", "Not set: the farm's own"),
    ("text", "Letters", "#ffffff", "Not set: the farm's own"),
    ("background", "Background when a video gives none", "#1f2937", "Not set: the portrait's own, blurred"),
)
#: the kit's files: (form file field, the kit's field, asset purpose, what it is)
FILES = (
    ("logo_file", "logo_asset_id", "logo", "Logo"),
    ("intro_file", "intro_asset_id", "background", "Intro clip"),
    ("outro_file", "outro_asset_id", "background", "Outro clip"),
    ("music_file", "music", "music", "Music"),
    ("font_file", "fonts.body", "font", "Font for lower thirds and captions"),
)
FIELD_OF_CODE = {
    "font_invalid": "font_file",
    "font_unknown": "fonts.body",
    "asset_purpose_mismatch": "form",
    "brand_kit_invalid": "form",
    "brand_kit_not_found": "form",
}


def _kit_body(form: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """The kit as POST/PUT /v1/brand-kits takes it, from the form (and the kit's files as they were)."""
    current = current or {}
    body: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "default": bool(form.get("default")),
        "colors": {
            key: None if form.get(f"colors.{key}.unset") else form.get(f"colors.{key}") or None for key, *_ in COLOURS
        },
        "fonts": {"title": form.get("fonts.title") or None, "body": form.get("fonts.body") or None},
        "lower_third": {"position": form.get("lower_third.position") or None},
        "logo_asset_id": form.get("logo_asset_id") or current.get("logo_asset_id"),
        "logo": {"anchor": form.get("logo.anchor") or "top_right", "scale": float(form.get("logo.scale") or 0.15)},
        "intro_asset_id": form.get("intro_asset_id") or current.get("intro_asset_id"),
        "outro_asset_id": form.get("outro_asset_id") or current.get("outro_asset_id"),
    }
    music = form.get("music") or (current.get("music") or {}).get("asset_id")
    if music:
        body["music"] = {"asset_id": music}
    if (form.get("watermark.text") or "").strip():
        body["watermark"] = {"text": form["watermark.text"].strip()}
    return body


def kit_choices() -> list[dict[str, Any]]:
    """The tenant's kits for a "Brand kit" choice, the default first (as the API lists them; a tenant keeps at
    most 100)."""
    return list(public_api.get("/v1/brand-kits", limit=100).get("items", []))


def _upload_files(form: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each chosen file uploaded with its purpose; its asset id put in the form under the kit's field, and its
    name under ``<file field>.kept``: a browser cannot refill a file input, so a form that comes back refused
    carries the uploaded file's id instead, and says it is kept."""
    errors: dict[str, dict[str, str]] = {}
    for file_field, kit_field, purpose, _ in FILES:
        upload = request.files.get(file_field)
        if upload is None or not upload.filename:
            continue
        asset, error = public_api.forward_upload("/v1/assets", "", field=file_field, purpose=purpose)
        if error:
            errors[file_field] = error
            form.pop(f"{file_field}.kept", None)
        else:
            form[kit_field] = asset["id"]
            form[f"{file_field}.kept"] = upload.filename
    return errors


def _kit_page(kit: dict[str, Any] | None, form: dict[str, Any], errors: dict, status: int = 200):
    return render_template(
        "brand_kit.html",
        title=kit["name"] if kit else "New brand kit",
        kit=kit,
        form=form,
        errors=errors,
        colours=COLOURS,
        files=FILES,
        fonts=FONT_NAMES,
        anchors=IMAGE_ANCHORS,
        positions=TEXT_POSITIONS,
    ), status


def _form_of(kit: dict[str, Any]) -> dict[str, Any]:
    form = {
        "name": kit["name"],
        "default": kit.get("default"),
        "logo.anchor": (kit.get("logo") or {}).get("anchor"),
        "logo.scale": (kit.get("logo") or {}).get("scale"),
        "lower_third.position": (kit.get("lower_third") or {}).get("position"),
        "watermark.text": (kit.get("watermark") or {}).get("text") or "",
    }
    for key, _, shown, _ in COLOURS:
        colour = (kit.get("colors") or {}).get(key)
        form[f"colors.{key}"] = colour or shown
        if not colour:
            form[f"colors.{key}.unset"] = "on"
    for role in ("title", "body"):
        form[f"fonts.{role}"] = (kit.get("fonts") or {}).get(role)
    return form


@page.route("/brand-kits")
def brand_kits():
    listing = public_api.get("/v1/brand-kits", limit=50)
    return render_template("brand_kits.html", title="Brand kits", listing=listing)


@page.route("/brand-kits/new", methods=["GET", "POST"])
def new_brand_kit():
    if request.method == "GET":
        return _kit_page(None, _form_of({"name": ""}), {})
    return _save(None)


@page.route("/brand-kits/<kit_id>", methods=["GET", "POST"])
def brand_kit(kit_id):
    kit = public_api.get(f"/v1/brand-kits/{kit_id}")
    if request.method == "GET":
        return _kit_page(kit, _form_of(kit), {})
    return _save(kit)


def _save(kit: dict[str, Any] | None):
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    errors = _upload_files(form)
    if errors:
        return _kit_page(kit, form, errors, 422)
    try:
        body = _kit_body(form, kit)
    except ValueError:
        return _kit_page(
            kit,
            form,
            {"logo.scale": {"code": "validation_error", "message": "The logo's size is a number, like 0.15."}},
            422,
        )
    try:
        if kit is None:
            saved = public_api.post("/v1/brand-kits", body)
        else:
            saved = public_api.call("PUT", f"/v1/brand-kits/{kit['id']}", json=body).body
    except ApiRefused as refused:
        return _kit_page(kit, form, field_errors(refused, FIELD_OF_CODE, "form"), refused.status)
    return redirect(url_for("page.brand_kit", kit_id=saved["id"]), 303)


@page.route("/brand-kits/<kit_id>/delete", methods=["POST"])
def delete_brand_kit(kit_id):
    public_api.call("DELETE", f"/v1/brand-kits/{kit_id}")
    return redirect(url_for("page.brand_kits"), 303)
