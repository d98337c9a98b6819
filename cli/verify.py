"""`talkfarm verify FILE` against the API: a file larger than the API takes is verified from its first frames.

The detector reads only a clip's first DETECT_MAX_FRAMES frames (media.watermark); a file over the API's
upload limit (``max_asset_bytes`` in GET /v1/catalog; a ProRes 4444 MOV of a second at 1080p is over it)
is cut to those frames on this machine and only they are sent, copied as they are when they fit, else
re-encoded at a quality the mark outlives. What was sent is said in the result's ``checked``, with what
it means for content credentials: verify reads the invisible watermark only, and a cut carries none of the
file's C2PA manifest.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from cli.client import ClientProblem, FarmClient
from media.errors import MediaError

#: what verify says of content credentials, whole file or cut
CREDENTIALS_NOT_CHECKED = (
    "not checked: verify reads the invisible watermark only; the file's C2PA credentials (MP4 and MOV "
    "embed them) are bound to its every byte, so they can be read only from the whole file, with a C2PA "
    "reader such as c2patool"
)


def verify_remote(client: FarmClient, video: Path) -> tuple[dict[str, Any], str | None]:
    """The API's answer for ``video``, and a sentence for people when only its first frames were sent."""
    size = video.stat().st_size
    limit = int(client.get("/v1/catalog").get("max_asset_bytes") or 0)
    if not limit or size <= limit:
        return client.verify(video), None
    from media.watermark import detection_sample

    with tempfile.TemporaryDirectory(prefix="talkfarm-verify-") as tmp:
        try:
            sample = detection_sample(video, Path(tmp), limit)
        except MediaError as exc:
            raise ClientProblem(0, exc.code, exc.detail) from None
        result = client.verify(sample.path)
        sent_bytes = sample.path.stat().st_size
    how = "copied as they are" if sample.how == "copied" else f"re-encoded as H.264 at CRF {sample.crf}"
    result["checked"] = {
        "whole_file": False,
        "file_bytes": size,
        "upload_limit_bytes": limit,
        "frames": sample.frames,
        "seconds": round(sample.seconds, 2),
        "sent": f"the first {sample.frames} frames ({sample.seconds:.2f} s), {how}",
        "sent_bytes": sent_bytes,
        "content_credentials": CREDENTIALS_NOT_CHECKED,
    }
    note = (
        f"{video.name} is {size} bytes, over the API's upload limit of {limit}: only its first "
        f"{sample.seconds:.2f} s ({sample.frames} frames, {how}) were sent, which is all the watermark "
        "detector reads of any clip. Its content credentials (C2PA) were not checked: they cover the whole "
        "file's bytes, which a cut does not carry."
    )
    return result, note
