"""The tenant's files on the page: what it uploaded (portraits, backgrounds, logos, music, narration, fonts),
newest first, by purpose, with the room they take of its quota, and a delete button for each. A delete the API
refuses (a job in flight, a brand kit or a template names the file) leaves the list as it was, with the API's
sentence, which names what uses it, above it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from api.web import public_api
from api.web.blueprint import page
from api.web.public_api import ApiRefused
from domain.asset_words import measure_words, size_words
from domain.composition_rules import ASSET_PURPOSES

#: the purposes as the page names them: (the filter's, a row's)
PURPOSE_NAMES = {
    "portrait": ("Portraits", "Portrait"),
    "background": ("Backgrounds", "Background"),
    "logo": ("Logos", "Logo"),
    "music": ("Music", "Music"),
    "narration": ("Narration", "Narration"),
    "font": ("Fonts", "Font"),
}


@page.route("/files")
def files():
    purpose = request.args.get("purpose") or None
    if purpose not in (None, *ASSET_PURPOSES):
        purpose = None
    listing = public_api.get("/v1/assets", purpose=purpose, cursor=request.args.get("cursor") or None, limit=50)
    return render_template(
        "files.html",
        title="Files",
        listing=listing,
        purpose=purpose,
        purposes=PURPOSE_NAMES,
        size_words=size_words,
        measure_words=measure_words,
    )


@page.route("/files/<asset_id>/delete", methods=["POST"])
def delete_file(asset_id):
    purpose = request.form.get("purpose") or None
    try:
        public_api.call("DELETE", f"/v1/assets/{asset_id}")
    except ApiRefused as refused:
        if refused.code == "asset_not_found":  # a second press of Delete, or another tab's
            flash("The file is already deleted.", "ok")
        elif refused.code == "asset_in_use":
            flash(refused.detail, "error")
        else:
            raise
    else:
        flash("The file is deleted.", "ok")
    return redirect(url_for("page.files", purpose=purpose) if purpose else url_for("page.files"), 303)
