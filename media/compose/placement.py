"""Where overlays go on a canvas: the safe area, the text roles' sizes and sides, and the geometry every
placement shares (a text's side of the safe area, what it covers of the face, the pictures it stands clear of).

Every placement keeps inside the safe area: 5 % of the width at the sides,
and for vertical canvases (9:16) 12 % at the top and 20 % at the bottom, where
the platforms put their buttons and descriptions (8 % otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from media.compose.bidi import right_to_left
from media.compose.contrast import LOWER_THIRD_BARS
from media.compose.layout import FaceArea
from media.compose.text import TextStyle, tokens

ROLE_SIZE = {"title": 0.075, "lower_third": 0.048, "label": 0.034}
ROLE_POSITION = {"title": "top", "lower_third": "bottom", "label": "top"}
ROLE_ALIGN = {"title": "center", "lower_third": "left", "label": "left"}
#: a lower third's bar's opacity, the farm's or one a job gives
BAR_ALPHA = 235
ROLE_BOX = {"title": None, "lower_third": (*LOWER_THIRD_BARS[0], BAR_ALPHA), "label": (0, 0, 0, 150)}
#: a text goes beside what it would cover only where that leaves it this share of the width it may take
BESIDE_MIN_SHARE = 0.35


@dataclass(frozen=True)
class SafeArea:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left


def safe_area(width: int, height: int) -> SafeArea:
    side = int(0.05 * width)
    vertical = height > width
    top = int((0.12 if vertical else 0.08) * height)
    bottom = int((0.20 if vertical else 0.08) * height)
    return SafeArea(side, top, width - side, height - bottom)


#: a canvas this many times taller than wide (2:3 and taller: 9:16 is 1.78) is one a phone's app lays its controls
#: over; 4:5 and barely vertical ones keep the visible mark at the frame's edge, as a square does
VERTICAL_MARK_ASPECT = 1.5


def mark_inset(width: int, height: int) -> tuple[int, int, int, int] | None:
    """Where a vertical canvas's visible mark stands: in its corner of the safe area, clear of the bottom fifth and
    top eighth a phone's app lays its own controls and captions over (left, top, right, bottom insets); None (its
    margin from the frame's edge) on other canvases. On 9:16 the mark sat in the bottom 3-7 %, under the app's."""
    if height < VERTICAL_MARK_ASPECT * width:
        return None
    area = safe_area(width, height)
    return (area.left, area.top, width - area.right, height - area.bottom)


def mark_band(box: tuple[int, int, int, int] | None, width: int, height: int) -> tuple[int, int, int, int] | None:
    """What texts and captions keep clear of for a visible mark drawn at ``box``: on a vertical canvas its rows
    across the safe area's width (captions are centred and as wide as their words: kept clear of the box alone, a
    wide page was pushed above it while the room kept for the captions was not, and the lower third lay over the
    page); elsewhere, at the frame's edge outside the safe area, the box itself."""
    if box is None or mark_inset(width, height) is None:
        return box
    area = safe_area(width, height)
    return (area.left, box[1], area.right, box[3])


def text_base(width: int, height: int) -> float:
    """What text sizes are shares of: the canvas's short side, a quarter more on a vertical canvas
    (watched full screen on a phone, where social captions run large)."""
    return min(width, height) * (1.25 if height > width else 1.0)


@dataclass(frozen=True)
class Layer:
    """An RGBA picture at a canvas position, shown from ``start`` to ``end`` seconds of its scene (None: to the end)."""

    pixels: np.ndarray  # uint8 (h, w, 4)
    x: int
    y: int
    start: float = 0.0
    end: float | None = None
    #: an image overlay (a logo), not a text
    picture: bool = False

    @property
    def until(self) -> float:
        return self.end if self.end is not None else float("inf")

    def shown_at(self, t: float) -> bool:
        return self.start <= t < self.until


def on_canvas(layer: Layer, width: int, height: int) -> bool:
    h, w = layer.pixels.shape[:2]
    return layer.x >= 0 and layer.y >= 0 and layer.x + w <= width and layer.y + h <= height


def place(
    pixels: np.ndarray,
    role: str,
    position: str,
    text: str,
    width: int,
    height: int,
    reserved: dict[str, int],
    language: str | None = None,
) -> tuple[int, int]:
    """Where a text's picture goes: its role's side of the safe area, clear of the room ``reserved`` for captions;
    ``language``: the text's, which may make it read right to left (``bidi.right_to_left``), as it is drawn."""
    area = safe_area(width, height)
    x = area.left if ROLE_ALIGN[role] == "left" else (width - pixels.shape[1]) // 2
    if ROLE_ALIGN[role] == "left" and right_to_left(tokens(text), language):
        x = area.right - pixels.shape[1]  # a lower third or label in Arabic starts on the right, as it reads
    y = _vertical(position, pixels.shape[0], area, height)
    gap = reserved.get(position, 0)
    if gap:
        y = (
            y + gap
            if position == "top"
            else y - gap
            if position == "bottom"
            else y - (gap + pixels.shape[0]) // 2 - gap // 4
        )
    return x, y


def _vertical(position: str, h: int, area: SafeArea, height: int) -> int:
    if position == "top":
        return area.top
    if position == "middle":
        return (height - h) // 2
    return area.bottom - h


def over_face(text: Layer, face: FaceArea, position: str) -> bool:
    """Whether a text at the top or the bottom reaches over the face or its margins (one in the middle is where
    it was asked to be): its ink, not its picture's empty margins (an outlined Arabic title's line box is twice
    its size tall, most of it clear)."""
    return covered_rows(text, face, position, margins=True) > 0


def covered_rows(text: Layer, face: FaceArea, position: str, margins: bool = False) -> int:
    """How many of the face's rows (``margins``: with the hairline's and the chin's) a text's ink reaches over."""
    ink = ink_box(text.pixels)
    if position == "middle" or ink is None:
        return 0
    x0, y0, x1, y1 = ink
    return face.rows_covered(text.x + x0, text.y + y0, text.x + x1, text.y + y1, margins)


def over_features(pixels: np.ndarray, x: int, y: int, face: FaceArea | None) -> bool:
    """Whether an RGBA picture at (``x``, ``y``) reaches, with its ink (a box it has included), over the face's
    brows, eyes, nose, mouth or chin (None: no face known)."""
    ink = ink_box(pixels)
    if face is None or ink is None:
        return False
    x0, y0, x1, y1 = ink
    return face.covers_features(x + x0, y + y0, x + x1, y + y1)


def ink_box(pixels: np.ndarray) -> tuple[int, int, int, int] | None:
    """Where an RGBA picture has ink (any opacity): (x0, y0, x1, y1) within it, exclusive; None where it has none."""
    inked = pixels[..., 3] > 0
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    if not rows.size:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def free_spans(left: int, right: int, blocked: Iterable[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """The columns of [``left``, ``right``) that the ``blocked`` ones (each [x0, x1), widened by ``gap`` each side: a
    logo's) leave free, in order."""
    spans = [(left, right)]
    for x0, x1 in ((a - gap, b + gap) for a, b in blocked):
        spans = [piece for a, b in spans for piece in ((a, min(b, x0)), (max(a, x1), b)) if piece[1] > piece[0]]
    return spans


def shrinking(style: TextStyle, smallest: int) -> Iterator[TextStyle]:
    """The sizes a text is tried at, largest first: its own, then nine tenths in steps, down to ``smallest``; each
    kept at its size (it takes more lines rather than shrink further)."""
    size = style.size
    while True:
        yield replace(style, size=size, floor=size)
        if size <= smallest:
            return
        size = max(int(size * 0.9), smallest)


def overlaps(x: int, y: int, w: int, h: int, picture: Layer) -> bool:
    """Whether the rectangle at (``x``, ``y``), ``w`` × ``h``, meets ``picture``'s."""
    ph, pw = picture.pixels.shape[:2]
    return x < picture.x + pw and picture.x < x + w and y < picture.y + ph and picture.y < y + h


def at_edge(picture: Layer, position: str, height: int) -> bool:
    """Whether a picture is in the half of the canvas a text at ``position`` (top or bottom) stands at the edge of."""
    side = -1 if position == "top" else 1
    return bool(side * (picture.y + picture.pixels.shape[0] / 2 - height / 2) > 1)


def clear_of(pictures: list[Layer], text: Layer, position: str, height: int) -> Layer:
    """The text moved down below (at the top) or up above (at the bottom) each picture at its own edge of the
    canvas that it would overlap (a logo in the middle leaves it where it is, rather than push it off)."""
    h, w = text.pixels.shape[:2]
    boxes = [(p.x, p.y, p.x + p.pixels.shape[1], p.y + p.pixels.shape[0]) for p in pictures]
    return replace(text, y=clear_of_boxes(text.x, text.y, w, h, boxes, position, height))


def clear_of_boxes(
    x: int, y: int, w: int, h: int, boxes: Sequence[tuple[int, int, int, int]], position: str, height: int
) -> int:
    """The row a ``w`` × ``h`` picture at (``x``, ``y``) moves to so as to stand below (at the top) or above (at the
    bottom) each box (x0, y0, x1, y1) at its own edge of the canvas that it would overlap."""
    side = -1 if position == "top" else 1
    at_edge = [b for b in boxes if side * ((b[1] + b[3]) / 2 - height / 2) > 1]
    for x0, y0, x1, y1 in sorted(at_edge, key=lambda b: b[1] if position == "top" else -b[1]):
        if x < x1 and x0 < x + w and y < y1 and y0 < y + h:
            gap = max(4, (y1 - y0) // 8)
            y = y1 + gap if position == "top" else y0 - h - gap
    return y


def caption_obstacles(layers: list[Layer], *marks: tuple[int, int, int, int] | None) -> list[tuple[int, int, int, int]]:
    """What burned-in captions stand clear of (x0, y0, x1, y1): the scene's pictures (``picture_layers``) and the
    marks drawn over every frame (the draft label, the visible mark; None: none)."""
    boxes = [(p.x, p.y, p.x + p.pixels.shape[1], p.y + p.pixels.shape[0]) for p in layers]
    return boxes + [mark for mark in marks if mark is not None]
