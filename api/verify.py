"""POST /v1/verify: does a clip carry our invisible watermark, and is it the caller's job."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.assets import AssetUploadSchema
from api.context import ctx
from domain.errors import ProblemError

blp = Blueprint("verify", __name__, url_prefix="/v1/verify", description="Provenance")


class VerifySchema(Schema):
    found = fields.Boolean(metadata={"description": "A talkfarm watermark was read from the clip."})
    confidence = fields.Float()
    ours = fields.Boolean(metadata={"description": "The payload names a job made by this farm."})
    your_job = fields.Boolean(metadata={"description": "The job is the caller's own."})
    job_id = fields.String(allow_none=True, metadata={"description": "Only for the caller's own jobs."})
    created_at = fields.String(allow_none=True)


@blp.route("", methods=["POST"])
@blp.arguments(AssetUploadSchema, location="files")
@blp.response(200, VerifySchema)
@blp.alt_response(413, response="Problem")
@blp.alt_response(422, response="Problem")
def verify(files):
    """Upload a clip (any format FFmpeg reads); learn whether it is ours and, if it is yours, which job made it."""
    from workers.provenance import verify_file

    c = ctx()
    upload = files["file"]
    with tempfile.TemporaryDirectory(prefix="talkfarm-verify-") as tmp:
        path = Path(tmp) / "clip"
        data = upload.read(c.settings.max_asset_bytes + 1)
        if len(data) > c.settings.max_asset_bytes:
            raise ProblemError("asset_too_large", f"Clips may be at most {c.settings.max_asset_bytes} bytes.", 413)
        if not data:
            raise ProblemError("asset_empty", "The uploaded file is empty.", 422)
        path.write_bytes(data)
        return verify_file(c.settings, c.sessions, path, tenant_id=g.tenant_id)
