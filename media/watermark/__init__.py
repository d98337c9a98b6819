"""Watermarks and provenance for finished videos; callers import from here.

- ``InvisibleWatermark``: a keyed 64-bit payload in the luma, found again after
  re-encoding, scaling, cropping and cutting; ``watermark_key`` and
  ``tenant_code`` make its key and the tenant's part of the payload.
- ``VisibleWatermark``: a text or logo overlay in a corner.
- ``sign_mp4``: signed C2PA content credentials saying the video was made by a
  trained algorithm; ``sign_sidecar`` the same beside a WebM, as a ``.c2pa``
  manifest store bound to the video's bytes (``MANIFEST_STORE`` its type).
- ``detection_sample``: a clip's first frames, all the detector reads, in a file small enough to upload
  (for verifying a file larger than the API takes).
"""

from __future__ import annotations

from media.watermark.c2pa_manifest import MANIFEST_STORE, read_manifest, sign_mp4, sign_sidecar
from media.watermark.invisible import DETECT_MAX_FRAMES, InvisibleWatermark, Payload
from media.watermark.payload_keys import tenant_code, watermark_key
from media.watermark.sample import Sample, detection_sample
from media.watermark.visible import VisibleWatermark

__all__ = [
    "DETECT_MAX_FRAMES",
    "MANIFEST_STORE",
    "InvisibleWatermark",
    "Payload",
    "Sample",
    "VisibleWatermark",
    "detection_sample",
    "read_manifest",
    "sign_mp4",
    "sign_sidecar",
    "tenant_code",
    "watermark_key",
]
