"""Where the presenter goes on the canvas, and at what size the face is rendered.

The renderer draws a square around the face (``expand_ratio`` face sizes of
margin); that square is the presenter's box. ``scale`` is the box's height as
a share of the canvas height, ``offset`` moves the box's centre by a share of
the half-canvas (x right, y down, as image coordinates run). The face is
rendered at the box's size: a 1080-line canvas at scale 0.8 renders an
864-pixel face, never 1080 scaled down.

Styles: ``normal`` (the box), ``close_up`` (the same box, larger: scale 1.2
by default, so the canvas crops it), ``circle`` (the box cut to its inscribed
circle, filled with ``circle_background`` behind the presenter).

A rendition that gives no ``character`` of its own shows each scene's
presenter (``rendition_character``): as placed there when its canvas has the
job's shape, else laid out again for its shape, since a 16:9 placement (large,
right of centre) would crop the face off a 9:16 canvas and put the lower third
over its mouth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from domain.composition_rules import PORTRAIT_OFFSET_Y_DEFAULT

#: the renderer's smallest and largest square (its params' range)
MIN_FACE_SIDE, MAX_FACE_SIDE = 128, 2048
#: a rendition's canvas has the job's shape when their aspects differ by less than this share
SAME_SHAPE = 0.01
#: a presenter laid out again for a rendition of another shape sits across the middle, its box's centre this far
#: from the canvas's centre (a share of the half-canvas, down): in the upper half of a portrait canvas, clear of
#: the lower third and the captions below it, as vertical social video has it (where a portrait job's presenter
#: is by default); a little low on any other, the body running off the bottom edge
RELAID_OFFSET_Y_PORTRAIT, RELAID_OFFSET_Y = PORTRAIT_OFFSET_Y_DEFAULT, 0.1


@dataclass(frozen=True)
class PresenterBox:
    """The presenter's square on the canvas: left/top may be negative or run past the canvas (cropped)."""

    left: int
    top: int
    side: int  # canvas pixels; also the face render's resolution
    style: str

    def visible(self, width: int, height: int) -> tuple[slice, slice, slice, slice] | None:
        """(canvas rows, canvas cols, box rows, box cols) of the part inside the canvas; None if none is."""
        x0, y0 = max(self.left, 0), max(self.top, 0)
        x1, y1 = min(self.left + self.side, width), min(self.top + self.side, height)
        if x1 <= x0 or y1 <= y0:
            return None
        return (
            slice(y0, y1),
            slice(x0, x1),
            slice(y0 - self.top, y1 - self.top),
            slice(x0 - self.left, x1 - self.left),
        )


#: above the face's outline (forehead to chin), the share of its height kept clear of text too: the hairline;
#: below it, the chin's travel when the jaw drops on an open vowel
FACE_CLEAR_ABOVE, FACE_CLEAR_BELOW = 0.15, 0.1
#: where the features (brows, eyes, nose, mouth, chin) begin, as a share of the outline's height from its top: the
#: brows lie at 0.16-0.24 of it on the presets, the eyes' lids at 0.26-0.3; above is forehead
FEATURES_FROM = 0.15


@dataclass(frozen=True)
class FaceArea:
    """Where the presenter's face shows on the canvas, row by row: what text must not cover. Row ``top + i``
    holds the face from column ``lefts[i]`` to ``rights[i]`` (exclusive); an empty row has ``lefts > rights``."""

    top: int
    lefts: np.ndarray
    rights: np.ndarray
    #: rows of margin above (the hairline) and below (the chin's travel) the face's own outline
    above: int = 0
    below: int = 0
    #: rows from ``top`` where the features begin (the brows); what no text may cover even where it may cover the
    #: forehead and the hair
    features: int = 0

    def covers_features(self, x0: int, y0: int, x1: int, y1: int) -> bool:
        """Whether the rectangle [x0, x1) × [y0, y1) reaches over the brows, eyes, nose, mouth or chin (or the chin's
        travel below it)."""
        a, b = max(y0 - self.top, self.features), min(y1 - self.top, len(self.lefts))
        if a >= b:
            return False
        lefts, rights = self.lefts[a:b], self.rights[a:b]
        return bool(np.any((lefts < x1) & (rights > x0) & (lefts < rights)))

    def covers(self, x0: int, y0: int, x1: int, y1: int, margins: bool = True) -> bool:
        """Whether the rectangle [x0, x1) × [y0, y1) reaches over the face (``margins``: or the rows above and
        below it kept clear too)."""
        return self.rows_covered(x0, y0, x1, y1, margins) > 0

    def rows_covered(self, x0: int, y0: int, x1: int, y1: int, margins: bool = True) -> int:
        """How many of the face's rows the rectangle [x0, x1) × [y0, y1) reaches over."""
        first, end = (0, len(self.lefts)) if margins else (self.above, len(self.lefts) - self.below)
        a, b = max(y0 - self.top, first), min(y1 - self.top, end)
        if a >= b:
            return 0
        lefts, rights = self.lefts[a:b], self.rights[a:b]
        return int(np.count_nonzero((lefts < x1) & (rights > x0) & (lefts < rights)))


def face_on_canvas(
    outline: Sequence[Sequence[float]], square: tuple[float, float, float], box: PresenterBox
) -> FaceArea:
    """Where the presenter's face shows on the canvas, from its outline in the photo (the face mesh's oval,
    forehead to chin) and the renderer's square in the photo (``square``: left, top, side), which ``box``
    shows. Above the outline, ``FACE_CLEAR_ABOVE`` of its height as wide as its upper quarter (the hairline);
    below it, ``FACE_CLEAR_BELOW`` as wide as its lowest eighth (the chin, as the jaw drops)."""
    left, top, side = square
    k = box.side / side
    points = (np.asarray(outline, np.float64)[:, :2] - (left, top)) * k + (box.left, box.top)
    x0, y0 = np.floor(points.min(axis=0)).astype(int)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 1
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [np.rint(points - (x0, y0)).astype(np.int32)], 1)
    filled = np.asarray(mask.any(axis=1), bool)
    lefts = np.where(filled, mask.argmax(axis=1), x1 - x0) + x0
    rights = np.where(filled, mask.shape[1] - mask[:, ::-1].argmax(axis=1), 0) + x0
    first, last = int(np.argmax(filled)), len(filled) - int(np.argmax(filled[::-1]))
    quarter, chin = slice(first, first + max(1, (y1 - y0) // 4)), slice(max(first, last - max(1, (y1 - y0) // 8)), last)
    above, below = int(round(FACE_CLEAR_ABOVE * (y1 - y0))), int(round(FACE_CLEAR_BELOW * (y1 - y0)))
    lefts = np.concatenate([np.full(above, lefts[quarter].min()), lefts[first:last], np.full(below, lefts[chin].min())])
    rights = np.concatenate(
        [np.full(above, rights[quarter].max()), rights[first:last], np.full(below, rights[chin].max())]
    )
    features = above + int(round(FEATURES_FROM * (last - first)))
    return FaceArea(y0 + first - above, lefts, rights, above, below, features)


def presenter_box(character: dict[str, Any], width: int, height: int) -> PresenterBox:
    """The box for a scene's ``character`` on a ``width`` × ``height`` canvas."""
    side = int(round(float(character["scale"]) * height / 2.0)) * 2  # even: the renderer and yuv420p like it
    side = min(max(side, MIN_FACE_SIDE), MAX_FACE_SIDE)
    offset = character.get("offset") or {"x": 0.0, "y": 0.0}
    cx = width / 2.0 * (1.0 + float(offset["x"]))
    cy = height / 2.0 * (1.0 + float(offset["y"]))
    return PresenterBox(
        left=int(round(cx - side / 2.0)),
        top=int(round(cy - side / 2.0)),
        side=side,
        style=str(character.get("style", "normal")),
    )


def rendition_character(
    character: dict[str, Any], canvas: tuple[int, int], rendition: tuple[int, int]
) -> dict[str, Any]:
    """The presenter a rendition shows when it gives none: the scene's ``character`` (for the job's ``canvas``,
    width × height) unchanged when the rendition's canvas has the same shape; else centred across it, at
    ``RELAID_OFFSET_Y_PORTRAIT`` or ``RELAID_OFFSET_Y``, its box keeping its share of the canvas's shorter side
    (16:9 at scale 0.8 on 1920×1080 gives an 864-pixel box; so does 9:16 on 1080×1920, at scale 0.45), so one
    face render serves both cuts at the size each shows it. Style, matting and circle colour are the scene's."""
    (width, height), (r_width, r_height) = canvas, rendition
    aspect, r_aspect = width / height, r_width / r_height
    if abs(r_aspect - aspect) <= SAME_SHAPE * aspect:
        return character
    share = float(character["scale"]) * height / min(width, height)
    scale = share * min(r_width, r_height) / r_height
    portrait = r_height > r_width
    return {
        **character,
        "scale": round(scale, 4),
        "offset": {"x": 0.0, "y": RELAID_OFFSET_Y_PORTRAIT if portrait else RELAID_OFFSET_Y},
    }


def circle_mask(side: int) -> np.ndarray:
    """float32 (side, side) 1 inside the box's inscribed circle, 0 outside, one pixel of antialiasing."""
    t = np.arange(side, dtype=np.float32) + 0.5 - side / 2.0
    distance = np.sqrt(t[:, None] ** 2 + t[None, :] ** 2)
    mask: np.ndarray = np.clip(side / 2.0 - distance, 0.0, 1.0).astype(np.float32)
    return mask
