"""Text and image overlays placed on a canvas, and the canvas's safe area.

Each text role has readable defaults, sized from the canvas's short side so a
title reads the same on 16:9, 9:16 and 1:1:

- ``title``: large, bold, white with a dark outline, centred at the top;
- ``lower_third``: white on a dark bar at the bottom left, where a name and
  role go on television (bottom right for a text that reads right to left);
  the bar steps darker or lighter where what is behind it (the background,
  the presenter's body) is near its colour, or where letters a job colours
  would read poorly on it (``contrast``);
- ``label``: small, white on a translucent box at the top left (right, likewise).

Every placement keeps inside the safe area: 5 % of the width at the sides,
and for vertical canvases (9:16) 12 % at the top and 20 % at the bottom, where
the platforms put their buttons and descriptions (8 % otherwise).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np
from numpy.lib.array_utils import byte_bounds
from PIL import Image

from media.compose.bidi import right_to_left
from media.compose.contrast import LOWER_THIRD_BARS, bar_against, colours_behind
from media.compose.layout import FaceArea
from media.compose.text import TextStyle, hex_rgb, overflows, render_text, tokens

ROLE_SIZE = {"title": 0.075, "lower_third": 0.048, "label": 0.034}
ROLE_POSITION = {"title": "top", "lower_third": "bottom", "label": "top"}
ROLE_ALIGN = {"title": "center", "lower_third": "left", "label": "left"}
#: a lower third's bar's opacity, the farm's or one a job gives
BAR_ALPHA = 235
ROLE_BOX = {"title": None, "lower_third": (*LOWER_THIRD_BARS[0], BAR_ALPHA), "label": (0, 0, 0, 150)}


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


def text_layer(
    overlay: dict[str, Any],
    width: int,
    height: int,
    reserved: dict[str, int] | None = None,
    face: FaceArea | None = None,
    beside: list[Layer] | None = None,
    behind: Callable[[], np.ndarray | None] | None = None,
    texts: list[Layer] | None = None,
) -> Layer:
    """A ``{"type": "text", ...}`` overlay as a layer on a ``width`` × ``height`` canvas.

    ``reserved``: pixels kept free at a ``top``/``middle``/``bottom`` position (burned-in captions
    sit there); a text placed at that position stands above (or, at the top, below) them.
    ``face``: where the presenter's face shows; a text at the top that would reach down over
    it, or at the bottom up over it, is drawn smaller, down to ``text.SHRINK_FLOOR`` of its size, until it stands
    clear of it (a two-line title on a 9:16 cut covered the presenter's hair and forehead, a two-line lower
    third on a 1:1 cut the mouth and chin); when no size it may take would clear it (a close-up), it keeps its
    size.
    ``beside``: pictures shown with it (the scene's logos); a text at the top stands below one it would
    overlap, a text at the bottom above it.
    ``behind``: what every frame shows behind the overlays, the background with the presenter at rest over it (RGB;
    None for a video, which changes, or a transparent background), asked for only when a lower third is left to
    the farm's bar: it takes the bar that stands out from what is behind it and keeps its letters readable
    (``contrast.bar_against``: on the default #1f2937 background, or over a presenter's dark jacket, the default
    bar vanished; grey letters a job gave read at 4:1 on it). Where ``behind`` is None or gives None, the bar
    is chosen for its letters alone.
    ``texts``: the scene's other texts, already placed (its lower third, its labels); a title that finds no room
    at the top and goes below the face (``_title_off_face``) stands clear of those shown with it."""
    layer = _laid_out(overlay, width, height, reserved, face, beside, texts=texts)
    size = _text_style(overlay, width, height)[0].size
    while not _on_canvas(layer, width, height) and size > 8:
        # too long for the canvas (the API refuses such a text; one it took before, or in an uploaded font): smaller,
        # never cut off at the canvas's edge
        size = max(8, int(size * 0.9))
        overlay = {**overlay, "size": size}
        layer = _laid_out(overlay, width, height, reserved, face, beside, texts=texts)
    if overlay.get("role") != "lower_third" or overlay.get("background_color"):
        return layer
    backdrop = behind() if behind is not None else None
    h, w = layer.pixels.shape[:2]
    colours = colours_behind(backdrop, layer.x, layer.y, w, h) if backdrop is not None else None
    bar = bar_against(colours, hex_rgb(overlay.get("color") or "#ffffff"), BAR_ALPHA)
    if bar == LOWER_THIRD_BARS[0]:
        return layer
    return _laid_out(overlay, width, height, reserved, face, beside, (*bar, BAR_ALPHA))  # the same places


def _on_canvas(layer: Layer, width: int, height: int) -> bool:
    h, w = layer.pixels.shape[:2]
    return layer.x >= 0 and layer.y >= 0 and layer.x + w <= width and layer.y + h <= height


def _laid_out(
    overlay: dict[str, Any],
    width: int,
    height: int,
    reserved: dict[str, int] | None,
    face: FaceArea | None,
    beside: list[Layer] | None,
    bar: tuple[int, int, int, int] | None = None,
    texts: list[Layer] | None = None,
) -> Layer:
    """``text_layer``'s text, placed and sized; ``bar``: its box instead of its role's or the one it gives;
    ``texts``: the scene's texts placed before it."""
    role = overlay.get("role") or "title"
    text = str(overlay["text"])
    style, max_width = _text_style(overlay, width, height, bar)
    position = overlay.get("position") or ROLE_POSITION[role]
    layer = Layer(np.zeros((0, 0, 4), np.uint8), 0, 0, float(overlay.get("start") or 0.0), overlay.get("end"))
    pictures = [p for p in beside or [] if p.start < layer.until and layer.start < p.until]
    others = [t for t in texts or [] if t.start < layer.until and layer.start < t.until]

    def placed(pixels: np.ndarray) -> Layer:
        x, y = _place(pixels, role, position, text, width, height, reserved or {})
        at = replace(layer, pixels=pixels, x=x, y=y)
        return at if position == "middle" else _clear_of(pictures, at, position, height)

    layer = placed(render_text(text, style, max_width))
    if face is None or not _over(layer, face, position):
        return layer
    if role == "title" and position == "top":
        titled = _title_off_face(layer, text, style, (width, height), reserved or {}, face, pictures, others)
        if titled is not None:
            return titled
    # where it would cover the face: first beside what put it there, at its size (a title at the top of a 9:16 cut
    # beside the logo it was pushed below, onto the presenter's hair; a lower third in the column left of a
    # presenter standing right); then smaller where it is, down to its floor; then beside them, smaller
    logos = [(p.x, p.x + p.pixels.shape[1]) for p in pictures if _at_edge(p, position, height)]
    tries = [logos] + ([[*logos, _face_columns(face)]] if ROLE_ALIGN[role] == "left" else [])
    canvas = (width, height, max_width)

    def aside(smallest: int) -> Layer | None:
        for columns in tries:
            found = _beside(columns, pictures, layer, text, style, role, position, canvas, reserved, face, smallest)
            if found is not None:
                return found
        return None

    found = aside(style.size)
    if found is not None:
        return found
    # drawn smaller, it keeps the floor of the size it was asked for (it never shrinks twice over)
    floor = replace(style, size=style.smallest, floor=style.smallest)
    at_floor = placed(render_text(text, floor, max_width))
    if _over(at_floor, face, position):
        found = aside(floor.size)
        if found is not None:
            return found
    if 2 * _covered(at_floor, face, position) > _covered(layer, face, position):
        return layer  # smaller, it would cover the face nearly as much (a close-up), only harder to read
    # clear of the face and its margins (the hairline, the chin's travel), or as near as the floor comes
    while _over(layer, face, position) and style.size > floor.size:
        style = replace(style, size=max(int(style.size * 0.9), floor.size), floor=floor.size)
        layer = placed(render_text(text, style, max_width))
    return layer


#: a title kept off the face may take this many lines; at a label's size, where nothing larger fits, this many
TITLE_LINES_BESIDE_FACE, TITLE_LINES_SMALLEST = 3, 5
#: the smallest a title kept off the face's features is drawn, a share of ``text_base``: half a subtitle caption's
#: size (0.05), a third of a title's (34 px on a 1080 × 1920 cut, 27 px on a 1080-line 16:9 or 1:1 one), the
#: smallest letters the farm lets carry a sentence; below it a title would not be read
TITLE_SMALLEST = 0.025


def _title_off_face(
    shown: Layer,
    text: str,
    style: TextStyle,
    canvas: tuple[int, int],
    reserved: dict[str, int],
    face: FaceArea,
    pictures: list[Layer],
    texts: list[Layer],
) -> Layer | None:
    """A title at the top that would cover the face, placed where it covers none of its features, in this order:

    1. at the top (``_title_beside_face``), from its size down to the lower third's in up to
       ``TITLE_LINES_BESIDE_FACE`` lines, then down to a label's size in up to ``TITLE_LINES_SMALLEST`` lines;
    2. below the face, over the presenter's body (``_title_below_face``), in the same two steps (on a 9:16 cut
       with a top-right logo a 70-character title found no room above the face, and was drawn over her eyes);
    3. smaller still, from a label's size down to ``TITLE_SMALLEST``, at the top, then below the face.

    ``pictures`` and ``texts``: the logos and the texts shown with it, which it stays clear of. None where nothing
    fits even at ``TITLE_SMALLEST``: a close-up, whose face fills the canvas."""
    width, height = canvas
    base = text_base(width, height)
    lower, label, least = (
        min(round(share * base), style.size) for share in (ROLE_SIZE["lower_third"], ROLE_SIZE["label"], TITLE_SMALLEST)
    )
    at_top = [p for p in pictures if _at_edge(p, "top", height)]

    def top(lined: TextStyle, smallest: int) -> Layer | None:
        return _title_beside_face(shown, text, lined, smallest, canvas, reserved, face, at_top)

    def below(lined: TextStyle, smallest: int) -> Layer | None:
        return _title_below_face(shown, text, lined, smallest, canvas, reserved, face, [*pictures, *texts])

    steps = [
        (replace(style, max_lines=TITLE_LINES_BESIDE_FACE), lower),
        (replace(style, max_lines=TITLE_LINES_SMALLEST), label),
    ]
    smaller = [(replace(style, size=label, max_lines=TITLE_LINES_SMALLEST), least)] if least < label else []
    tries = [(top, step) for step in steps] + [(below, step) for step in steps]
    tries += [(place, step) for step in smaller for place in (top, below)]
    for place, (lined, smallest) in tries:
        found = place(lined, smallest)
        if found is not None:
            return found
    return None


def _title_beside_face(
    shown: Layer,
    text: str,
    style: TextStyle,
    smallest: int,
    canvas: tuple[int, int],
    reserved: dict[str, int],
    face: FaceArea,
    at_top: list[Layer],
) -> Layer | None:
    """A title at the top that would cover the face, placed at the top where it covers none of it, in this order:
    centred on the canvas (below a logo it would meet); centred on the canvas, narrowed to pass between the logos at
    the top (``at_top``); in the widest span the logos leave, as near the canvas's centre as that span lets it. Each
    at its size or, in steps, down to ``smallest``, in up to ``style.max_lines`` lines; first clear of the whole
    face with its hairline, then clear of its features only (brows to chin: it may stand on the forehead and the
    hair). Never past the safe area's bottom, never over a picture. None where nothing fits."""
    width, height = canvas
    area = safe_area(width, height)
    gap = max(4, style.size // 2)
    centre = width // 2
    # centred on the canvas, as wide as the safe area; then narrowed to pass between the logos; then beside them
    spans: list[tuple[int, int, bool]] = [(area.left, area.right, True)]
    half = min([abs(centre - x) for p in at_top for x in (p.x - gap, p.x + p.pixels.shape[1] + gap)], default=0)
    if at_top and not any(p.x - gap < centre < p.x + p.pixels.shape[1] + gap for p in at_top):
        spans.append((centre - half, centre + half, False))
    free = [(area.left, area.right)]
    for p in at_top:
        x0, x1 = p.x - gap, p.x + p.pixels.shape[1] + gap
        free = [piece for a, b in free for piece in ((a, min(b, x0)), (max(a, x1), b)) if piece[1] > piece[0]]
    if at_top and free:
        left, right = max(free, key=lambda span: span[1] - span[0])
        spans.append((left, right, False))
    spans = [span for span in spans if span[1] - span[0] >= BESIDE_MIN_SHARE * area.width]
    for whole_face in (True, False):
        for left, right, pushed in spans:
            found = _title_in_span(
                shown, text, style, (left, right), pushed, smallest, canvas, reserved, face, at_top, whole_face
            )
            if found is not None:
                return found
    return None


def _title_below_face(
    shown: Layer,
    text: str,
    style: TextStyle,
    smallest: int,
    canvas: tuple[int, int],
    reserved: dict[str, int],
    face: FaceArea,
    obstacles: list[Layer],
) -> Layer | None:
    """A title that finds no room at the top, below the face: over the presenter's body and shoulders, centred on
    the canvas, as low as it stands clear (by a gap) of the ``obstacles`` (the logos and texts shown with it: the
    lower third), of the room kept for burned-in captions and of the safe area's bottom, and no higher than the
    chin's travel. At its size or, in steps, down to ``smallest``, in up to ``style.max_lines`` lines; judged by
    its ink, its picture kept on the canvas. None where no such size fits between the chin and them."""
    width, height = canvas
    area = safe_area(width, height)
    gap = max(4, smallest // 2)
    chin = face.top + len(face.lefts) + gap  # the first row its ink may take: below the chin's travel
    limit = area.bottom - reserved.get("bottom", 0)
    boxes = [(p.x, p.y, p.x + p.pixels.shape[1], p.y + p.pixels.shape[0]) for p in obstacles]
    if reserved.get("top"):
        boxes.append((0, area.top, width, area.top + reserved["top"]))
    if reserved.get("middle"):
        boxes.append((0, (height - reserved["middle"]) // 2, width, (height + reserved["middle"]) // 2))
    for sized in _shrinking(style, smallest):
        if overflows(text, sized, area.width):
            continue
        pixels = render_text(text, sized, area.width)
        h, w = pixels.shape[:2]
        inked = pixels[..., 3] > 0
        rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
        top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        x = (width - w) // 2
        # the lowest row it may take is at the bottom's limit or just above one of the boxes
        for y in sorted({limit - bottom, height - h, *(b[1] - gap - bottom for b in boxes)}, reverse=True):
            if y + top < chin:
                break
            ink = (x + left - gap, y + top - gap, x + right + gap, y + bottom + gap)
            met = any(ink[0] < b[2] and b[0] < ink[2] and ink[1] < b[3] and b[1] < ink[3] for b in boxes)
            if not met and 0 <= y and y + h <= height and y + bottom <= limit:
                return replace(shown, pixels=pixels, x=x, y=y)
    return None


def _shrinking(style: TextStyle, smallest: int) -> Iterator[TextStyle]:
    """The sizes a title is tried at, largest first: its own, then nine tenths in steps, down to ``smallest``."""
    size = style.size
    while True:
        yield replace(style, size=size, floor=size)
        if size <= smallest:
            return
        size = max(int(size * 0.9), smallest)


def _title_in_span(
    shown: Layer,
    text: str,
    style: TextStyle,
    span: tuple[int, int],
    pushed: bool,
    smallest: int,
    canvas: tuple[int, int],
    reserved: dict[str, int],
    face: FaceArea,
    at_top: list[Layer],
    whole_face: bool,
) -> Layer | None:
    """``_title_beside_face``'s title in the columns ``span``, at the top (``pushed``: moved below a logo it meets),
    at the largest size from its own down to ``smallest`` that clears the face (``whole_face``: with its hairline;
    else its features), the logos and the safe area's bottom."""
    width, height = canvas
    area = safe_area(width, height)
    left, right = span
    for sized in _shrinking(style, smallest):
        if overflows(text, sized, right - left):
            continue
        pixels = render_text(text, sized, right - left)
        h, w = pixels.shape[:2]
        x = min(max((width - w) // 2, left), right - w)  # as near the canvas's centre as the span lets it
        _, y = _place(pixels, "title", "top", text, width, height, reserved)
        layer = replace(shown, pixels=pixels, x=x, y=y)
        if pushed:
            layer = _clear_of(at_top, layer, "top", height)
        clear = not _over(layer, face, "top") if whole_face else not _over_features(layer, face)
        meets = any(_overlaps(layer.x, layer.y, w, h, p) for p in at_top)
        if clear and not meets and layer.y + h <= area.bottom:
            return layer
    return None


def _over_features(text: Layer, face: FaceArea) -> bool:
    """Whether a text's ink reaches over the face's brows, eyes, nose, mouth or chin."""
    inked = text.pixels[..., 3] > 0
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    if not rows.size:
        return False
    x0, y0 = text.x + int(cols[0]), text.y + int(rows[0])
    return face.covers_features(x0, y0, text.x + int(cols[-1]) + 1, text.y + int(rows[-1]) + 1)


def _at_edge(picture: Layer, position: str, height: int) -> bool:
    """Whether a picture is in the half of the canvas a text at ``position`` (top or bottom) stands at the edge of."""
    side = -1 if position == "top" else 1
    return bool(side * (picture.y + picture.pixels.shape[0] / 2 - height / 2) > 1)


def _face_columns(face: FaceArea) -> tuple[int, int]:
    """The columns the face (with its margins) takes, [left, right): an obstacle to a text's width."""
    shown = face.lefts < face.rights
    return int(face.lefts[shown].min()), int(face.rights[shown].max())


def _overlaps(x: int, y: int, w: int, h: int, picture: Layer) -> bool:
    """Whether the rectangle at (``x``, ``y``), ``w`` × ``h``, meets ``picture``'s."""
    ph, pw = picture.pixels.shape[:2]
    return x < picture.x + pw and picture.x < x + w and y < picture.y + ph and picture.y < y + h


#: a text goes beside what it would cover only where that leaves it this share of the width it may take
BESIDE_MIN_SHARE = 0.35


def _beside(
    obstacles: list[tuple[int, int]],
    pictures: list[Layer],
    shown: Layer,
    text: str,
    style: TextStyle,
    role: str,
    position: str,
    canvas: tuple[int, int, int],
    reserved: dict[str, int] | None,
    face: FaceArea,
    smallest: int,
) -> Layer | None:
    """The text at its edge, in the safe area's span left free by the ``obstacles``' columns (on its start side for a
    lower third or label, whose start must be free; the widest span for a centred title), at its size or, in
    steps, down to ``smallest``, in at most its lines, until it stands clear of the face. None where the span is
    narrower than ``BESIDE_MIN_SHARE`` of the width it may take, where it would meet one of ``pictures``, or where
    no such size clears the face. ``canvas``: its width and height, and the width the text may take on it;
    ``shown``: the text as placed before (its times are kept)."""
    if not obstacles or position == "middle":
        return None
    width, height, max_width = canvas
    area = safe_area(width, height)
    gap = max(4, style.size // 2)
    spans = [(area.left, area.right)]
    for x0, x1 in ((left - gap, right + gap) for left, right in obstacles):
        spans = [piece for a, b in spans for piece in ((a, min(b, x0)), (max(a, x1), b)) if piece[1] > piece[0]]
    rtl = right_to_left(tokens(text))
    if ROLE_ALIGN[role] == "left":
        anchor = area.right if rtl else area.left
        spans = [span for span in spans if span[0] <= anchor <= span[1]]
    if not spans:
        return None
    left, right = max(spans, key=lambda span: span[1] - span[0])
    if right - left < BESIDE_MIN_SHARE * max_width:
        return None
    span, size, only_full = min(max_width, right - left), style.size, smallest >= style.size
    while True:
        # at its full size only, it may not shrink to fit its lines; smaller, it keeps its own floor
        sized = replace(style, size=size, floor=size if only_full else style.smallest)
        if only_full and overflows(text, sized, span):
            return None  # at its size it would take more lines here than its role's
        pixels = render_text(text, sized, span)
        h, w = pixels.shape[:2]
        x = (right - w if rtl else left) if ROLE_ALIGN[role] == "left" else left + (right - left - w) // 2
        _, y = _place(pixels, role, position, text, width, height, reserved or {})
        if any(_overlaps(x, y, w, h, p) for p in pictures):
            return None
        layer = replace(shown, pixels=pixels, x=x, y=y)
        if not _over(layer, face, position):
            return layer
        if size <= smallest:
            return None
        size = max(int(size * 0.9), smallest)


def _clear_of(pictures: list[Layer], text: Layer, position: str, height: int) -> Layer:
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


def caption_obstacles(
    layers: list[Layer], mark: tuple[int, int, int, int] | None = None
) -> list[tuple[int, int, int, int]]:
    """What burned-in captions stand clear of (x0, y0, x1, y1): the scene's pictures (``picture_layers``) and a
    mark drawn over every frame (the draft label)."""
    boxes = [(p.x, p.y, p.x + p.pixels.shape[1], p.y + p.pixels.shape[0]) for p in layers]
    return boxes + ([mark] if mark is not None else [])


def scene_layers(
    overlays: list[dict[str, Any]],
    width: int,
    height: int,
    image_bytes: Callable[[dict[str, Any]], bytes],
    reserved: dict[str, int] | None = None,
    face: FaceArea | None = None,
    behind: Callable[[], np.ndarray | None] | None = None,
) -> list[Layer]:
    """A scene's overlays as layers, in their order: pictures first placed at their anchors, then texts placed
    clear of the captions' room, the face and the pictures shown with them, a lower third's bar standing out from
    what is ``behind`` it (``text_layer``). ``image_bytes(overlay)``: an image overlay's file. Titles are placed
    last: one with no room at the top goes below the face, clear of the lower third and the labels."""
    pictures = {i: image_layer(o, image_bytes(o), width, height) for i, o in enumerate(overlays) if o["type"] != "text"}
    shown = list(pictures.values())
    reserved = _captions_room(reserved or {}, shown, width, height)
    texts: dict[int, Layer] = {}
    for i in sorted((i for i in range(len(overlays)) if i not in pictures), key=lambda i: _is_title(overlays[i])):
        texts[i] = text_layer(overlays[i], width, height, reserved, face, shown, behind, list(texts.values()))
    return [pictures[i] if i in pictures else texts[i] for i in range(len(overlays))]


def _is_title(overlay: dict[str, Any]) -> bool:
    return (overlay.get("role") or "title") == "title"


def _captions_room(reserved: dict[str, int], pictures: list[Layer], width: int, height: int) -> dict[str, int]:
    """The room burned-in captions take at the top or the bottom, counted from the safe area's edge, once they
    stand clear of the pictures at that edge (``CaptionTrack.clear_of``): a text there stands beyond both."""
    area = safe_area(width, height)
    boxes = caption_obstacles(pictures)
    room = dict(reserved)
    # the captions are centred: their pages always take the canvas's middle third, narrower or wider beside it
    x, w = width // 3, width // 3
    if room.get("top"):
        room["top"] = clear_of_boxes(x, area.top, w, room["top"], boxes, "top", height) - area.top
        room["top"] += reserved["top"]
    if room.get("bottom"):
        y = clear_of_boxes(x, area.bottom - room["bottom"], w, room["bottom"], boxes, "bottom", height)
        room["bottom"] = area.bottom - y
    return room


def _place(
    pixels: np.ndarray, role: str, position: str, text: str, width: int, height: int, reserved: dict[str, int]
) -> tuple[int, int]:
    """Where a text's picture goes: its role's side of the safe area, clear of the room ``reserved`` for captions."""
    area = safe_area(width, height)
    x = area.left if ROLE_ALIGN[role] == "left" else (width - pixels.shape[1]) // 2
    if ROLE_ALIGN[role] == "left" and right_to_left(tokens(text)):
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


def _over(text: Layer, face: FaceArea, position: str) -> bool:
    """Whether a text at the top or the bottom reaches over the face or its margins (one in the middle is where
    it was asked to be): its ink, not its picture's empty margins (an outlined Arabic title's line box is twice
    its size tall, most of it clear)."""
    return _covered(text, face, position, margins=True) > 0


def _covered(text: Layer, face: FaceArea, position: str, margins: bool = False) -> int:
    """How many of the face's rows (``margins``: with the hairline's and the chin's) a text's ink reaches over."""
    if position == "middle":
        return 0
    inked = text.pixels[..., 3] > 0
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    if not rows.size:
        return 0
    x0, y0 = text.x + int(cols[0]), text.y + int(rows[0])
    return face.rows_covered(x0, y0, text.x + int(cols[-1]) + 1, text.y + int(rows[-1]) + 1, margins)


def text_overflows(overlay: dict[str, Any], width: int, height: int, max_lines: int | None = None) -> bool:
    """Whether a text overlay needs more lines than its role allows (``max_lines``: this many instead) even shrunk
    to the floor (``text_layer`` would then take more lines rather than cut it). A template's render refuses such
    a text before a job exists, at its role's lines; a job's request, at the lines the layout can give it."""
    style, max_width = _text_style(overlay, width, height)
    if max_lines is not None:
        style = replace(style, max_lines=max_lines)
    return overflows(str(overlay["text"]), style, max_width)


def _text_style(
    overlay: dict[str, Any], width: int, height: int, bar: tuple[int, int, int, int] | None = None
) -> tuple[TextStyle, int]:
    """A text overlay's style and the width it may take on a ``width`` × ``height`` canvas (``bar``: its box
    instead of its role's or the one it gives)."""
    role = overlay.get("role") or "title"
    size = int(overlay.get("size") or round(ROLE_SIZE[role] * text_base(width, height)))
    colour = hex_rgb(overlay.get("color") or "#ffffff")
    box = ROLE_BOX[role]
    if overlay.get("background_color"):
        box = hex_rgb(overlay["background_color"]) + (BAR_ALPHA,)
    if bar is not None:
        box = bar
    area = safe_area(width, height)
    # a lower third or label keeps to the left three quarters of a landscape canvas; a vertical one is narrow enough
    max_width = area.width if role == "title" or height > width else int(area.width * 0.75)
    style = TextStyle(
        size=size,
        colour=colour,
        box=box,
        align=ROLE_ALIGN[role],
        max_lines=2 if role != "label" else 1,
        font=overlay.get("font"),
    )
    return style, max_width


def _vertical(position: str, h: int, area: SafeArea, height: int) -> int:
    if position == "top":
        return area.top
    if position == "middle":
        return (height - h) // 2
    return area.bottom - h


def image_layer(overlay: dict[str, Any], image_bytes: bytes, width: int, height: int) -> Layer:
    """An ``{"type": "image", ...}`` overlay (a logo, alpha kept): ``scale`` is its height as a share of what
    text sizes are shares of (``text_base``: the canvas height on a landscape or square canvas; on a portrait
    one, a quarter more than its width), so a logo keeps its size beside the text on every cut; at most the
    safe area's width across."""
    image = Image.open(io.BytesIO(image_bytes)).convert("RGBA")
    area = safe_area(width, height)
    h = float(overlay.get("scale") or 0.15) * text_base(width, height)
    w = min(h * image.width / image.height, float(area.width))
    h = w * image.height / image.width
    w, h = max(2, int(round(w))), max(2, int(round(h)))
    pixels = np.asarray(image.resize((w, h), Image.Resampling.LANCZOS))
    anchor = overlay.get("anchor") or "top_right"
    if anchor == "center":
        x, y = (width - w) // 2, (height - h) // 2
    else:
        vertical, horizontal = anchor.split("_")
        x = area.left if horizontal == "left" else area.right - w
        y = area.top if vertical == "top" else area.bottom - h
    return Layer(pixels, x, y, float(overlay.get("start") or 0.0), overlay.get("end"), picture=True)


def blend(frame: np.ndarray, layer_pixels: np.ndarray, x: int, y: int, alpha: np.ndarray | None = None) -> None:
    """Alpha-blend an RGBA picture onto an RGB or RGBA frame, in place (the part inside the frame).
    ``alpha`` (uint8 (h, w)): the picture's opacity instead of its fourth channel (then it may be RGB).

    On RGB frames: OpenCV's saturating uint8 arithmetic (src·a + dst·(255−a)) / 255, several times
    faster than numpy's float round trip on a 1080p presenter, to within one level."""
    fh, fw = frame.shape[:2]
    h, w = layer_pixels.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, fw), min(y + h, fh)
    if x1 <= x0 or y1 <= y0:
        return
    if alpha is None:
        alpha = layer_pixels[..., 3]
    src = layer_pixels[y0 - y : y1 - y, x0 - x : x1 - x]
    opacity = np.ascontiguousarray(alpha[y0 - y : y1 - y, x0 - x : x1 - x])
    dst = frame[y0:y1, x0:x1]
    if frame.shape[2] == 3:
        a3 = cv2.merge([opacity, opacity, opacity])
        front = cv2.multiply(_packed_rgb(src), a3, scale=1.0 / 255.0)
        back = cv2.multiply(np.ascontiguousarray(dst), cv2.bitwise_not(a3), scale=1.0 / 255.0)
        dst[...] = cv2.add(front, back)
        return
    # "over" onto a frame with its own opacity (a transparent background)
    a = opacity[..., None].astype(np.float32) / 255.0
    da = dst[..., 3:4].astype(np.float32) / 255.0
    out_a = a + da * (1.0 - a)
    rgb = (src[..., :3] * a + dst[..., :3] * (da * (1.0 - a))) / np.maximum(out_a, 1e-6)
    dst[..., :3] = (rgb + 0.5).astype(np.uint8)
    dst[..., 3:4] = (out_a * 255.0 + 0.5).astype(np.uint8)


def _packed_rgb(pixels: np.ndarray) -> np.ndarray:
    """``pixels``' colour as a packed (h, w, 3) array OpenCV can take.

    Pictures often arrive as RGBA, or as the RGB view of an RGBA frame (``face[..., :3]``, the
    presenter); numpy copies such a 3-of-4-bytes view pixel by pixel, at several milliseconds for an
    864² presenter, where OpenCV drops the fourth byte in a tenth of that. A view whose fourth
    bytes lie inside the array it was cut from is read through them."""
    if pixels.shape[2] == 4:
        return cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGBA2RGB)
    if pixels.flags.c_contiguous or pixels.strides[1:] != (4, 1) or pixels.dtype != np.uint8:
        return np.ascontiguousarray(pixels[..., :3])
    owner = pixels
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    widened = np.lib.stride_tricks.as_strided(pixels, shape=(*pixels.shape[:2], 4), strides=(pixels.strides[0], 4, 1))
    low, high = byte_bounds(widened)
    owner_low, owner_high = byte_bounds(owner)
    if low < owner_low or high > owner_high:
        return np.ascontiguousarray(pixels)
    return cv2.cvtColor(widened, cv2.COLOR_RGBA2RGB)
