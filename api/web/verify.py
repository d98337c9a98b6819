"""Verify: upload a clip and learn whether this farm made it, and which of your jobs."""

from __future__ import annotations

from flask import render_template, request

from api.context import ctx
from api.web import public_api
from api.web.blueprint import page
from api.web.public_api import ApiRefused


@page.route("/verify", methods=["GET", "POST"])
def verify():
    errors, result = {}, None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            errors["file"] = {"code": "asset_empty", "message": "Choose a clip to check."}
        else:
            try:
                result = public_api.call("POST", "/v1/verify", data={
                    "file": (upload.stream, upload.filename, upload.mimetype)}).body
            except ApiRefused as refused:
                errors["file"] = {"code": refused.code, "message": refused.detail}
    return render_template("verify.html", title="Verify a clip", errors=errors, result=result,
                           max_bytes=ctx().settings.max_asset_bytes), 422 if errors else 200
