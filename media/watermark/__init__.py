"""Watermarks and provenance for finished videos; callers import from here.

- ``InvisibleWatermark``: a keyed 64-bit payload in the luma, found again after
  re-encoding, scaling, cropping and cutting; ``watermark_key`` and
  ``tenant_code`` make its key and the tenant's part of the payload.
- ``VisibleWatermark``: a text or logo overlay in a corner.
- ``sign_mp4``: signed C2PA content credentials saying the video was made by a
  trained algorithm.
"""

from __future__ import annotations

from media.watermark.c2pa_manifest import sign_mp4
from media.watermark.invisible import InvisibleWatermark, Payload
from media.watermark.payload_keys import tenant_code, watermark_key
from media.watermark.visible import VisibleWatermark

__all__ = [
    "InvisibleWatermark",
    "Payload",
    "VisibleWatermark",
    "sign_mp4",
    "tenant_code",
    "watermark_key",
]
