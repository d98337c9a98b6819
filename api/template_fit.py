"""Whether a text fits its overlay: the ``text_overflow`` check of a template's render.

The compositor (``media.compose``, on the compose-media branch) never cuts a
text: it wraps words to the overlay's width, shrinks the text down to a
floor (``SHRINK_FLOOR`` of its size), and below that takes more lines than
the role allows. A template filled from a spreadsheet should not quietly
make a headline of four lines, so a render refuses a text that still needs
more lines than its role allows at the floor size.

Until media.compose is merged, the geometry (role sizes, safe area, line
counts) is repeated here and words are measured with Pillow's own scalable
font (``ImageFont.load_default(size)``, a sans of Noto Sans's proportions).
``measure_words`` is the one function to switch to media's measurer
(``media.compose.load_font(font_for(text, font), size).getlength``) after
``git merge main``; the geometry constants then come from media too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PIL import ImageFont

#: media.compose.text.SHRINK_FLOOR
SHRINK_FLOOR = 0.6
#: media.compose.overlays.ROLE_SIZE: a share of the canvas's short side
ROLE_SIZE = {"title": 0.075, "lower_third": 0.048, "label": 0.034}
#: media.compose.overlays.text_layer: labels take one line, titles and lower thirds two
ROLE_LINES = {"title": 2, "lower_third": 2, "label": 1}

Measure = Callable[[str], float]


@functools.lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


def measure_words(font_name: str | None, size: int) -> Measure:
    """How wide a run of text is at ``size`` pixels. Switch here to media.compose's fonts after the merge."""
    font = _font(size)
    return lambda text: float(font.getlength(text))


def lines_needed(words: list[str], width: float, measure: Measure) -> int:
    """Greedy wrapping, as media.compose.text wraps: a word goes on the line while it fits."""
    lines, current = 0, ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate) > width:
            lines += 1
            current = word
        else:
            current = candidate
    return lines + (1 if current else 0)


def text_overflows(overlay: dict[str, Any], canvas: dict[str, int]) -> bool:
    """True when a normalised text overlay needs more lines than its role allows, even at the floor size."""
    width, height = canvas["width"], canvas["height"]
    role = overlay.get("role") or "label"
    base = min(width, height) * (1.25 if height > width else 1.0)  # media.compose.overlays.text_base
    size = int(overlay.get("size") or round(ROLE_SIZE[role] * base))
    floor = max(8, int(size * SHRINK_FLOOR))
    safe_width = width - 2 * int(0.05 * width)  # media.compose.overlays.safe_area
    max_width = safe_width if role == "title" or height > width else int(safe_width * 0.75)
    padding = max(2, int(round(floor * 0.35)))
    words = str(overlay.get("text") or "").split()
    return lines_needed(words, max_width - 2 * padding, measure_words(overlay.get("font"), floor)) > ROLE_LINES[role]
