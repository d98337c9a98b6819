"""A lower third's bar that stands out from what is behind it, its letters readable on it.

The farm's bar is slate #1f2937 (at 235/255), the colour the composer also offers as the scene's background,
on which the bar vanished and a name read as bare text; a navy or near-black brand colour did the same. As a
broadcast designer would, the bar steps away from the background in lightness: where the default bar stands
less than ``BAR_MIN_CONTRAST`` from the mean colour behind it (by WCAG 2's contrast ratio), it is drawn in the
one of a near-black and a lighter grey that stands out more. Each of the three keeps white letters above
WCAG's 4.5:1 (14.7, 20.1 and 7.6), and on any colour one of them stands 1.56:1 or more from it. A bar whose
colour a job or its brand kit gives is drawn as given.
"""

from __future__ import annotations

import numpy as np

RGB = tuple[int, int, int]

#: the default bar (Tailwind's gray-800), then the ones it gives way to: gray-950, a near-black, and gray-600
LOWER_THIRD_BARS: tuple[RGB, ...] = ((31, 41, 55), (3, 7, 18), (75, 85, 99))
#: the contrast a bar keeps from the mean colour behind it: a clear step in lightness (WCAG asks 3:1 of a control's
#: edge, which no bar under white letters at 4.5:1 can keep on every colour)
BAR_MIN_CONTRAST = 1.5
#: WCAG 2's AA contrast for text
TEXT_MIN_CONTRAST = 4.5


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2's relative luminance of an sRGB colour (0..255 a channel): 0 for black, 1 for white."""
    c = np.asarray(rgb, np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(linear @ (0.2126, 0.7152, 0.0722))


def contrast_ratio(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG 2's contrast ratio of two colours, 1 (the same) to 21 (black and white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def shown_over(bar: RGB, alpha: int, behind: tuple[float, float, float]) -> tuple[float, float, float]:
    """The colour a bar of opacity ``alpha`` (of 255) shows over ``behind``."""
    a = alpha / 255.0
    r, g, b = (front * a + back * (1.0 - a) for front, back in zip(bar, behind))
    return r, g, b


def bar_against(behind: tuple[float, float, float], text: RGB, alpha: int) -> RGB:
    """The lower third's bar over ``behind`` (the mean colour behind it) under letters of colour ``text``: the
    default while it stands ``BAR_MIN_CONTRAST`` from it, else the one of ``LOWER_THIRD_BARS`` that stands out
    most among those that keep the letters as readable as the default does, up to ``TEXT_MIN_CONTRAST``."""
    default = LOWER_THIRD_BARS[0]

    def stands_out(bar: RGB) -> float:
        return contrast_ratio(shown_over(bar, alpha, behind), behind)

    if stands_out(default) >= BAR_MIN_CONTRAST:
        return default
    legible = min(TEXT_MIN_CONTRAST, contrast_ratio(text, default))
    readable = [bar for bar in LOWER_THIRD_BARS if contrast_ratio(text, bar) >= legible]
    return max(readable, key=stands_out)


def mean_behind(backdrop: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[float, float, float] | None:
    """The mean colour of ``backdrop`` (RGB) in the ``w`` × ``h`` rectangle at (``x``, ``y``), the part inside it;
    None if none is."""
    fh, fw = backdrop.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, fw), min(y + h, fh)
    if x1 <= x0 or y1 <= y0:
        return None
    r, g, b = backdrop[y0:y1, x0:x1, :3].reshape(-1, 3).mean(axis=0)
    return float(r), float(g), float(b)
