"""Titles kept off the presenter's face: where a title at the top would cover it, beside the logos at the top,
then below the chin over the body, each in steps down to a size still read (``title_off_face``)."""

from __future__ import annotations

from dataclasses import replace

from media.compose.layout import FaceArea
from media.compose.placement import (
    BESIDE_MIN_SHARE,
    ROLE_SIZE,
    Layer,
    at_edge,
    clear_of,
    free_spans,
    ink_box,
    over_face,
    over_features,
    overlaps,
    place,
    safe_area,
    shrinking,
    text_base,
)
from media.compose.text import TextStyle, overflows, render_text

#: a title kept off the face may take this many lines; at a label's size, where nothing larger fits, this many
TITLE_LINES_BESIDE_FACE, TITLE_LINES_SMALLEST = 3, 5
#: the smallest a title kept off the face's features is drawn, a share of ``text_base``: half a subtitle caption's
#: size (0.05), a third of a title's (34 px on a 1080 × 1920 cut, 27 px on a 1080-line 16:9 or 1:1 one), the
#: smallest letters the farm lets carry a sentence; below it a title would not be read
TITLE_SMALLEST = 0.025


def title_off_face(
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
    at_top = [p for p in pictures if at_edge(p, "top", height)]

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
    tries += [(where, step) for step in smaller for where in (top, below)]
    for where, (lined, smallest) in tries:
        found = where(lined, smallest)
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
    free = free_spans(area.left, area.right, [(p.x, p.x + p.pixels.shape[1]) for p in at_top], gap)
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
    for sized in shrinking(style, smallest):
        if overflows(text, sized, area.width):
            continue
        pixels = render_text(text, sized, area.width)
        h, w = pixels.shape[:2]
        left, top, right, bottom = ink_box(pixels) or (0, 0, w, h)
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
    for sized in shrinking(style, smallest):
        if overflows(text, sized, right - left):
            continue
        pixels = render_text(text, sized, right - left)
        h, w = pixels.shape[:2]
        x = min(max((width - w) // 2, left), right - w)  # as near the canvas's centre as the span lets it
        _, y = place(pixels, "title", "top", text, width, height, reserved)
        layer = replace(shown, pixels=pixels, x=x, y=y)
        if pushed:
            layer = clear_of(at_top, layer, "top", height)
        clear = (
            not over_face(layer, face, "top") if whole_face else not over_features(layer.pixels, layer.x, layer.y, face)
        )
        meets = any(overlaps(layer.x, layer.y, w, h, p) for p in at_top)
        if clear and not meets and layer.y + h <= area.bottom:
            return layer
    return None
