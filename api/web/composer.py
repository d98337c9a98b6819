"""The composer's routes on the new-video page: the still preview that follows the
layout fields (POST /v1/previews, in-process), and the uploads of a background
picture, of music and of a logo (each with its asset purpose)."""

from __future__ import annotations

import base64

from flask import render_template, request

from api.web import public_api
from api.web.blueprint import page
from api.web.catalog import load_catalog
from api.web.compose_form import composition_fields, preview_at
from api.web.job_form import job_errors, job_request
from api.web.public_api import ApiRefused


@page.route("/jobs/new/preview", methods=["POST"])
def composer_preview():
    """htmx: the frame the composer's fields make, at the chosen moment (or why there is none)."""
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if not composition_fields(form):
        return render_template("fragments/preview.html", image=None, errors={})
    body = {**job_request(form, load_catalog()), "at_s": preview_at(form)}
    body.pop("draft", None)
    try:
        answer = public_api.call("POST", "/v1/previews", json=body)
    except ApiRefused as refused:
        return render_template("fragments/preview.html", image=None, errors=job_errors(refused, form, "preview"))
    image = base64.b64encode(answer.raw).decode("ascii")
    return render_template("fragments/preview.html", image=image, errors={})


@page.route("/jobs/new/background", methods=["POST"])
def upload_background():
    """htmx: upload a background picture; answer with it chosen, or why the farm cannot use it."""
    asset, error = public_api.forward_upload(
        "/v1/assets", "Choose a picture.", field="background_file", purpose="background"
    )
    if asset is not None and asset["kind"] != "image":
        asset, error = (
            None,
            {"code": "background_invalid", "message": "A background here is a picture (JPEG, PNG or WebP)."},
        )
    return render_template(
        "fragments/composer_upload.html", slot="background", asset=asset, errors={"background": error} if error else {}
    )


@page.route("/jobs/new/music", methods=["POST"])
def upload_music():
    """htmx: upload the music bed; answer with its length, or why the farm cannot use it. A choice emptied is no
    music, which a video may have: nothing to say."""
    chosen = request.files.get("music_file")
    if chosen is None or not chosen.filename:
        return render_template("fragments/composer_upload.html", slot="music", asset=None, errors={})
    asset, error = public_api.forward_upload("/v1/assets", "Choose a music file.", field="music_file", purpose="music")
    return render_template(
        "fragments/composer_upload.html", slot="music", asset=asset, errors={"music": error} if error else {}
    )


@page.route("/jobs/new/logo", methods=["POST"])
def upload_logo():
    """htmx: upload the logo; answer with its size, or why the farm cannot use it, in the API's words (a video is
    not a logo). A choice emptied is no logo of the video's own: the brand kit's, if it has one."""
    chosen = request.files.get("logo_file")
    if chosen is None or not chosen.filename:
        return render_template("fragments/composer_upload.html", slot="logo", asset=None, errors={})
    asset, error = public_api.forward_upload("/v1/assets", "Choose a logo file.", field="logo_file", purpose="logo")
    return render_template(
        "fragments/composer_upload.html", slot="logo", asset=asset, errors={"logo": error} if error else {}
    )
