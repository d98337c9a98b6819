"""Framing: which square of the photo becomes the output frame.

The output is a square around the face with ``expand_ratio`` face sizes of
margin on each side, scaled to ``resolution``. It never shows pixels the photo
does not have: near an edge the square slides inward, and a photo with less
room than asked for gets a smaller margin. The frame is cut from a slightly
larger *canvas* so that head motion can sample past its edges.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image

from media.errors import AvatarError
from media.render.face import PortraitInfo

#: a Framing's to_canvas: photo pixel coordinates (…, 2) to canvas pixel coordinates
ToCanvas = Callable[[ArrayLike], NDArray[np.float64]]

#: canvas border, as a share of the resolution, that head motion may reveal
MOTION_MARGIN = 0.03
#: the frame centre sits this many face sizes below the face centre: room
#: under the chin (where the jaw moves) reads better than room over the hair
FACE_DROP = 0.05


@dataclass(frozen=True)
class Framing:
    resolution: int
    margin: int  # canvas pixels on each side of the output frame
    left: float  # the output frame's square in photo pixels
    top: float
    side: float

    @property
    def scale(self) -> float:
        """Output pixels per photo pixel."""
        return self.resolution / self.side

    @property
    def canvas_side(self) -> int:
        return self.resolution + 2 * self.margin

    def to_canvas(self, points: ArrayLike) -> NDArray[np.float64]:
        """Photo pixel coordinates (…, 2) to canvas pixel coordinates."""
        pts = np.asarray(points, dtype=np.float64)
        canvas_points: NDArray[np.float64] = (pts - (self.left, self.top)) * self.scale + self.margin
        return canvas_points


def frame_portrait(info: PortraitInfo, resolution: int, expand_ratio: float, min_resolution: int) -> Framing:
    """The framing for these params; ``AvatarError('avatar_too_small')`` if the
    square of the photo that becomes the frame is under ``min_resolution``."""
    x0, y0, x1, y1 = info.face_box
    face = info.face_size
    wanted = face * (1.0 + 2.0 * expand_ratio)
    side = min(wanted, float(info.width), float(info.height))
    if side < min_resolution:
        raise AvatarError(
            "avatar_too_small",
            f"the face's frame is {side:.0f} px wide in the photo; min_resolution asks for at least {min_resolution} px",
        )
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 + FACE_DROP * face
    left = min(max(cx - side / 2, 0.0), info.width - side)
    top = min(max(cy - side / 2, 0.0), info.height - side)
    margin = math.ceil(MOTION_MARGIN * resolution)
    return Framing(resolution=resolution, margin=margin, left=left, top=top, side=side)


def render_canvas(rgb: np.ndarray, framing: Framing) -> np.ndarray:
    """The framed photo with its motion margin, uint8 (canvas_side, canvas_side, 3)."""
    pad_photo = framing.margin / framing.scale
    box = (
        framing.left - pad_photo,
        framing.top - pad_photo,
        framing.left + framing.side + pad_photo,
        framing.top + framing.side + pad_photo,
    )
    return photo_region(rgb, box, (framing.canvas_side, framing.canvas_side))


def photo_region(image: np.ndarray, box: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    """The photo's ``box`` (left, top, right, bottom in photo pixels, fractions allowed) resampled to ``size``
    (width, height) by Lanczos, repeating edge pixels where the box runs past the photo. The renderer's square and
    a cut-out presenter's body are both cut this way, so they agree where they meet. (H, W) or (H, W, C) uint8."""
    # Cut a little more than the box (whole pixels), then resample exactly the box.
    ix0, iy0 = math.floor(box[0]) - 2, math.floor(box[1]) - 2
    ix1, iy1 = math.ceil(box[2]) + 2, math.ceil(box[3]) + 2
    height, width = image.shape[:2]
    region = image[max(iy0, 0) : min(iy1, height), max(ix0, 0) : min(ix1, width)]
    pads = ((max(0, -iy0), max(0, iy1 - height)), (max(0, -ix0), max(0, ix1 - width)), (0, 0))[: image.ndim]
    if any(p for pair in pads[:2] for p in pair):
        region = np.pad(region, pads, mode="edge")
    resized = Image.fromarray(np.ascontiguousarray(region)).resize(
        size,
        Image.Resampling.LANCZOS,
        box=(box[0] - ix0, box[1] - iy0, box[2] - ix0, box[3] - iy0),
    )
    return np.ascontiguousarray(np.asarray(resized))
