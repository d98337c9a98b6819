"""`talkfarm verify FILE` against the API: a file larger than the API takes is verified from its first frames,
and the file's content credentials are read here, from the whole file.

The detector reads only a clip's first DETECT_MAX_FRAMES frames (media.watermark); a file over the API's
upload limit (``max_asset_bytes`` in GET /v1/catalog; a ProRes 4444 MOV of a second at 1080p is over it)
is cut to those frames on this machine and only they are sent, copied as they are when they fit, else
re-encoded at a quality the mark outlives. What was sent is said in the result's ``checked``.

The API reads the invisible watermark only; the C2PA credentials are bound to every byte of the file (an MP4 or
MOV embeds them, a WebM has them in a ``.c2pa`` file beside it), so ``credentials`` reads them on this machine
from the whole file, whatever its size.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from cli.client import ClientProblem, FarmClient
from media.errors import MediaError

#: a file's type for the C2PA reader, by its extension
CREDENTIAL_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}


def credentials(video: Path, sidecar: Path | None = None, trust_anchors: Path | None = None) -> dict[str, Any]:
    """What ``video``'s content credentials say, read here from the whole file: ``present``, ``signature_valid``
    (signed, and not a byte changed since), ``trusted`` (the signer chains to ``trust_anchors``; None when none
    were given), ``validation_state``, ``failures``, ``signer`` (its common name), ``digital_source_type`` (the IPTC term saying
    the content was made by AI), ``generation`` (the job, tenant,
    model and voice the farm signed) and ``read_from``. A WebM's are read from ``sidecar``, by default the
    ``.c2pa`` file beside it (``x.webm.c2pa``, as ``talkfarm submit --output`` saves it)."""
    from media.watermark import read_manifest

    mime = CREDENTIAL_TYPES.get(video.suffix.lower())
    if mime is None:
        return {
            "present": None,
            "why": f"not read: {video.suffix or 'a file without an extension'} is not an MP4, "
            "MOV or WebM, the files the farm signs",
        }
    if mime == "video/webm" and sidecar is None:
        sidecar = video.with_name(video.name + ".c2pa")
        if not sidecar.is_file():
            return {
                "present": False,
                "why": f"a WebM carries its credentials in a file beside it, and {sidecar.name} is not there: "
                "give it with --credentials (the job's output.files.content_credentials)",
            }
    anchors = trust_anchors.read_bytes() if trust_anchors is not None else None
    manifest = read_manifest(video, trust_anchors_pem=anchors, sidecar=sidecar, mime=mime)
    if not manifest.get("present"):
        return {"present": False, "read_from": str(sidecar or video)}
    return {
        "present": True,
        "signature_valid": manifest["signature_valid"],
        "trusted": manifest["trusted"] if anchors is not None else None,
        "validation_state": manifest["validation_state"],
        # without anchors the signer is not judged, so "untrusted" is no failure of the file's
        "failures": [f for f in manifest["failures"] if anchors is not None or f != "signingCredential.untrusted"],
        "signer": (manifest.get("signer") or {}).get("common_name"),
        # the standard's word that the picture was made by AI (IPTC trainedAlgorithmicMedia), for a fact-checker
        "digital_source_type": manifest.get("digital_source_type"),
        "generation": manifest.get("generation"),
        "read_from": str(sidecar or video),
    }


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
    }
    note = (
        f"{video.name} is {size} bytes, over the API's upload limit of {limit}: only its first "
        f"{sample.seconds:.2f} s ({sample.frames} frames, {how}) were sent, which is all the watermark "
        "detector reads of any clip. Its content credentials (C2PA) were read here, from the whole file."
    )
    return result, note
