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

An upload over the limit is ``asset_too_large`` whatever its size, in words
that say what to do: the detector reads only the first DETECT_MAX_FRAMES
frames, so the first seconds are all a caller need send (``talkfarm verify``
cuts them itself). A body whose Content-Length is over the limit is refused
before a byte of it is read; one without (chunked) is read up to the limit and
no further, and the server's own body cap (werkzeug's RequestEntityTooLarge)
answers the same. An accepted clip is copied to disk in chunks, never held in
memory whole.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path

import av
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.context import ctx
from api.request_bounds import upload_limit
from api.schemas import AssetUploadSchema
from domain.errors import ProblemError
from media.errors import MediaError
from media.watermark import DETECT_MAX_FRAMES
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

#: chunks an accepted clip is copied to disk in
COPY_CHUNK_BYTES = 1024 * 1024

blp = Blueprint("verify", __name__, url_prefix="/v1/verify", description="Provenance")


def clip_too_large(limit: int, size: int | None = None) -> ProblemError:
    """The one refusal of an over-large clip (413 ``asset_too_large``), saying what to send instead."""
    sent = f"this upload is {size} bytes" if size else "this upload is larger"
    return ProblemError(
        "asset_too_large",
        f"Clips may be at most {limit} bytes; {sent}. The watermark is read from a clip's first "
        f"{DETECT_MAX_FRAMES} frames only (4 s at 25 fps), so send those: `talkfarm verify FILE` cuts them "
        f"from a larger file itself, or cut them with `ffmpeg -i FILE -frames:v {DETECT_MAX_FRAMES} -c copy "
        f"first.mov` (re-encoded with `-c:v libx264 -crf 14` instead of `-c copy` if that is still too large).",
        413,
    )


# a body declared larger than any clip, or met over the server's cap, is refused as any clip too large
blp.record_once(
    lambda state: upload_limit(
        state.app,
        "verify.verify",
        lambda: ctx().settings.max_asset_bytes,
        lambda size: clip_too_large(ctx().settings.max_asset_bytes, size),
    )
)


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
        limit = c.settings.max_asset_bytes
        with open(path, "wb") as out:
            shutil.copyfileobj(_at_most(upload.stream, limit + 1), out, COPY_CHUNK_BYTES)
        size = path.stat().st_size
        if size > limit:
            raise clip_too_large(limit)
        if not size:
            raise ProblemError("asset_empty", "The uploaded file is empty.", 422)
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


class _at_most:
    """A stream's first ``limit`` bytes, read in chunks (the copy stops there, whatever the upload holds)."""

    def __init__(self, stream, limit: int):
        self.stream, self.left = stream, limit

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        chunk = self.stream.read(self.left if size < 0 else min(size, self.left))
        self.left -= len(chunk)
        return chunk
