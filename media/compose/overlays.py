"""Text and image overlays placed on a canvas.

Each text role has readable defaults, sized from the canvas's short side so a
title reads the same on 16:9, 9:16 and 1:1:

- ``title``: large, bold, white with a dark outline, centred at the top;
- ``lower_third``: white on a dark bar at the bottom left, where a name and
  role go on television (bottom right for a text that reads right to left);
  the bar steps darker or lighter where what is behind it (the background,
  the presenter's body) is near its colour, or where letters a job colours
  would read poorly on it (``contrast``);
- ``label``: small, white on a translucent box at the top left (right, likewise).

Every placement keeps inside the safe area (``placement.safe_area``); a title that would cover the face goes where
it covers none of its features (``titles``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from PIL import Image

from media.compose.bidi import right_to_left
from media.compose.contrast import LOWER_THIRD_BARS, bar_against, colours_behind
from media.compose.layout import FaceArea
from media.compose.placement import (
    BAR_ALPHA,
    BESIDE_MIN_SHARE,
    ROLE_ALIGN,
    ROLE_BOX,
    ROLE_POSITION,
    ROLE_SIZE,
    Layer,
    at_edge,
    caption_obstacles,
    clear_of,
    clear_of_boxes,
    covered_rows,
    free_spans,
    on_canvas,
    over_face,
    overlaps,
    place,
    safe_area,
    text_base,
)
from media.compose.text import TextStyle, hex_rgb, overflows, render_text, tokens
from media.compose.titles import title_off_face


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
    at the top and goes below the face (``titles.title_off_face``) stands clear of those shown with it."""
    layer = _laid_out(overlay, width, height, reserved, face, beside, texts=texts)
    size = _text_style(overlay, width, height)[0].size
    while not on_canvas(layer, width, height) and size > 8:
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
        x, y = place(pixels, role, position, text, width, height, reserved or {}, overlay.get("language"))
        at = replace(layer, pixels=pixels, x=x, y=y)
        return at if position == "middle" else clear_of(pictures, at, position, height)

    layer = placed(render_text(text, style, max_width))
    if face is None or not over_face(layer, face, position):
        return layer
    if role == "title" and position == "top":
        titled = title_off_face(layer, text, style, (width, height), reserved or {}, face, pictures, others)
        if titled is not None:
            return titled
    # where it would cover the face: first beside what put it there, at its size (a title at the top of a 9:16 cut
    # beside the logo it was pushed below, onto the presenter's hair; a lower third in the column left of a
    # presenter standing right); then smaller where it is, down to its floor; then beside them, smaller
    logos = [(p.x, p.x + p.pixels.shape[1]) for p in pictures if at_edge(p, position, height)]
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
    if over_face(at_floor, face, position):
        found = aside(floor.size)
        if found is not None:
            return found
    if 2 * covered_rows(at_floor, face, position) > covered_rows(layer, face, position):
        return layer  # smaller, it would cover the face nearly as much (a close-up), only harder to read
    # clear of the face and its margins (the hairline, the chin's travel), or as near as the floor comes
    while over_face(layer, face, position) and style.size > floor.size:
        style = replace(style, size=max(int(style.size * 0.9), floor.size), floor=floor.size)
        layer = placed(render_text(text, style, max_width))
    return layer


def _face_columns(face: FaceArea) -> tuple[int, int]:
    """The columns the face (with its margins) takes, [left, right): an obstacle to a text's width."""
    shown = face.lefts < face.rights
    return int(face.lefts[shown].min()), int(face.rights[shown].max())


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
    spans = free_spans(area.left, area.right, obstacles, gap)
    rtl = right_to_left(tokens(text), style.language)
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
        _, y = place(pixels, role, position, text, width, height, reserved or {})
        if any(overlaps(x, y, w, h, p) for p in pictures):
            return None
        layer = replace(shown, pixels=pixels, x=x, y=y)
        if not over_face(layer, face, position):
            return layer
        if size <= smallest:
            return None
        size = max(int(size * 0.9), smallest)


def scene_layers(
    overlays: list[dict[str, Any]],
    width: int,
    height: int,
    image_bytes: Callable[[dict[str, Any]], bytes],
    reserved: dict[str, int] | None = None,
    face: FaceArea | None = None,
    behind: Callable[[], np.ndarray | None] | None = None,
    keep_clear: Sequence[tuple[int, int, int, int]] = (),
    language: str | None = None,
) -> list[Layer]:
    """A scene's overlays as layers, in their order: pictures first placed at their anchors, then texts placed
    clear of the captions' room, the face and the pictures shown with them, a lower third's bar standing out from
    what is ``behind`` it (``text_layer``). ``image_bytes(overlay)``: an image overlay's file. Titles are placed
    last: one with no room at the top goes below the face, clear of the lower third and the labels.
    ``keep_clear``: boxes (x0, y0, x1, y1) drawn over every frame by others (the visible mark), which texts and
    the captions' room keep clear of as they do of a logo. ``language``: the scene's, each text's unless it gives its
    own (an Arabic scene's lower third "BBC News: مباشر" reads right to left and stands on the right)."""
    overlays = [
        o if o["type"] != "text" or o.get("language") or not language else {**o, "language": language} for o in overlays
    ]
    pictures = {i: image_layer(o, image_bytes(o), width, height) for i, o in enumerate(overlays) if o["type"] != "text"}
    marks = [
        Layer(np.zeros((y1 - y0, x1 - x0, 4), np.uint8), x0, y0, picture=True)
        for x0, y0, x1, y1 in keep_clear
        if x1 > x0 and y1 > y0
    ]
    shown = [*pictures.values(), *marks]
    reserved = _captions_room(reserved or {}, shown, width, height, face)
    texts: dict[int, Layer] = {}
    for i in sorted((i for i in range(len(overlays)) if i not in pictures), key=lambda i: _is_title(overlays[i])):
        texts[i] = text_layer(overlays[i], width, height, reserved, face, shown, behind, list(texts.values()))
    return [pictures[i] if i in pictures else texts[i] for i in range(len(overlays))]


def _is_title(overlay: dict[str, Any]) -> bool:
    return (overlay.get("role") or "title") == "title"


def _captions_room(
    reserved: dict[str, int], pictures: list[Layer], width: int, height: int, face: FaceArea | None = None
) -> dict[str, int]:
    """The room burned-in captions take at the top or the bottom, counted from the safe area's edge, once they
    stand clear of the pictures at that edge (``CaptionTrack.clear_of``): a text there stands beyond both. At the
    top, where standing below a picture would put them on the face's features, they stay at the top beside it
    (``CaptionTrack._beside_boxes``), narrower: room for twice the lines."""
    area = safe_area(width, height)
    boxes = caption_obstacles(pictures)
    room = dict(reserved)
    # the captions are centred: their pages always take the canvas's middle third, narrower or wider beside it
    x, w = width // 3, width // 3
    if room.get("top"):
        pushed = clear_of_boxes(x, area.top, w, room["top"], boxes, "top", height)
        if face is not None and pushed != area.top and face.covers_features(x, pushed, x + w, pushed + room["top"]):
            room["top"] = 2 * reserved["top"]
        else:
            room["top"] = pushed - area.top + reserved["top"]
    if room.get("bottom"):
        y = clear_of_boxes(x, area.bottom - room["bottom"], w, room["bottom"], boxes, "bottom", height)
        room["bottom"] = area.bottom - y
    return room


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
        language=overlay.get("language"),
    )
    return style, max_width


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
