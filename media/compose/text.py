"""Text as an RGBA picture: titles, lower thirds, labels and caption pages.

Text is laid out a word at a time (each word shaped whole by HarfBuzz, so
Arabic letters join and Devanagari conjuncts form), words wrap to the width
they are given, and a text that still needs more lines than it may have
shrinks, down to a floor; below it, it takes more lines. Nothing is ever cut.
A line with Arabic or Hebrew runs right to left, its punctuation where the
bidirectional algorithm puts it (``bidi``). Chinese and Japanese wrap between
their words (ICU's dictionary), with no spaces added; no line begins with a
stop or a closing bracket or ends with an opening one (kinsoku). A text that
needs several lines takes lines of similar widths, not one word on the last.

Each word may have its own colour: that is how a ``word`` caption highlights
the word being spoken.

A text is drawn in one font (``fonts.font_for``), but a word with a character
that font lacks is drawn in a shipped font that has them all
(``fonts.word_font``: the middle dot of "北京 · 上海" in Noto Sans), or, where
no one font has them all, a run of characters at a time (``fonts.word_runs``),
on the same baseline, instead of as boxes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np
from icu4py.breakers import CharacterBreaker, WordBreaker
from PIL import Image, ImageDraw, ImageFont

from media.compose.bidi import levels, neutral_pieces, right_to_left, shown_order, word_type
from media.compose.fonts import EMOJI_FONT, RIGHT_TO_LEFT, EmojiFace, font_for, load_font, word_runs

RGB = tuple[int, int, int]
#: what draws a run of a word: a text font, or colour emoji
Face = ImageFont.FreeTypeFont | EmojiFace
_drawing = threading.Lock()
#: a text may shrink to this share of its size before it takes more lines
SHRINK_FLOOR = 0.6
_CJK = re.compile(
    r"[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)
_SPACELESS = re.compile(r"[\u2e80-\u2fdf\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


#: scripts written without spaces between words, which only a dictionary can break into lines: Thai, Lao, Myanmar,
#: Khmer (and the locale whose dictionary ICU uses for each)
_DICTIONARY_BROKEN = (
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0e80-\u0eff]"), "lo"),
    (re.compile(r"[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]"), "my"),
    (re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]"), "km"),
)


def line_pieces(word: str) -> list[str]:
    """Where a line may break inside ``word``: a Thai, Lao, Myanmar or Khmer word (a phrase, since these scripts
    put no spaces between words) in the pieces ICU's line breaker finds with its dictionary (UAX #14):
    "ข่าวด่วนนายกรัฐมนตรี" is ข่าว|ด่วน|นายก|รัฐมนตรี. Any other word whole. Without this a long Thai title had no
    place to wrap, and shrank to a third of its size on a 9:16 cut."""
    for script, locale in _DICTIONARY_BROKEN:
        if script.search(word):
            from icu4py.breakers import LineBreaker

            pieces = [piece for piece in LineBreaker(word, locale) if piece]
            return pieces or [word]
    return [word]


def _breakable(
    words: list[str], spaced: list[bool], colours: list[RGB] | None = None
) -> tuple[list[str], list[bool], list[RGB]]:
    """The words cut into ``line_pieces`` (no space between the pieces of one word; each piece in its word's
    colour), so that wrapping may break inside a Thai phrase as it does between words."""
    out_words: list[str] = []
    out_spaced: list[bool] = []
    out_colours: list[RGB] = []
    for i, word in enumerate(words):
        pieces = line_pieces(word)
        out_words += pieces
        out_spaced += [spaced[i]] + [False] * (len(pieces) - 1)
        out_colours += [colours[i] if colours else (255, 255, 255)] * len(pieces)
    return out_words, out_spaced, out_colours


def hex_rgb(colour: str) -> RGB:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def cjk_cells(word: str) -> int:
    """How many character cells a Chinese or Japanese word takes (its characters, full-width punctuation
    included); 0 for a word in any other script."""
    letters = [c for c in word if c.isalnum()]
    if not letters or not all(_SPACELESS.match(c) for c in letters):
        return 0
    return len(word.strip())


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


def spaced_as_written(text: str) -> list[bool]:
    """For each of ``tokens(text)``, whether the text has a space before it: "北京 · 上海" keeps the spaces its
    writer put around the dot, and "北京新闻" stays without any."""
    out: list[bool] = []
    for word in text.split():
        out.extend([bool(out)] + [False] * (len(tokens(word)) - 1))
    return out


def _spaced_by_script(words: list[str]) -> list[bool]:
    """Words given one by one (a caption's): a space between two, except beside Chinese or Japanese."""
    return [
        i > 0 and not (_SPACELESS.search(words[i - 1][-1:]) or _SPACELESS.search(words[i][:1]))
        for i in range(len(words))
    ]


@dataclass(frozen=True)
class TextStyle:
    size: int  # pixels, before any shrinking
    colour: RGB
    box: tuple[int, int, int, int] | None  # RGBA of the box behind the text, None: an outline instead
    align: str = "center"  # left | center | right (of each line within the block); left is the start side, so
    # a right-to-left text given "left" aligns its lines right
    max_lines: int = 2
    font: str | None = None
    #: the size it may shrink to before it takes more lines (None: ``SHRINK_FLOOR`` of ``size``); a text already
    #: drawn smaller than it was asked for keeps the floor of the size it was asked for
    floor: int | None = None
    #: the text's language ("ar", "en-GB"), where it is known: a text in one written right to left reads so as soon
    #: as it has a letter that does (``bidi.right_to_left``), though it begins with an English name
    language: str | None = None

    @property
    def smallest(self) -> int:
        return max(1, min(self.size, self.floor if self.floor is not None else int(self.size * SHRINK_FLOOR)))


class _Faces:
    """A text's font at one size, and for each word the fonts that draw it: the text's own, a fallback that has
    all of the word, or, where no one font has it all, one per run of its characters (``fonts.word_runs``)."""

    def __init__(self, name: str, size: int):
        self.name = name
        self.main = load_font(name, size)
        self._runs: dict[str, list[tuple[str, Face]]] = {}
        self._lengths: dict[str, float] = {}  # wrapping measures each word once per line it might end

    def runs(self, word: str) -> list[tuple[str, Face]]:
        runs = self._runs.get(word)
        if runs is None:
            runs = self._runs[word] = [(text, self._face(font)) for text, font in word_runs(word, self.name)]
        return runs

    def _face(self, font: str) -> Face:
        if font == self.name:
            return self.main
        return EmojiFace(int(self.main.size)) if font == EMOJI_FONT else load_font(font, self.main.size)

    def length(self, word: str) -> float:
        length = self._lengths.get(word)
        if length is None:
            length = self._lengths[word] = sum(float(font.getlength(text)) for text, font in self.runs(word))
        return length


def render_words(
    words: list[str],
    colours: list[RGB],
    style: TextStyle,
    max_width: int,
    spaced: list[bool] | None = None,
    rtl: bool | None = None,
) -> np.ndarray:
    """The words as an RGBA picture (uint8 H, W, 4) at most ``max_width`` wide; ``spaced[i]``: whether a space
    goes before word i (by default, between any two but beside Chinese and Japanese); ``rtl``: whether the
    paragraph they come from reads right to left (by default, whether they do: ``bidi.right_to_left``, from their
    first strong letter, the most of their letters and ``style.language``), for a caption page cut from a sentence.

    One at a time: the cached font objects (``load_font``) are shared by the threads that compose a
    job's cuts, and a FreeType face is not safe to use from two threads at once."""
    with _drawing:
        return _render_words(
            words,
            colours,
            style,
            max_width,
            spaced or _spaced_by_script(words),
            right_to_left(words, style.language) if rtl is None else rtl,
        )


def _render_words(
    words: list[str], colours: list[RGB], style: TextStyle, max_width: int, spaced: list[bool], rtl: bool
) -> np.ndarray:
    words, spaced, colours = _breakable(words, spaced, colours)
    font_name = font_for(" ".join(words), style.font)
    size = style.size
    while True:
        faces = _Faces(font_name, size)
        width = max_width - 2 * _padding(size)
        at_floor = size <= style.smallest
        laid = _broken_to_fit(words, spaced, colours, faces, width) if at_floor else (words, spaced, colours)
        lines = _wrap(laid[0], laid[1], faces, width)
        wider = any(_width(faces, laid[0], laid[1], line) > width for line in lines)
        if at_floor or (len(lines) <= style.max_lines and not wider):
            break
        size = max(int(size * 0.9), style.smallest)
    words, spaced, colours = laid
    if any(_width(faces, words, spaced, line) > width for line in lines):
        # one letter wider than the space even at the floor (a huge size on a narrow canvas): shrink until it fits
        widest = max(faces.length(w) for w in words)
        size = max(8, int(size * width / widest))
        faces = _Faces(font_name, size)
        lines = _wrap(words, spaced, faces, max_width - 2 * _padding(size))
    return _draw(words, spaced, colours, _balanced(lines, words, spaced, faces), faces, size, style, rtl)


def _broken_to_fit(
    words: list[str], spaced: list[bool], colours: list[RGB], faces: _Faces, width: float
) -> tuple[list[str], list[bool], list[RGB]]:
    """Each word wider than ``width`` (a pasted URL, "W" * 500) cut between its letters (grapheme clusters, as ICU
    finds them) into pieces that each fit, as a browser's ``overflow-wrap: anywhere`` does: no space between the
    pieces, each in its word's colour. Before, such a word was shrunk until it fitted the width, far below the
    floor (a 120-character URL ~12 px high on 1080 x 1920), and counted as one line, so no request was refused."""
    out_words: list[str] = []
    out_spaced: list[bool] = []
    out_colours: list[RGB] = []
    for word, space, colour in zip(words, spaced, colours):
        pieces = [word]
        if faces.length(word) > width:
            pieces = [""]
            for cluster in CharacterBreaker(word, ""):
                if pieces[-1] and faces.length(pieces[-1] + cluster) > width:
                    pieces.append("")
                pieces[-1] += cluster
        out_words += pieces
        out_spaced += [space] + [False] * (len(pieces) - 1)
        out_colours += [colour] * len(pieces)
    return out_words, out_spaced, out_colours


def overflows(text: str, style: TextStyle, max_width: int) -> bool:
    """Whether ``text`` needs more than ``style.max_lines`` lines even at the floor size, wrapped as
    ``render_words`` wraps it (the floor is where it stops shrinking and takes more lines instead; a word wider
    than a line is broken across lines there)."""
    words = tokens(text)
    if not words:
        return False
    floor = style.smallest
    words, spaced, colours = _breakable(words, spaced_as_written(text))
    width = max_width - 2 * _padding(floor)
    with _drawing:
        faces = _Faces(font_for(" ".join(words), style.font), floor)
        words, spaced, _ = _broken_to_fit(words, spaced, colours, faces, width)
        return len(_wrap(words, spaced, faces, width)) > style.max_lines


def widest_page_lines(pages: list[list[str]], style: TextStyle, max_width: int) -> int:
    """How many lines the widest of ``pages`` (each a caption page's words, given one by one) takes at the
    style's size, as ``render_words`` wraps it (at most ``style.max_lines``: beyond, it shrinks)."""
    lines = 1
    with _drawing:
        faces: dict[str, _Faces] = {}
        for words in pages:
            if not words:
                continue
            name = font_for(" ".join(words), style.font)
            face = faces.get(name) or faces.setdefault(name, _Faces(name, style.size))
            pieces, spaced, _ = _breakable(words, _spaced_by_script(words))
            wrapped = _wrap(pieces, spaced, face, max_width - 2 * _padding(style.size))
            lines = max(lines, min(len(wrapped), style.max_lines))
            if lines == style.max_lines:
                break
    return lines


def _padding(size: int) -> int:
    return max(2, int(round(size * 0.35)))


def _line_height(ascent: int, descent: int) -> int:
    return int(round((ascent + descent) * 1.12))


def block_height(font: str, size: int, lines: int) -> int:
    """The height of a picture ``render_words`` draws of ``lines`` lines in ``font`` at ``size``, its box or
    outline included: what other text must keep clear of (the fonts' line heights differ by up to 1.6 times:
    Arabic's is the tallest)."""
    with _drawing:
        return _block_height(font, size, lines)


def _block_height(font: str, size: int, lines: int) -> int:
    ascent, descent = load_font(font, size).getmetrics()
    line_height = _line_height(ascent, descent)
    return line_height * lines + 2 * _padding(size) - (line_height - ascent - descent)


def _width(faces: _Faces, words: list[str], spaced: list[bool], line: list[int]) -> float:
    """The width of the words ``line`` names (indices, in order), with a space before each spaced one but the first."""
    space = faces.main.getlength(" ")
    return sum(faces.length(words[i]) for i in line) + space * sum(spaced[i] for i in line[1:])


#: what a line may not begin with (closing brackets, stops and commas, small kana, the prolonged sound mark, the
#: iteration marks) and what it may not end with (opening brackets): kinsoku shori, as JIS X 4051 and CSS's
#: ``line-break: strict`` keep them
_NO_LINE_START = frozenset(
    "、。，．・：；？！‼⁇⁈⁉）〕］｝〉》」』】〙〗〟’”｠»‐゠–〜～ーゝゞヽヾ々〻"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    ")]}:;,.!?%"
)
_NO_LINE_END = frozenset("（〔［｛〈《「『【〘〖〝‘“｟«([{")


def _glued(words: list[str], spaced: list[bool]) -> list[bool]:
    """For each word, whether a line may not begin with it: a closing bracket or a comma ("、", "）"), a word after
    an opening bracket, a word of no letter or digit (the "·" of "Ravi Kumar · Camera", a "|" or a dash: it stays at
    the end of the line before), and a Chinese or Japanese character inside a word (ICU's dictionary finds the
    words: "总体" stays whole, as "観測" does)."""
    glued = [
        i > 0
        and (
            words[i][:1] in _NO_LINE_START
            or words[i - 1][-1:] in _NO_LINE_END
            or not any(char.isalnum() for char in words[i])
        )
        for i in range(len(words))
    ]
    start = 0
    while start < len(words):
        end = start + 1
        while (
            end < len(words) and not spaced[end] and _SPACELESS.search(words[end]) and _SPACELESS.search(words[end - 1])
        ):
            end += 1
        if end - start > 1:
            offsets, at = set(), 0
            for word in WordBreaker("".join(words[start:end]), "ja"):
                at += len(word)
                offsets.add(at)
            at = 0
            for i in range(start, end - 1):
                at += len(words[i])
                glued[i + 1] = glued[i + 1] or at not in offsets
        start = end
    return glued


def _wrap(
    words: list[str], spaced: list[bool], faces: _Faces, width: float, glued: list[bool] | None = None
) -> list[list[int]]:
    """The words in lines at most ``width`` wide, each line as full as it may be; where a line would begin with a
    word ``_glued`` to the one before it, the break moves back to where one may begin. A line with nowhere to break
    breaks where it must."""
    glued = _glued(words, spaced) if glued is None else glued
    lines: list[list[int]] = [[]]
    for i in range(len(words)):
        line = lines[-1]
        if line and _width(faces, words, spaced, line + [i]) > width:
            at = next((k for k in range(len(line), 0, -1) if not glued[(line + [i])[k]]), len(line))
            lines.append(line[at:])
            del line[at:]
        lines[-1].append(i)
    return lines


def _balanced(lines: list[list[int]], words: list[str], spaced: list[bool], faces: _Faces) -> list[list[int]]:
    """The same words in as many lines, of widths as near one another as they come: the narrowest width they still
    fit in that many lines (as CSS's ``text-wrap: balance``). Filled greedily, a title's last line held one word
    ("vivienda", "観測")."""
    if len(lines) < 2:
        return lines
    glued = _glued(words, spaced)
    best = lines
    low, high = 0.0, max(_width(faces, words, spaced, line) for line in lines)
    for _ in range(12):
        middle = (low + high) / 2
        tried = _wrap(words, spaced, faces, middle, glued)
        # a width so narrow that a line must begin with a word glued to the one before ("— coast") is too narrow
        forced = any(glued[line[0]] for line in tried[1:] if line) and not any(glued[line[0]] for line in lines[1:])
        if (
            len(tried) <= len(lines)
            and not forced
            and all(_width(faces, words, spaced, line) <= middle for line in tried)
        ):
            best, high = tried, middle
        else:
            low = middle
    return best


def _draw(
    words: list[str],
    spaced: list[bool],
    colours: list[RGB],
    lines: list[list[int]],
    faces: _Faces,
    size: int,
    style: TextStyle,
    rtl: bool,  # the paragraph's direction
) -> np.ndarray:
    pad = _padding(size)
    ascent, descent = faces.main.getmetrics()
    line_height = _line_height(ascent, descent)
    space = faces.main.getlength(" ")
    pieces, of_word = _bidi_pieces(words)
    piece_spaced = [spaced[w] and (p == 0 or of_word[p - 1] != w) for p, w in enumerate(of_word)]
    piece_levels, gaps = levels(pieces, rtl)  # resolved over the whole text, then ordered line by line
    shown = [
        shown_order([p for p, w in enumerate(of_word) if line and line[0] <= w <= line[-1]], piece_levels, gaps)
        for line in lines
    ]
    widths = [
        sum(space if gap else faces.length(pieces[p]) for p, gap in order if piece_spaced[p] or not gap)
        for order in shown
    ]
    inner = int(np.ceil(max(widths)))
    stroke = 0 if style.box else max(1, size // 12)
    width, height = inner + 2 * pad + 2 * stroke, _block_height(faces.name, size, len(lines))
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if style.box:
        draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=pad, fill=style.box)
    for row, (order, line_width) in enumerate(zip(shown, widths)):
        align = "right" if rtl and style.align == "left" else style.align
        if align == "left":
            x = float(pad + stroke)
        elif align == "right":
            x = float(width - pad - stroke - line_width)
        else:
            x = (width - line_width) / 2.0
        baseline = pad + row * line_height + ascent  # every word on the text font's baseline, whatever its font
        for p, gap in order:
            if gap:
                x += space if piece_spaced[p] else 0.0
                continue
            runs = faces.runs(pieces[p])
            # punctuation takes the direction it resolved to: mirrored where it reads right to left, "(" as ")"
            direction = None
            if word_type(pieces[p]) == "N":
                direction = "rtl" if piece_levels[p] % 2 else "ltr"
                runs = runs[::-1] if direction == "rtl" else runs
            for text, font in runs:
                if isinstance(font, EmojiFace):  # a colour picture on the line's baseline, in its own colours
                    image.alpha_composite(font.picture(text), (round(x), baseline - font.getmetrics()[0]))
                else:
                    draw.text(
                        (x, baseline),
                        text,
                        font=font,
                        anchor="ls",
                        fill=colours[of_word[p]] + (255,),
                        stroke_width=stroke,
                        stroke_fill=(0, 0, 0, 255),
                        direction=direction,
                    )
                x += font.getlength(text)
    return np.asarray(image)


def _bidi_pieces(words: list[str]) -> tuple[list[str], list[int]]:
    """The pieces the words are ordered in (``bidi.neutral_pieces``: a word's leading and trailing punctuation apart
    from it, where a right-to-left letter or an Arabic digit may send it to the other side), and the index of the
    word each is part of. A text without either keeps its words whole: nothing in it could move."""
    if not any(RIGHT_TO_LEFT.search(word) for word in words):
        return list(words), list(range(len(words)))
    split = [neutral_pieces(word) for word in words]
    return [piece for parts in split for piece in parts], [w for w, parts in enumerate(split) for _ in parts]


def render_text(text: str, style: TextStyle, max_width: int) -> np.ndarray:
    """``text`` as an RGBA picture, with the spaces between its words where its writer put them."""
    words = tokens(text)
    return render_words(words, [style.colour] * len(words), style, max_width, spaced_as_written(text))
