"""POST /v1/verify: does a clip carry our invisible watermark, and is it the caller's job.

Verification runs here, in the API process, as bounded work rather than as a
worker job: the caller is waiting for a yes or no, and the detector's cost has
a ceiling by construction (media/watermark/invisible.py: at most
DETECT_MAX_FRAMES frames, streamed, each area-averaged to DETECT_MAX_SIDE
pixels; about 330 MiB peak RSS whatever the clip, benchmarks/verify_memory.py).
What would break that ceiling is refused up front: uploads over
TALKFARM_MAX_ASSET_BYTES and frames over DETECT_MAX_FRAME_PIXELS (4096²) are a
413, and at most VERIFY_SLOTS verifications run at once in a process (more
are a 429 with Retry-After), so N callers cannot stack N ceilings.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

import av
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.context import ctx
from api.schemas import AssetUploadSchema
from domain.errors import ProblemError
from media.errors import MediaError
from workers.provenance import verify_file

log = logging.getLogger(__name__)

#: what a caller is told of a clip FFmpeg cannot open; FFmpeg's reason (which names the server's copy of the clip)
#: goes to the log
CLIP_UNREADABLE = (
    "The clip does not open as a video: it is cut short, damaged or not a video file. "
    "Send the MP4, MOV or WebM file as it was downloaded."
)
#: verifications one API process runs at once; each holds up to the detector's memory ceiling
VERIFY_SLOTS = 2
_slots = threading.BoundedSemaphore(VERIFY_SLOTS)

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
@blp.alt_response(429, response="Problem")
def verify(files):
    """Upload a clip (any format FFmpeg reads); learn whether it is ours and, if it is yours, which job made it."""

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
        del data
        if not _slots.acquire(blocking=False):
            raise ProblemError(
                "verify_busy",
                f"{VERIFY_SLOTS} clips are being verified on this server; try again shortly.",
                429,
                headers={"Retry-After": "5"},
            )
        try:
            return verify_file(c.settings, c.sessions, path, tenant_id=g.tenant_id)
        except MediaError as exc:
            if exc.code == "clip_too_large":
                raise ProblemError(exc.code, exc.detail, 413) from None
            if isinstance(exc.__cause__, av.FFmpegError):
                log.warning("%s: %s", exc.code, exc.detail)
                raise ProblemError(exc.code, CLIP_UNREADABLE, 422) from None
            raise
        finally:
            _slots.release()
