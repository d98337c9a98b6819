"""A lower third's bar that stands out from what is behind it, its letters readable on it.

The farm's bar is slate #1f2937 (at 235/255), the colour the composer also offers as the scene's background,
on which the bar vanished and a name read as bare text; a navy or near-black brand colour did the same, and so
did a cut-out presenter's dark jacket standing behind it. As a broadcast designer would, the bar steps away
from what is behind it in lightness: where the default bar stands less than ``BAR_MIN_CONTRAST`` (by WCAG 2's
contrast ratio) from most of what the frame shows behind its rectangle (the background with the presenter at
rest over it), or its letters would read below ``TEXT_MIN_CONTRAST`` on it, another of ``LOWER_THIRD_BARS`` is
drawn: a darker or lighter grey under light letters, a light one under dark letters a job gives. White letters
stay above WCAG's 4.5:1 on each dark bar (14.7, 20.1 and 7.6), and on any colour one of those stands 1.56:1 or
more from it. A bar whose colour a job or its brand kit gives is drawn as given, and so are letters' colours.
"""

from __future__ import annotations

import numpy as np

RGB = tuple[int, int, int]

#: the default bar (Tailwind's gray-800), then the ones it gives way to: under light letters gray-950, a
#: near-black, and gray-600; under dark letters (a colour a job gives) gray-100 and gray-300
LOWER_THIRD_BARS: tuple[RGB, ...] = ((31, 41, 55), (3, 7, 18), (75, 85, 99), (243, 244, 246), (209, 213, 219))
#: the contrast a bar keeps from what is behind it: a clear step in lightness (WCAG asks 3:1 of a control's
#: edge, which no bar under white letters at 4.5:1 can keep on every colour)
BAR_MIN_CONTRAST = 1.5
#: the share of what is behind a bar it must stand ``BAR_MIN_CONTRAST`` from: most of it, so that a bar half over a
#: presenter's dark jacket and half over a white wall is judged against both, not against their mean grey
BAR_STANDS_FROM = 0.75
#: WCAG 2's AA contrast for text
TEXT_MIN_CONTRAST = 4.5
#: at most this many of the pixels behind a bar are looked at (evenly spread): a 4K bar has half a million
BEHIND_SAMPLE = 16_384


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2's relative luminance of an sRGB colour (0..255 a channel): 0 for black, 1 for white."""
    return float(_luminances(np.asarray(rgb, np.float64)))


def contrast_ratio(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG 2's contrast ratio of two colours, 1 (the same) to 21 (black and white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _luminances(rgb: np.ndarray) -> np.ndarray:
    """``relative_luminance`` of each colour along the last axis."""
    c = rgb / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    out: np.ndarray = linear @ np.array((0.2126, 0.7152, 0.0722))
    return out


def _ratios(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``contrast_ratio`` of each pair of luminances."""
    out: np.ndarray = (np.maximum(a, b) + 0.05) / (np.minimum(a, b) + 0.05)
    return out


def shown_over(bar: RGB, alpha: int, behind: tuple[float, float, float]) -> tuple[float, float, float]:
    """The colour a bar of opacity ``alpha`` (of 255) shows over ``behind``."""
    a = alpha / 255.0
    r, g, b = (front * a + back * (1.0 - a) for front, back in zip(bar, behind))
    return r, g, b


def bar_against(behind: np.ndarray | None, text: RGB, alpha: int) -> RGB:
    """The lower third's bar, of opacity ``alpha``, under letters of colour ``text`` over ``behind`` (the colours
    behind its rectangle, (n, 3); None where they are not known: a video, a transparent background).

    The default while it stands ``BAR_MIN_CONTRAST`` from ``BAR_STANDS_FROM`` of what is behind it and keeps the
    letters at ``TEXT_MIN_CONTRAST``; else, of ``LOWER_THIRD_BARS``, the one that stands out most among those that
    keep both. Where none keeps both (grey letters on navy: only a near-black bar keeps them readable, and it is
    near the navy), the letters come first: the one that stands out most among those that keep them readable;
    and where none keeps them readable (letters of a middle grey), the one they read best on. Where ``behind`` is
    not known, the default unless its letters would be hard to read on it."""
    default = LOWER_THIRD_BARS[0]
    a = alpha / 255.0
    if behind is None:
        if contrast_ratio(text, default) >= TEXT_MIN_CONTRAST:
            return default
        return max(LOWER_THIRD_BARS, key=lambda bar: min(contrast_ratio(text, bar), TEXT_MIN_CONTRAST))
    behind = np.asarray(behind, np.float64).reshape(-1, 3)
    seen = _luminances(behind)
    mean = behind.mean(axis=0)

    def stands_out(bar: RGB) -> float:
        shown = _luminances(np.asarray(bar, np.float64) * a + behind * (1.0 - a))
        return float(np.quantile(_ratios(shown, seen), 1.0 - BAR_STANDS_FROM))

    def legible(bar: RGB) -> float:
        return contrast_ratio(text, shown_over(bar, alpha, (mean[0], mean[1], mean[2])))

    def keeps(bar: RGB) -> tuple[bool, bool]:
        return legible(bar) >= TEXT_MIN_CONTRAST, stands_out(bar) >= BAR_MIN_CONTRAST

    if keeps(default) == (True, True):
        return default
    both = [bar for bar in LOWER_THIRD_BARS if keeps(bar) == (True, True)]
    if both:
        return max(both, key=stands_out)
    # no bar keeps both: the letters come first, a bar that stands out little is better than a name one cannot read
    # (#888888 on #040860: near-black keeps the letters at 5.7:1 and stands 1.15:1 from the navy, slate 4.2 and 1.15)
    readable = [bar for bar in LOWER_THIRD_BARS if legible(bar) >= TEXT_MIN_CONTRAST]
    if readable:
        return max(readable, key=stands_out)
    return max(LOWER_THIRD_BARS, key=legible)


def colours_behind(backdrop: np.ndarray, x: int, y: int, w: int, h: int) -> np.ndarray | None:
    """The colours of ``backdrop`` (RGB) in the ``w`` × ``h`` rectangle at (``x``, ``y``), the part inside it, as
    (n, 3), at most about ``BEHIND_SAMPLE`` of them spread evenly over it; None if no part is inside."""
    fh, fw = backdrop.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, fw), min(y + h, fh)
    if x1 <= x0 or y1 <= y0:
        return None
    step = max(1, int(np.ceil(np.sqrt((x1 - x0) * (y1 - y0) / BEHIND_SAMPLE))))
    return backdrop[y0:y1:step, x0:x1:step, :3].reshape(-1, 3)
