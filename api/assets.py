"""/v1/assets: portraits and narration. Inspected before anything is stored:
a file we cannot use is refused with a code, and leaves nothing behind."""

from __future__ import annotations

import hashlib
import io

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import ctx
from api.ownership import owned
from api.schemas import AssetSchema, AssetUploadSchema
from domain.documents import asset_document
from domain.errors import ProblemError
from domain.ids import new_id
from domain.models import Asset
from media.images import check_image_size, read_image_header
from media.render.face import analyze_portrait
from media.tts.audio_input import probe_audio
from media.tts.narration_check import check_narration

blp = Blueprint("assets", __name__, url_prefix="/v1/assets", description="Portraits and audio")

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _inspect(data: bytes) -> tuple[str, str, dict]:
    """(kind, content_type, info) or a 422 naming what is wrong."""

    header = read_image_header(data)  # raises image_too_many_pixels for a declared bomb
    if header is not None:
        fmt = header.format
        if fmt not in IMAGE_TYPES:
            raise ProblemError("asset_unsupported_type", f"{fmt} images are not accepted; send JPEG, PNG or WebP.", 415)
        check_image_size(header)  # before any decode: too many pixels, too small, too thin

        info = analyze_portrait(data).to_dict()  # raises avatar_unreadable / avatar_no_face
        return "image", IMAGE_TYPES[fmt], info

    duration_s = probe_audio(data)  # raises asset_unreadable for anything else
    settings = ctx().settings
    if duration_s > settings.max_audio_s:
        raise ProblemError("audio_too_long", f"The audio lasts {duration_s:.0f} s; the limit is {settings.max_audio_s:.0f} s.", 422)
    if duration_s < 0.2:
        raise ProblemError("audio_too_short", "The audio is shorter than 0.2 s.", 422)

    check_narration(data)  # the worker's decode of the first seconds: refused now, not as a failed job later
    return "audio", _audio_content_type(data), {"duration_s": round(duration_s, 3)}


#: container format (as FFmpeg names it) -> content type
AUDIO_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "flac": "audio/flac",
               "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4", "matroska,webm": "audio/webm", "aac": "audio/aac"}


def _audio_content_type(data: bytes) -> str:
    import av

    with av.open(io.BytesIO(data)) as container:
        return AUDIO_TYPES.get(container.format.name, "application/octet-stream")


@blp.route("")
class Assets(MethodView):
    @blp.arguments(AssetUploadSchema, location="files")
    @blp.response(201, AssetSchema)
    @blp.alt_response(413, response="Problem")
    @blp.alt_response(415, response="Problem")
    @blp.alt_response(422, response="Problem")
    def post(self, files):
        """Upload a portrait (JPEG/PNG/WebP with one visible face) or narration audio."""
        c = ctx()
        upload = files["file"]
        data = upload.read(c.settings.max_asset_bytes + 1)
        if len(data) > c.settings.max_asset_bytes:
            raise ProblemError("asset_too_large", f"Assets may be at most {c.settings.max_asset_bytes} bytes.", 413)
        if not data:
            raise ProblemError("asset_empty", "The uploaded file is empty.", 422)
        kind, content_type, info = _inspect(data)
        asset_id = new_id("ast")
        key = f"assets/{g.tenant_id}/{asset_id}"
        c.storage.put_bytes(key, data, content_type)
        asset = Asset(id=asset_id, tenant_id=g.tenant_id, kind=kind, content_type=content_type, bytes=len(data),
                      sha256=hashlib.sha256(data).hexdigest(), storage_key=key, info=info)
        try:
            with c.sessions() as session, session.begin():
                session.add(asset)
        except Exception:
            c.storage.delete(key)  # leave nothing half-written behind
            raise
        return asset_document(asset)


@blp.route("/<asset_id>")
class AssetById(MethodView):
    @blp.response(200, AssetSchema)
    @blp.alt_response(404, response="Problem")
    def get(self, asset_id):
        """An asset's metadata."""
        with ctx().sessions() as session:
            return asset_document(owned(session, Asset, asset_id))
