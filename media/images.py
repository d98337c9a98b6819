"""What an uploaded picture is, read from its header alone, before any decode.

A PNG can declare 100,000 x 100,000 pixels in a few hundred bytes; Pillow
refuses those at open (``DecompressionBombError``) and would decode the
merely huge ones into gigabytes. A picture tens of thousands of pixels wide
and a few high holds no face and breaks the face detector's tiling. Both are
refused here with their own codes, from the size the header states.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image

from media.errors import MediaError
from media.render.face import MAX_PIXELS

log = logging.getLogger(__name__)

#: the longer side over the shorter; portraits are 1:1 to 9:16, banners 4:1
MAX_ASPECT_RATIO = 4.0
#: the shorter side, in pixels; the face detector needs room for a face
MIN_SIDE = 16


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int


def read_image_header(data: bytes) -> ImageHeader | None:
    """The format and size a picture's header states, or None when Pillow does
    not recognise the bytes as a picture at all (they may be audio). Nothing is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                return ImageHeader(probe.format or "", int(probe.width), int(probe.height))
    except Image.DecompressionBombError as exc:
        raise MediaError(
            "image_too_many_pixels", f"The picture declares too many pixels ({exc}); at most {MAX_PIXELS} are accepted."
        ) from None
    except Exception as exc:  # noqa: BLE001 — any plugin's failure on hostile bytes means "not a picture we read"
        log.debug("not a picture: %s: %s", type(exc).__name__, exc)
        return None


def check_image_size(header: ImageHeader) -> None:
    """Refuse, from the header alone, a picture too large, too small or too thin to decode and search for a face."""
    width, height = header.width, header.height
    if width * height > MAX_PIXELS:
        raise MediaError(
            "image_too_many_pixels",
            f"The picture is {width}x{height} pixels; at most {MAX_PIXELS} pixels are accepted.",
        )
    if min(width, height) < MIN_SIDE:
        raise MediaError(
            "image_too_small", f"The picture is {width}x{height} pixels; each side needs {MIN_SIDE} or more."
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise MediaError(
            "image_aspect_ratio",
            f"The picture is {width}x{height} pixels; its long side may be at most "
            f"{MAX_ASPECT_RATIO:g} times its short side.",
        )
