"""Watermarks and provenance for finished videos.

- ``invisible``: a keyed 64-bit payload in the luma, found again after
  re-encoding, scaling, cropping and cutting (``InvisibleWatermark``).
- ``visible``: a text or logo overlay in a corner (``VisibleWatermark``).
- ``c2pa_manifest``: signed C2PA content credentials saying the video was
  made by a trained algorithm (``sign_mp4``, ``read_manifest``).
"""
