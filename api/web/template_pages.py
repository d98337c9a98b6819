"""Templates on the page: save the composer's design as one, list them, see a
template with its versions, edit it (a new version), render one video from
it, download the CSV header to fill, and start a batch from the filled CSV.

"Save as template" turns the new-video form into a template body through the
same ``job_request`` the Submit button uses, then makes the parts a row
changes into variables: the script (``script``), the lower third's text
(``headline``) and the voice (``voice``), as the person ticks them. Every
action is the public API's (/v1/templates, /v1/batches), called in-process.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any

from flask import redirect, render_template, request, send_file, url_for

from api.web import public_api
from api.web.batches import _row_problems
from api.web.blueprint import page
from api.web.brand_kit_pages import kit_choices
from api.web.catalog import load_catalog
from api.web.job_form import job_request
from api.web.jobs import render_new_job
from api.web.messages import sentence
from api.web.public_api import ApiRefused
from api.web.responses import field_errors
from api.web.template_values import value_errors

#: the parts of a design a row may change, as (form checkbox, variable, type, label)
ROW_PARTS = (
    ("vary_script", "script", "text", "Script"),
    ("vary_headline", "headline", "text", "Headline"),
    ("vary_voice", "voice", "voice", "Voice"),
)
#: characters a file name may not hold somewhere (Windows' reserved ones, path separators, control characters)
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
#: the template forms' fields each of the API's codes concerns
FIELD_OF_CODE = {
    "template_invalid": "body",
    "template_variable_unknown": "variables",
    "template_variable_unused": "variables",
    "template_too_large": "body",
    "template_not_found": "form",
    "variable_missing": "variables",
    "variable_unknown": "variables",
    "variable_type": "variables",
    "asset_purpose_mismatch": "variables",
    "text_overflow": "variables",
    "voice_unknown": "variables",
    "batch_file_missing": "file",
    "batch_unreadable": "file",
    "batch_empty": "file",
    "batch_too_large": "file",
    "payload_too_large": "file",
}


def template_from_form(form: dict[str, Any], catalog: dict) -> dict[str, Any]:
    """POST /v1/templates's body for the new-video form and the parts ticked to vary by row."""
    body = job_request(form, catalog)
    body.pop("draft", None)
    body.pop("title", None)
    brand_kit_id = body.pop("brand_kit_id", None)  # the template's own field: each video it makes follows the kit
    variables: list[dict[str, Any]] = []
    if form.get("vary_script") and body.get("script") is not None:
        variables.append({"name": "script", "type": "text", "required": True, "label": "Script"})
        body["script"] = "{{script}}"
    # the headline is the lower third's text (the title and the logo stay as designed)
    headline = next((o for o in body.get("overlays") or [] if o.get("role") == "lower_third"), None)
    if form.get("vary_headline") and headline is not None:
        variables.append(
            {"name": "headline", "type": "text", "required": True, "label": "Headline", "default": headline["text"]}
        )
        headline["text"] = "{{headline}}"
    if form.get("vary_voice") and body.get("audio_asset_id") is None:
        # a voice chosen is the default; "the default voice for the script's language" pins none, so a row
        # that leaves it empty gets the voice for its own script's language
        chosen = {"default": body["voice"]} if body.get("voice") else {}
        variables.append({"name": "voice", "type": "voice", "required": False, "label": "Voice", **chosen})
        body["voice"] = "{{voice}}"
    name = (form.get("template_name") or "").strip()
    return {
        "name": name,
        "description": (form.get("template_description") or "").strip() or None,
        "body": body,
        "variables": variables,
        "brand_kit_id": brand_kit_id,
    }


@page.route("/templates/save", methods=["POST"])
def save_template():
    """From the composer: the design as a template; on to its page, or back to the form with why not."""
    catalog = load_catalog()
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        saved = public_api.post("/v1/templates", template_from_form(form, catalog))
    except ApiRefused as refused:
        field = "template_name" if refused.errors and "name" in (refused.errors or {}) else "template"
        return render_new_job(form, {field: field_errors(refused, {}, field).popitem()[1]}, catalog)
    return redirect(url_for("page.template", template_id=saved["id"]), 303)


@page.route("/templates")
def templates():
    listing = public_api.get("/v1/templates", cursor=request.args.get("cursor") or None, limit=50)
    return render_template("templates.html", title="Templates", listing=listing)


def _template_page(
    template_id: str,
    errors: dict | None = None,
    rows: list | None = None,
    status: int = 200,
    form: dict | None = None,
    typed: dict | None = None,
    version: int | None = None,
    batch_form: dict | None = None,
):
    """The template's page; ``typed``: the "Make one video" form as sent, shown again (else the defaults);
    ``batch_form``: the spreadsheet's form as sent ("Drafts first" stays as it was; else ticked, as a single
    video's "Draft first" is)."""
    version = version or request.args.get("version", type=int)
    found = public_api.get(f"/v1/templates/{template_id}", version=version)
    versions = public_api.get(f"/v1/templates/{template_id}/versions").get("items", [])
    edit = form or {
        "name": found["name"],
        "description": found.get("description") or "",
        "body": json.dumps(found["body"], indent=2, ensure_ascii=False),
        "variables": json.dumps(found["variables"], indent=2, ensure_ascii=False),
    }
    return render_template(
        "template.html",
        title=f"Template {found['name']}",
        template=found,
        versions=versions,
        errors=errors or {},
        rows=rows or [],
        edit=edit,
        typed=typed,
        catalog=load_catalog(),
        kits=kit_choices(),
        batch_form=batch_form if batch_form is not None else {"draft": "on"},
    ), status


@page.route("/templates/<template_id>")
def template(template_id):
    return _template_page(template_id)


@page.route("/templates/<template_id>/edit", methods=["POST"])
def edit_template(template_id):
    """A new version from the edit form's name, description, body and variables (JSON)."""
    form = {k: request.form.get(k, "") for k in ("name", "description", "body", "variables")}
    try:
        body, variables = json.loads(form["body"]), json.loads(form["variables"])
    except ValueError as exc:
        message = f"The body and the variables are JSON; this is not: {exc}."
        return _template_page(
            template_id, {"body": {"code": "json_invalid", "message": message}}, status=422, form=form
        )
    current = public_api.get(f"/v1/templates/{template_id}")
    try:
        public_api.call(
            "PUT",
            f"/v1/templates/{template_id}",
            json={
                "name": form["name"],
                "description": form["description"] or None,
                "body": body,
                "variables": variables,
                **({"brand_kit_id": current["brand_kit_id"]} if current.get("brand_kit_id") else {}),
            },
        )
    except ApiRefused as refused:
        return _template_page(
            template_id, field_errors(refused, FIELD_OF_CODE, "body"), status=refused.status, form=form
        )
    return redirect(url_for("page.template", template_id=template_id), 303)


@page.route("/templates/<template_id>/brand-kit", methods=["POST"])
def change_template_kit(template_id):
    """The kit the template's videos follow (a new version); none chosen: the tenant's default when each video
    is made."""
    current = public_api.get(f"/v1/templates/{template_id}")
    try:
        public_api.call(
            "PUT",
            f"/v1/templates/{template_id}",
            json={
                **{k: current[k] for k in ("name", "description", "body", "variables")},
                "brand_kit_id": request.form.get("brand_kit_id") or None,
            },
        )
    except ApiRefused as refused:
        return _template_page(template_id, field_errors(refused, {}, "brand_kit_id"), status=refused.status)
    return redirect(url_for("page.template", template_id=template_id), 303)


@page.route("/templates/<template_id>/csv")
def template_csv(template_id):
    """The header row to fill in a spreadsheet, as a download."""
    answer = public_api.raw_get(f"/v1/templates/{template_id}/csv")
    if answer.status_code != 200:
        raise ApiRefused(answer.status_code, "template_not_found", "No template with that id.")
    name = public_api.get(f"/v1/templates/{template_id}")["name"]
    return send_file(
        io.BytesIO(answer.get_data()),
        mimetype="text/csv; charset=utf-8",
        as_attachment=True,
        download_name=f"{csv_file_stem(name) or template_id}.csv",
    )


def csv_file_stem(name: str) -> str:
    """A template's name as a file's: what no file system or browser takes (slashes, quotes, colons, control
    characters…) becomes a hyphen, spaces are kept, at most 100 characters. Flask sends a name that is not
    ASCII both ways (``filename*=UTF-8''…`` and an ASCII ``filename``)."""
    cleaned = _UNSAFE_IN_FILE_NAMES.sub("-", unicodedata.normalize("NFC", name))
    return " ".join(cleaned.split()).strip(" .-")[:100].strip(" .-")


@page.route("/templates/<template_id>/render", methods=["POST"])
def render_from_template(template_id):
    """One video from the template with the values typed in its form; refused, the form comes back as typed,
    the reason beside the value it concerns."""
    typed = {k: v for k, v in request.form.items() if k != "csrf_token"}
    version = request.form.get("version", type=int)
    body: dict[str, Any] = {
        # a value left empty: the variable's default
        "variables": {k[len("var.") :]: v for k, v in typed.items() if k.startswith("var.") and v.strip()},
        "draft": bool(request.form.get("draft")),
    }
    if version:
        body["version"] = version
    try:
        job = public_api.post(f"/v1/templates/{template_id}/jobs", body)
    except ApiRefused as refused:
        template = public_api.get(f"/v1/templates/{template_id}", version=version)
        return _template_page(
            template_id, value_errors(refused, template), status=refused.status, typed=typed, version=version
        )
    return redirect(url_for("page.job", job_id=job["id"]), 303)


@page.route("/templates/<template_id>/batch", methods=["POST"])
def batch_from_template(template_id):
    """A batch from the filled CSV: every row checked first; the problems by row, or on to the batch."""
    upload = request.files.get("file")
    sent = {"draft": request.form.get("draft")}
    if upload is None or not upload.filename:
        return _template_page(
            template_id,
            {"file": {"code": "batch_file_missing", "message": "Choose the filled spreadsheet (CSV) to upload."}},
            status=422,
            batch_form=sent,
        )
    data: dict[str, Any] = {"file": (upload.stream, upload.filename, upload.mimetype), "template_id": template_id}
    if request.form.get("draft"):
        data["defaults"] = json.dumps({"draft": True})
    try:
        batch = public_api.call("POST", "/v1/batches", data=data).body
    except ApiRefused as refused:
        if refused.code == "batch_invalid":
            message = sentence(refused.code, "file", refused.detail)
            return _template_page(
                template_id,
                {"file": {"code": refused.code, "message": message}},
                rows=_row_problems(refused.errors),
                status=422,
                batch_form=sent,
            )
        return _template_page(
            template_id, field_errors(refused, FIELD_OF_CODE, "file"), status=refused.status, batch_form=sent
        )
    return redirect(url_for("page.batch", batch_id=batch["id"]), 303)


@page.route("/templates/<template_id>/delete", methods=["POST"])
def delete_template(template_id):
    public_api.call("DELETE", f"/v1/templates/{template_id}")
    return redirect(url_for("page.templates"), 303)
