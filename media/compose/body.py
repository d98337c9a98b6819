"""A cut-out presenter's body: the rest of the photo's person, around and below the rendered square.

The renderer draws a square around the face (the presenter's box). Cut out on
a 16:9 canvas that square alone would end at the shoulders, so the rest of the
matted person (shoulders wider than the square, the body below it down to the
canvas's or the photo's bottom) is drawn from the still photo, at the same
photo-to-canvas scale and alignment as the square, under it. The body is still:
the renderer keeps the square's edges still too (``NeckTaper``), so the two
meet without a step while the head sways on its neck.

Inside the square only the rendered frame shows: the body has a hole there,
and the two are blended only across a thin band at the square's edges, so no
still copy of the head shows beside the moving one. Where the photo ends inside
the canvas (a photo cropped at the chest, above the canvas's bottom) the
person fades out instead of stopping at a straight line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from media.compose.layout import PresenterBox
from media.render.framing import photo_region

#: where the photo ends inside the canvas, the person fades out over this share of the box's side: at the bottom
#: (a chest cut by the photo's edge), and at the other edges
BOTTOM_FADE, SIDE_FADE = 0.22, 0.08
#: the band inside the square's edges over which the rendered square hands over to the still body
SEAM_BAND = 0.04


@dataclass(frozen=True)
class PhotoPerson:
    """The portrait as the renderer frames it: the photo, its matte and the renderer's square in photo pixels."""

    rgb: np.ndarray  # uint8 (H, W, 3)
    matte: np.ndarray  # uint8 (H, W): 255 on the person
    square: tuple[float, float, float]  # left, top, side (a Framing's)


@dataclass(frozen=True)
class PresenterBody:
    """The still body on the canvas (``rgb``/``alpha`` at ``x``, ``y``; empty where nothing of it is shown) and the
    rendered square's opacity to multiply its matte by (``square_alpha``, the box's size)."""

    rgb: np.ndarray  # uint8 (h, w, 3)
    alpha: np.ndarray  # uint8 (h, w)
    x: int
    y: int
    square_alpha: np.ndarray  # uint8 (side, side)

    @property
    def empty(self) -> bool:
        return self.alpha.size == 0


def presenter_body(
    person: PhotoPerson, box: PresenterBox, width: int, height: int, with_square: bool = False
) -> PresenterBody:
    """The body for a presenter shown in ``box`` on a ``width`` × ``height`` canvas. ``with_square``: without the
    square's hole, the whole person as the photo shows it, which is what a frame shows with the presenter at rest
    (what stands still behind a lower third: the shoulders at the square's bottom are held still too)."""
    photo_h, photo_w = person.matte.shape
    left, top, square_side = person.square
    scale = box.side / square_side
    # the photo's extent on the canvas (fractional), and the whole canvas pixels it covers
    px0, py0 = box.left - left * scale, box.top - top * scale
    px1, py1 = px0 + photo_w * scale, py0 + photo_h * scale
    x0, y0 = max(int(np.floor(px0)), 0), max(int(np.floor(py0)), 0)
    x1, y1 = min(int(np.ceil(px1)), width), min(int(np.ceil(py1)), height)
    fade = _photo_edge_fade(box, (px0, py0, px1, py1), (width, height))
    seam = _seam_weight(box.side)
    square_alpha = np.rint(seam * fade(box.left, box.top, box.side, box.side) * 255.0).astype(np.uint8)
    if x1 <= x0 or y1 <= y0:
        return PresenterBody(np.zeros((0, 0, 3), np.uint8), np.zeros((0, 0), np.uint8), 0, 0, square_alpha)

    def in_photo(x: float, y: float) -> tuple[float, float]:
        return left + (x - box.left) / scale, top + (y - box.top) / scale

    region = (*in_photo(x0, y0), *in_photo(x1, y1))
    size = (x1 - x0, y1 - y0)
    rgb = photo_region(person.rgb, region, size)
    opacity = photo_region(person.matte, region, size).astype(np.float32) / 255.0
    opacity *= fade(x0, y0, x1 - x0, y1 - y0)
    if not with_square:
        _cut_hole(opacity, seam, box.left - x0, box.top - y0)
    alpha = np.rint(opacity * 255.0).astype(np.uint8)
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    if rows.size == 0:
        return PresenterBody(rgb[:0, :0], alpha[:0, :0], 0, 0, square_alpha)
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return PresenterBody(
        np.ascontiguousarray(rgb[r0:r1, c0:c1]),
        np.ascontiguousarray(alpha[r0:r1, c0:c1]),
        x0 + c0,
        y0 + r0,
        square_alpha,
    )


def _photo_edge_fade(
    box: PresenterBox, photo: tuple[float, float, float, float], canvas: tuple[int, int]
) -> Callable[[int, int, int, int], np.ndarray]:
    """A function (x, y, w, h) -> float32 (h, w): 1 inside the photo, easing to 0 at each edge of it that lies inside
    the canvas (an edge at or past the canvas's own is not seen, so it does not fade)."""
    px0, py0, px1, py1 = photo
    width, height = canvas
    bottom, side = max(2.0, BOTTOM_FADE * box.side), max(2.0, SIDE_FADE * box.side)

    def ramp(distance: np.ndarray, band: float, shown: bool) -> np.ndarray:
        if not shown:
            return np.ones_like(distance)
        eased: np.ndarray = np.clip(distance / band, 0.0, 1.0) ** 1.5
        return eased

    def fade(x: int, y: int, w: int, h: int) -> np.ndarray:
        xs = np.arange(x, x + w, dtype=np.float32) + 0.5
        ys = np.arange(y, y + h, dtype=np.float32) + 0.5
        across = ramp(xs - px0, side, px0 > 0) * ramp(px1 - xs, side, px1 < width)
        down = ramp(ys - py0, side, py0 > 0) * ramp(py1 - ys, bottom, py1 < height)
        out: np.ndarray = np.outer(down, across).astype(np.float32)
        return out

    return fade


def _seam_weight(side: int) -> np.ndarray:
    """float32 (side, side): the rendered square's share, 1 inside, easing to 0 at its four edges."""
    band = max(2, int(round(SEAM_BAND * side)))
    ramp = np.ones(side, np.float32)
    steps = (np.arange(band, dtype=np.float32) + 0.5) / band
    ramp[:band] = steps
    ramp[-band:] = steps[::-1]
    out: np.ndarray = np.outer(ramp, ramp)
    return out


def _cut_hole(opacity: np.ndarray, seam: np.ndarray, left: int, top: int) -> None:
    """Where the square is drawn, the body's opacity becomes what makes "square over body" cover exactly the
    person's opacity ``a``: with the square at ``a·w``, the body at ``a(1−w)/(1−a·w)`` (0 where the square alone
    covers, the inside). In place; ``left``/``top``: the square's corner in ``opacity``'s pixels."""
    h, w = opacity.shape
    side = seam.shape[0]
    y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + side, h), min(left + side, w)
    if y1 <= y0 or x1 <= x0:
        return
    a = opacity[y0:y1, x0:x1]
    s = seam[y0 - top : y1 - top, x0 - left : x1 - left]
    covered = a * s
    a[...] = np.where(covered < 1.0 - 1e-4, a * (1.0 - s) / np.maximum(1.0 - covered, 1e-4), 0.0)
