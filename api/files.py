"""Signed download links for local storage, the one-machine twin of an S3
presigned URL (``/v1/files/<key>?expires=…&signature=…``)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from flask import request, send_file
from flask_smorest import Blueprint

from api.context import ctx
from domain.errors import ProblemError

blp = Blueprint("files", __name__, url_prefix="/v1/files", description="Signed downloads (local storage only)")


@blp.route("/<path:key>", methods=["GET"])
@blp.doc(
    security=[],
    parameters=[
        {"in": "query", "name": "expires", "required": True, "schema": {"type": "integer"}},
        {"in": "query", "name": "signature", "required": True, "schema": {"type": "string"}},
    ],
)
@blp.response(200, description="The file")
@blp.alt_response(403, response="Problem")
@blp.alt_response(404, response="Problem")
def download(key):
    """Serve a stored file through a signed, expiring link."""
    storage = ctx().storage
    if not storage.serves_downloads:
        raise ProblemError("not_found", "Downloads are served by the object store, not the API.", 404)
    try:
        expires = int(request.args.get("expires", ""))
    except ValueError:
        raise ProblemError("link_invalid", "The link is malformed.", 403) from None
    if not storage.verify(key, expires, request.args.get("signature", "")):
        raise ProblemError("link_expired", "The link is invalid or expired; ask the API for a fresh one.", 403)
    path = storage.local_path(key)
    if not path.is_file():
        raise ProblemError("not_found", "No such file.", 404)
    mimetype = mimetypes.guess_type(key)[0] or "application/octet-stream"
    # served from the page's origin: the browser must take the type as given (captions hold the tenant's
    # own text) and never render it as a document there; media may play inline, anything else downloads
    playable = mimetype.split("/")[0] in ("video", "audio", "image")
    response = send_file(
        path, mimetype=mimetype, conditional=True, as_attachment=not playable, download_name=PurePosixPath(key).name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if playable:
        response.headers["Content-Disposition"] = (
            response.headers.get("Content-Disposition") or f'inline; filename="{PurePosixPath(key).name}"'
        )
    return response
