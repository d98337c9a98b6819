"""Verify: upload a clip and learn whether this farm made it, and which of your jobs."""

from __future__ import annotations

from flask import render_template, request

from api.context import ctx
from api.web import public_api
from api.web.blueprint import page


@page.route("/verify", methods=["GET", "POST"])
def verify():
    errors, result = {}, None
    if request.method == "POST":
        result, error = public_api.forward_upload("/v1/verify", "Choose a clip to check.")
        if error:
            errors["file"] = error
    return render_template(
        "verify.html", title="Verify a clip", errors=errors, result=result, max_bytes=ctx().settings.max_asset_bytes
    ), 422 if errors else 200
