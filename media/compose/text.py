"""Text as an RGBA picture: titles, lower thirds, labels and caption pages.

Text is laid out a word at a time (each word shaped whole by HarfBuzz, so
Arabic letters join and Devanagari conjuncts form), words wrap to the width
they are given, and a text that still needs more lines than it may have
shrinks, down to a floor; below it, it takes more lines. Nothing is ever cut.
A line with Arabic or Hebrew runs right to left. Chinese and Japanese wrap
between any two characters, with no spaces added.

Each word may have its own colour: that is how a ``word`` caption highlights
the word being spoken.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from media.compose.fonts import font_for, load_font

RGB = tuple[int, int, int]
_drawing = threading.Lock()
#: a text may shrink to this share of its size before it takes more lines
SHRINK_FLOOR = 0.6
_CJK = re.compile(
    r"[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_SPACELESS = re.compile(r"[\u2e80-\u2fdf\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def hex_rgb(colour: str) -> RGB:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def tokens(text: str) -> list[str]:
    """Words to lay out: split at spaces; Chinese and Japanese characters are each a token (they wrap anywhere)."""
    out: list[str] = []
    for word in text.split():
        if not _SPACELESS.search(word):
            out.append(word)
            continue
        run = ""
        for char in word:
            if _SPACELESS.match(char):
                if run:
                    out.append(run)
                    run = ""
                out.append(char)
            else:
                run += char
        if run:
            out.append(run)
    return out


def _gap(left: str, right: str, space: float) -> float:
    return 0.0 if _SPACELESS.search(left[-1:]) or _SPACELESS.search(right[:1]) else space


@dataclass(frozen=True)
class TextStyle:
    size: int  # pixels, before any shrinking
    colour: RGB
    box: tuple[int, int, int, int] | None  # RGBA of the box behind the text, None: an outline instead
    align: str = "center"  # left | center | right (of each line within the block)
    max_lines: int = 2
    font: str | None = None


def render_words(words: list[str], colours: list[RGB], style: TextStyle, max_width: int) -> np.ndarray:
    """The words as an RGBA picture (uint8 H, W, 4) at most ``max_width`` wide.

    One at a time: the cached font objects (``load_font``) are shared by the threads that compose a
    job's cuts, and a FreeType face is not safe to use from two threads at once."""
    with _drawing:
        return _render_words(words, colours, style, max_width)


def _render_words(words: list[str], colours: list[RGB], style: TextStyle, max_width: int) -> np.ndarray:
    text = " ".join(words)
    font_name = font_for(text, style.font)
    rtl = bool(_RTL.search(text))
    size = style.size
    while True:
        font = load_font(font_name, size)
        lines = _wrap(words, font, max_width - 2 * _padding(size))
        if len(lines) <= style.max_lines or size <= style.size * SHRINK_FLOOR:
            break
        size = max(int(size * 0.9), int(style.size * SHRINK_FLOOR))
    if any(_width(font, [words[i] for i in line]) > max_width - 2 * _padding(size) for line in lines):
        # one word wider than the space: shrink until the widest word fits
        widest = max(font.getlength(w) for w in words)
        size = max(8, int(size * (max_width - 2 * _padding(size)) / widest))
        font = load_font(font_name, size)
        lines = _wrap(words, font, max_width - 2 * _padding(size))
    return _draw(words, colours, lines, font, size, style, rtl)


def overflows(text: str, style: TextStyle, max_width: int) -> bool:
    """Whether ``text`` needs more than ``style.max_lines`` lines even at the floor size, wrapped as
    ``render_words`` wraps it (the floor is where it stops shrinking and takes more lines instead)."""
    words = tokens(text)
    if not words:
        return False
    floor = max(1, int(style.size * SHRINK_FLOOR))
    with _drawing:
        font = load_font(font_for(" ".join(words), style.font), floor)
        return len(_wrap(words, font, max_width - 2 * _padding(floor))) > style.max_lines


def _padding(size: int) -> int:
    return max(2, int(round(size * 0.35)))


def _width(font: ImageFont.FreeTypeFont, words: list[str]) -> float:
    space = font.getlength(" ")
    total = 0.0
    for i, word in enumerate(words):
        if i:
            total += _gap(words[i - 1], word, space)
        total += font.getlength(word)
    return total


def _wrap(words: list[str], font: ImageFont.FreeTypeFont, width: float) -> list[list[int]]:
    lines: list[list[int]] = [[]]
    for i, word in enumerate(words):
        candidate = [words[j] for j in lines[-1]] + [word]
        if lines[-1] and _width(font, candidate) > width:
            lines.append([])
        lines[-1].append(i)
    return lines


def _draw(
    words: list[str],
    colours: list[RGB],
    lines: list[list[int]],
    font: ImageFont.FreeTypeFont,
    size: int,
    style: TextStyle,
    rtl: bool,
) -> np.ndarray:
    pad = _padding(size)
    ascent, descent = font.getmetrics()
    line_height = int(round((ascent + descent) * 1.12))
    space = font.getlength(" ")
    widths = [_width(font, [words[i] for i in line]) for line in lines]
    inner = int(np.ceil(max(widths)))
    stroke = 0 if style.box else max(1, size // 12)
    width, height = inner + 2 * pad + 2 * stroke, line_height * len(lines) + 2 * pad - (line_height - ascent - descent)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if style.box:
        draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=pad, fill=style.box)
    for row, (line, line_width) in enumerate(zip(lines, widths)):
        if style.align == "left":
            x = float(pad + stroke)
        elif style.align == "right":
            x = float(width - pad - stroke - line_width)
        else:
            x = (width - line_width) / 2.0
        y = pad + row * line_height
        order = list(reversed(line)) if rtl else line
        for k, i in enumerate(order):
            if k:
                x += _gap(words[order[k - 1]], words[i], space)
            draw.text(
                (x, y), words[i], font=font, fill=colours[i] + (255,), stroke_width=stroke, stroke_fill=(0, 0, 0, 255)
            )
            x += font.getlength(words[i])
    return np.asarray(image)


def render_text(text: str, style: TextStyle, max_width: int) -> np.ndarray:
    words = tokens(text)
    return render_words(words, [style.colour] * len(words), style, max_width)
