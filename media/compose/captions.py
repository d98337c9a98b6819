"""Burned-in captions from the word timing the farm already has.

``subtitle`` shows the caption files' cues (``subtitles``: the same cues, to the frame,
with the same words and, where they fit the canvas, the same lines), at one size: a cue
a canvas's two lines cannot hold is more pages, never smaller letters;
``word`` shows a few words at a time — as social video does — with the one
being spoken in the highlight colour. Pages break at sentence ends and at
pauses, and stay up across short gaps so they do not flicker. They keep
inside the canvas's safe area (``placement.safe_area``), above a 9:16
platform's buttons.

Times are seconds from the start of the stretch of speech the words belong
to (a segment); each rendered page is kept, so a page costs one drawing per
highlighted word, not one per frame.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from media.compose.bidi import mostly_right_to_left
from media.compose.fonts import font_for, without_undrawable
from media.compose.layout import FaceArea
from media.compose.placement import (
    BESIDE_MIN_SHARE,
    clear_of_boxes,
    free_spans,
    over_features,
    safe_area,
    shrinking,
    text_base,
)
from media.compose.text import (
    SHRINK_FLOOR,
    TextStyle,
    block_height,
    cjk_cells,
    hex_rgb,
    render_words,
    tokens,
    widest_page_lines,
)
from media.encode.captions import (
    Subtitle,
    best_cut,
    break_cost,
    dictionary_locale,
    ends_sentence,
    joined_words,
    subtitle_cues,
)
from media.tts.written_words import written_words

TimedWord = tuple[str, float, float]  # (text, start_s, end_s)

#: a word page holds at most this many words, or this many characters; in Chinese and Japanese, up to
#: CJK_CHARS_PER_PAGE character cells (a short phrase: three words might be three characters), which stay on one
#: line even on a vertical canvas
WORDS_PER_PAGE, CHARS_PER_PAGE, CJK_CHARS_PER_PAGE = 3, 18, 9
#: a subtitle page: at most this many words and characters
SUBTITLE_WORDS, SUBTITLE_CHARS = 14, 70
#: a subtitle line is at most this many ems wide: about 42 characters of Latin text, the caption files' line and
#: broadcast's. On 16:9 the safe area let a 58-character line run in one (the files cut it 41 + 17); on 9:16 and
#: 1:1 the safe area is the narrower
SUBTITLE_LINE_EMS = 23
#: a pause at least this long starts a new page; a page stays up across shorter gaps
PAGE_BREAK_PAUSE_S = 0.45
#: a word this far before its sentence's start still counts as in it (times are rounded to samples and frames)
SENTENCE_SLACK_S = 0.05
DEFAULT_HIGHLIGHT = "#facc15"


@dataclass
class Page:
    words: list[TimedWord]
    start: float
    end: float
    #: a subtitle's lines as the caption files break them, where each fits the canvas's line at full size
    lines: list[str] | None = None


@dataclass
class CaptionTrack:
    pages: list[Page]
    style: str
    text_style: TextStyle
    highlight: tuple[int, int, int]
    max_width: int
    position: str
    width: int
    height: int
    #: whether the speech's words read right to left (most of them do), so that a page of an Arabic sentence that
    #: begins with "Apple" still reads right to left
    rtl: bool = False
    #: what the captions stay clear of (x0, y0, x1, y1): the scene's logos and the draft label; at the top they
    #: stand below one they would meet, at the bottom above it
    clear_of: tuple[tuple[int, int, int, int], ...] = ()
    #: where the presenter's face shows, when known: captions at the top that a box would push onto its features
    #: stand beside the box instead, where it leaves room
    face: FaceArea | None = None
    _cache: dict[tuple[int, int], tuple[np.ndarray, int, int]] = field(default_factory=dict)

    def layer_at(self, t: float) -> tuple[np.ndarray, int, int] | None:
        """(RGBA pixels, x, y) of what shows at ``t`` seconds, or None."""
        for p, page in enumerate(self.pages):
            if page.start <= t < page.end:
                spoken = -1
                if self.style == "word":
                    for i, (_, start, _end) in enumerate(page.words):
                        if start <= t:
                            spoken = i
                key = (p, spoken)
                if key not in self._cache:
                    self._cache[key] = self._draw(page, spoken)
                return self._cache[key]
        return None

    def _draw(self, page: Page, spoken: int) -> tuple[np.ndarray, int, int]:
        """The page's picture and place: centred, at its position, clear of the boxes; drawn smaller where it
        would leave the safe area or take more than ``CAPTION_PAGE_SHARE`` of its height (never cut off); at the
        top, where a box pushed it down onto the face's features, beside the boxes instead where they leave room
        (``_beside_boxes``)."""
        texts = [w[0] for w in page.words]
        colours = [self.highlight if i == spoken else self.text_style.colour for i in range(len(texts))]
        area = safe_area(self.width, self.height)
        style = self.text_style
        while True:
            pixels = (
                self._lines_drawn(page.lines, style)
                if page.lines and style == self.text_style
                else render_words(texts, colours, style, self.max_width, rtl=self.rtl)
            )
            x, h = (self.width - pixels.shape[1]) // 2, pixels.shape[0]
            at = (
                area.top
                if self.position == "top"
                else (self.height - h) // 2
                if self.position == "middle"
                else area.bottom - h
            )
            y = (
                at
                if self.position == "middle"
                else clear_of_boxes(x, at, pixels.shape[1], h, self.clear_of, self.position, self.height)
            )
            fits = h <= CAPTION_PAGE_SHARE * (area.bottom - area.top) and area.top <= y and y + h <= area.bottom
            if fits or style.size <= 8:
                break
            style = replace(style, size=max(8, int(style.size * 0.9)), floor=None)
        if self.position != "top" or y == at or not over_features(pixels, x, y, self.face):
            return pixels, x, y
        # no span beside them wide enough: below them, as before (never over a logo)
        return self._beside_boxes(texts, colours, style) or (pixels, x, y)

    def _lines_drawn(self, lines: list[str], style: TextStyle) -> np.ndarray:
        """A subtitle's lines, broken where the caption files break them, each drawn as a line of its own and
        stacked as ``render_words`` stacks its lines (each line's box over the last's padding, not twice)."""
        rows = [
            render_words(
                caption_words(line), [style.colour] * len(caption_words(line)), style, self.max_width, rtl=self.rtl
            )
            for line in lines
        ]
        font = font_for(" ".join(lines), style.font)
        step = block_height(font, style.size, 2) - block_height(font, style.size, 1)
        width = max(row.shape[1] for row in rows)
        height = step * (len(rows) - 1) + rows[-1].shape[0]
        out = np.zeros((height, width, 4), np.uint8)
        for n, row in enumerate(rows):
            x, y = (width - row.shape[1]) // 2, n * step
            under = out[y : y + row.shape[0], x : x + row.shape[1]]
            over = row[..., 3:] >= under[..., 3:]
            np.copyto(under, row, where=over)
        return out

    def _beside_boxes(
        self, texts: list[str], colours: list[tuple[int, int, int]], style: TextStyle
    ) -> tuple[np.ndarray, int, int] | None:
        """A page at the top that the boxes there (a logo) pushed onto the face's features, drawn at the top in the
        widest span they leave, as near the canvas's centre as it lets it, in its lines (or shrunk to its floor, as
        any page); None where that span is narrower than ``BESIDE_MIN_SHARE`` of the safe area's width, or where it
        would still meet a box or cover the features."""
        area = safe_area(self.width, self.height)
        gap = max(4, style.size // 2)
        at_top = [b for b in self.clear_of if (b[1] + b[3]) / 2 < self.height / 2 - 1]
        spans = free_spans(area.left, area.right, [(b[0], b[2]) for b in at_top], gap)
        if not spans:
            return None
        left, right = max(spans, key=lambda span: span[1] - span[0])
        if right - left < BESIDE_MIN_SHARE * area.width:
            return None
        # at its size, then smaller in steps down to the floor of any page's (``text.SHRINK_FLOOR`` of it): two lines
        # of an Arabic page beside a top-right logo reached down to her brows at full size
        for sized in shrinking(style, max(8, int(SHRINK_FLOOR * style.size))):
            pixels = render_words(texts, colours, sized, min(right - left, self.max_width), rtl=self.rtl)
            h, w = pixels.shape[:2]
            x = min(max((self.width - w) // 2, left), right - w)
            met = clear_of_boxes(x, area.top, w, h, at_top, "top", self.height) != area.top
            if not met and not over_features(pixels, x, area.top, self.face) and area.top + h <= area.bottom:
                return pixels, x, area.top
        return None


#: between burned-in captions and a text kept clear of them, a share of the captions' size
BAND_GAP = 0.3
#: one line of captions with its box may take at most this share of the safe area's height: a page of two lines
#: then takes under half of it, and the face keeps the rest. A caption ``size`` whose line is taller is refused
#: (``largest_caption_size``); at 400 on 1280 x 720 a page was taller than the canvas, cut off at its top edge
CAPTION_LINE_SHARE = 0.25
#: a page drawn taller than this share of the safe area's height (a size the API never judged) is drawn smaller
CAPTION_PAGE_SHARE = 2 * CAPTION_LINE_SHARE


def _caption_size(captions: dict[str, Any], width: int, height: int) -> int:
    style = captions.get("style") or "subtitle"
    return int(captions.get("size") or round((0.068 if style == "word" else 0.05) * text_base(width, height)))


def caption_band(captions: dict[str, Any], width: int, height: int, text: str = "") -> dict[str, int]:
    """The room burned-in captions take at their position, for other text to keep clear of: their box in the
    font the captions of ``text`` (the scene's words, when known) are drawn in, and a gap. Two lines, or one
    when every page the words could make fits on one (word captions, mostly: three short words): ``caption_lines``,
    which the pages then keep to."""
    if not captions.get("burn_in"):
        return {}
    size = _caption_size(captions, width, height)
    wanted = captions.get("font")
    fonts = _caption_fonts(caption_words(without_undrawable(text, wanted)), wanted)
    lines = caption_lines(captions, width, height, text)
    tallest = max(block_height(font, size, lines) for font in fonts)
    return {captions.get("position") or "bottom": tallest + int(round(BAND_GAP * size))}


def caption_lines(captions: dict[str, Any], width: int, height: int, text: str = "") -> int:
    """The lines ``caption_band`` keeps room for: two, or one when every page the words of ``text`` could make
    fits on one; ``caption_track``'s ``max_lines``, so no page wraps past the room kept (a lower third stands above
    it)."""
    size = _caption_size(captions, width, height)
    wanted = captions.get("font")
    words = caption_words(without_undrawable(text, wanted))
    if not words:
        return 2
    style = TextStyle(size=size, colour=(255, 255, 255), box=(0, 0, 0, 0), max_lines=2, font=wanted)
    kind = captions.get("style") or "subtitle"
    width_ = line_width(kind, size, safe_area(width, height).width)
    return widest_page_lines(_widest_pages(words, kind, _line_fit(kind, style, width_)), style, width_)


def line_width(style: str, size: int, room: int) -> int:
    """How wide a page's lines may run within ``room`` (the safe area's width): a subtitle's at most
    ``SUBTITLE_LINE_EMS`` of its size; a word page's (a few words) the room."""
    return room if style == "word" else min(room, SUBTITLE_LINE_EMS * size)


def _caption_fonts(words: list[str], wanted: str | None) -> set[str]:
    """The fonts captions of ``words`` are drawn in (the captions' own, and any a word needs instead)."""
    return {font_for(word, wanted) for word in {"", *words}}


def caption_fonts(captions: dict[str, Any], text: str = "") -> frozenset[str]:
    """The fonts the captions of ``text`` (the scenes' words) are drawn in: what ``largest_caption_size`` measures
    in. Worked out once per text, it serves every canvas (reading a long script's words is most of the cost)."""
    wanted = captions.get("font")
    return frozenset(_caption_fonts(caption_words(without_undrawable(text, wanted)), wanted))


def largest_caption_size(
    captions: dict[str, Any], width: int, height: int, text: str = "", fonts: frozenset[str] | None = None
) -> int:
    """The largest caption ``size`` whose one line, with its box, takes at most ``CAPTION_LINE_SHARE`` of the safe
    area's height on a ``width`` x ``height`` canvas, in the tallest font the captions of ``text`` (the scenes'
    words, when known; or ``fonts``, ``caption_fonts`` of them) are drawn in: 73 px for Latin on 1280 x 720, 53 for
    Arabic, whose lines are a third taller. Every default size is within it."""
    area = safe_area(width, height)
    room = CAPTION_LINE_SHARE * (area.bottom - area.top)
    if fonts is None:
        fonts = caption_fonts(captions, text)
    low, high = 1, int(room)  # a line with its box is taller than its size
    while low < high:
        mid = (low + high + 1) // 2
        if max(block_height(font, mid, 1) for font in fonts) <= room:
            low = mid
        else:
            high = mid - 1
    return low


def caption_words(text: str) -> list[str]:
    """A text's words as its captions show them: written words (punctuation standing alone joins a word:
    "« MAXIMUM »" is one), Chinese and Japanese a character at a time."""
    words: list[str] = []
    for start, end in written_words(text):
        word = text[start:end]
        words.extend(tokens(word) if cjk_cells(word) else [word])
    return words


def _widest_pages(
    words: list[str], style: str, on_one_line: Callable[[list[str]], bool] | None = None
) -> list[list[str]]:
    """For each word, the most that could follow it onto a page (as ``_pages`` fills them, before any break at a
    pause or a sentence; ``on_one_line``, as there), each once: every page the words can make lies within one of
    these."""
    per_page, chars = (WORDS_PER_PAGE, CHARS_PER_PAGE) if style == "word" else (SUBTITLE_WORDS, SUBTITLE_CHARS)
    pages: dict[tuple[str, ...], None] = {}
    for i in range(len(words)):
        j, shares, length = i, 0.0, 0
        while j < len(words):
            # a subtitle's words in Chinese and Japanese are the phrases speech times or the words joined from its
            # characters (``whole_words``), several characters each: only the page's characters bound it there
            shares += 0.0 if style != "word" and cjk_cells(words[j]) else _share(words[j], style)
            length += len(words[j])
            if j > i and (
                shares > per_page + 1e-9 or length > chars or (on_one_line and not on_one_line(words[i : j + 1]))
            ):
                break
            j += 1
        pages[tuple(words[i:j])] = None
    return [list(page) for page in pages]


def caption_track(
    words: list[TimedWord],
    captions: dict[str, Any],
    width: int,
    height: int,
    sentence_starts: Sequence[float] = (),
    clear_of: Sequence[tuple[int, int, int, int]] = (),
    face: FaceArea | None = None,
    fps: float | None = None,
    max_lines: int = 2,
) -> CaptionTrack:
    """The pages of a segment's words for the job's ``captions`` settings on this canvas. A page never runs
    across the start of a sentence (``sentence_starts``, seconds, as the caption files' cues start); it stands
    clear of the boxes ``clear_of`` (the scene's logos, the draft label: ``placement.caption_obstacles``) and, at
    the top, keeps off the features of the ``face`` (where the presenter's face shows: ``SceneCompositor.face_area``;
    None: not judged). Subtitle pages are the caption files' cues (``subtitles``; with ``fps``, on the video's
    frames), each in ``max_lines`` lines at its size (the room kept for them, ``caption_lines``): a cue that would
    take more on this canvas is cut into more pages, by its words' timing, never drawn smaller."""
    style = captions.get("style") or "subtitle"
    size = _caption_size(captions, width, height)
    box = (0, 0, 0, 165) if captions.get("box", True) else None
    text_style = TextStyle(
        size=size, colour=hex_rgb(captions.get("color") or "#ffffff"), box=box, max_lines=2, font=captions.get("font")
    )
    area = safe_area(width, height)
    # a symbol no font draws (an emoji) is left out of the picture rather than drawn as a box; the
    # caption files keep it. The API refuses burned-in captions of letters no font draws.
    font = captions.get("font")
    room = line_width(style, size, area.width)
    if style == "subtitle":
        pages = _subtitle_pages(words, sentence_starts, fps, font, text_style, room, max_lines)
    else:
        drawable = [(without_undrawable(text, font), start, end) for text, start, end in words]
        pages = _pages(
            whole_words(drawable, sentence_starts), style, sentence_starts, _line_fit(style, text_style, room)
        )
    return CaptionTrack(
        pages,
        style,
        text_style,
        hex_rgb(captions.get("highlight_color") or DEFAULT_HIGHLIGHT),
        room,
        captions.get("position") or "bottom",
        width,
        height,
        mostly_right_to_left([text for text, _, _ in words]),
        tuple(clear_of),
        face,
    )


def subtitles(
    words: list[TimedWord], sentence_starts: Sequence[float] = (), fps: float | None = None
) -> list[Subtitle]:
    """A segment's subtitle cues: the one cut the caption files write and burned-in subtitles show (Chinese and
    Japanese joined into their words first, ``whole_words``, so a cue never ends inside one)."""
    return subtitle_cues(whole_words(words, sentence_starts), sentence_starts, fps)


def _lines_fit(style: TextStyle, width: int, max_lines: int) -> Callable[[list[str]], bool]:
    """Whether a page of these words takes at most ``max_lines`` lines ``width`` wide at the style's size."""
    taller = replace(style, max_lines=max_lines + 1)
    return lambda texts: widest_page_lines([texts], taller, width) <= max_lines


def _subtitle_pages(
    words: list[TimedWord],
    sentence_starts: Sequence[float],
    fps: float | None,
    font: str | None,
    style: TextStyle,
    width: int,
    max_lines: int,
) -> list[Page]:
    """The caption files' cues as pages, each in the lines the files break it into where every one of them fits the
    canvas's line (``width``) at full size; a cue the canvas's ``max_lines`` lines cannot hold (a narrow canvas, a
    large size, one line kept) cut into the fewest pages that fit (``subtitle_cues``), by its words' timing, between
    its own start and end."""
    fits, one_line = _lines_fit(style, width, max_lines), _lines_fit(style, width, 1)

    def shown(texts: list[str]) -> list[str]:
        return [text for text in (without_undrawable(t, font) for t in texts) if text.strip()]

    def drawable(cue: Subtitle) -> list[TimedWord]:
        return [(without_undrawable(t, font), a, b) for t, a, b in cue.words if without_undrawable(t, font).strip()]

    pages: list[Page] = []
    for cue in subtitles(words, sentence_starts, fps):
        texts = shown([w[0] for w in cue.words])
        if not texts:
            continue
        if fits(texts):
            lines = [without_undrawable(line, font) for line in cue.lines]
            whole = len(lines) <= max_lines and all(one_line(caption_words(line)) for line in lines)
            pages.append(Page(drawable(cue), cue.start, cue.end, lines if whole else _lines_of(texts, one_line)))
            continue
        parts = subtitle_cues(cue.words, (), fps, lambda t: fits(shown(t)))
        parts[0].start, parts[-1].end = cue.start, cue.end
        for part in parts:
            if shown([w[0] for w in part.words]):
                pages.append(
                    Page(drawable(part), part.start, part.end, _lines_of(shown([w[0] for w in part.words]), one_line))
                )
    return pages


def _lines_of(texts: list[str], one_line: Callable[[list[str]], bool]) -> list[str]:
    """A page's words in the fewest lines that each stay ``one_line`` on the canvas, broken as the caption files
    break theirs (``best_cut``: not after an article or a preposition, nor inside a number)."""
    cut = best_cut(
        len(texts),
        lambda i, j: one_line(texts[i:j]),
        lambda i, j: float(sum(len(t) for t in texts[i:j])),
        lambda k: break_cost(texts[k - 1], texts[k]),
    )
    return [joined_words(texts[i:j]) for i, j in cut]


def whole_words(words: list[TimedWord], sentence_starts: Sequence[float] = ()) -> list[TimedWord]:
    """Chinese and Japanese timed a character at a time (as speech times them) joined into their words, as ICU's
    word breaker finds them with its dictionary, each word timed from its first character's start to its last's
    end: a page then never ends inside a word (北|京 across two pages), and a word page lights up 北京 whole. A
    run of characters is cut only where one of its timed pieces ends and a dictionary word ends too, and never
    joined across a sentence's start (``sentence_starts``) or a pause that ends a page; words of other scripts
    are left as they are."""
    out: list[TimedWord] = []
    run: list[TimedWord] = []
    starts = sorted(sentence_starts)

    def flush() -> None:
        if len(run) > 1:
            text = "".join(w[0] for w in run)
            from icu4py.breakers import WordBreaker

            # ICU counts in UTF-16 code units: a character beyond U+FFFF is two
            ends = {end for _, end in WordBreaker(text, dictionary_locale(text)).segments()}
            at, group = 0, []
            for word in run:
                group.append(word)
                at += len(word[0].encode("utf-16-le")) // 2
                if at in ends:
                    out.append(("".join(w[0] for w in group), group[0][1], group[-1][2]))
                    group = []
            if group:
                out.append(("".join(w[0] for w in group), group[0][1], group[-1][2]))
        else:
            out.extend(run)
        run.clear()

    for word in words:
        if run and (
            word[1] - run[-1][2] >= PAGE_BREAK_PAUSE_S
            or any(run[-1][1] + SENTENCE_SLACK_S < s <= word[1] + SENTENCE_SLACK_S for s in starts)
        ):
            flush()
        if cjk_cells(word[0]):
            run.append(word)
        else:
            flush()
            out.append(word)
    flush()
    return out


def _share(word: str, style: str) -> float:
    """What a word takes of a page's words: a word with Chinese or Japanese characters, a share of a word page's
    cells (``page_cells``)."""
    cells = page_cells(word) if style == "word" else 0
    return WORDS_PER_PAGE * cells / CJK_CHARS_PER_PAGE if cells else 1.0


def page_cells(word: str) -> float:
    """The character cells a word with Chinese or Japanese characters takes: each of those one, any other
    character (a digit, a Latin letter) half of one; 0 for a word without any. A Japanese phrase "2025年度の" is
    five: counted as a Latin word, it let a page hold "2025年度の補正予算案を", two lines on a 9:16 cut."""
    if not any(cjk_cells(char) for char in word):
        return 0
    return sum(1 if cjk_cells(char) else 0.5 for char in word.strip())


def _line_fit(style: str, text_style: TextStyle, width: int) -> Callable[[list[str]], bool] | None:
    """For word captions, whether a page of these words stays on one line ``width`` wide: a page of a few words that
    would wrap turns a word early instead, so the box keeps its height from page to page ("euros para / vivienda."
    was two lines in a narrow box between pages of one). None for subtitles, which take two lines."""
    if style != "word":
        return None
    return lambda texts: widest_page_lines([texts], text_style, width) == 1


def _pages(
    words: list[TimedWord],
    style: str,
    sentence_starts: Sequence[float] = (),
    on_one_line: Callable[[list[str]], bool] | None = None,
) -> list[Page]:
    """The words' pages: filled up to the style's words and characters (and, where ``on_one_line`` is given, as
    long as they stay on one line), turned at a sentence's start, a pause and, for word pages, clause punctuation;
    a full page turns where it splits least of what is read together (``_page_turn``)."""
    per_page, chars = (WORDS_PER_PAGE, CHARS_PER_PAGE) if style == "word" else (SUBTITLE_WORDS, SUBTITLE_CHARS)
    share = functools.partial(_share, style=style)

    def fits(page: list[TimedWord]) -> bool:
        return _fits(page, share, per_page, chars) and (
            len(page) == 1 or on_one_line is None or on_one_line([w[0] for w in page])
        )

    starts = sorted(sentence_starts)
    passed = 0  # sentences started by the words so far
    pages: list[Page] = []
    turned: set[int] = set()  # the pages that begin where a full one turned
    current: list[TimedWord] = []
    for word in words:
        if not word[0].strip():
            continue
        sentence = passed
        while sentence < len(starts) and starts[sentence] <= word[1] + SENTENCE_SLACK_S:
            sentence += 1
        if current and (
            sentence > passed or word[1] - current[-1][2] >= PAGE_BREAK_PAUSE_S or not fits([*current, word])
        ):
            full = sentence == passed and word[1] - current[-1][2] < PAGE_BREAK_PAUSE_S
            kept = _page_turn(current, word, fits) if full else len(current)
            pages.append(Page(current[:kept], current[0][1], current[kept - 1][2]))
            current = current[kept:]
            if full:
                turned.add(len(pages))  # the page after it begins where a full one turned
        passed = sentence
        current.append(word)
        if style == "word" and ends_sentence(word[0], or_clause=True):
            pages.append(Page(current, current[0][1], current[-1][2]))
            current = []
    if current:
        pages.append(Page(current, current[0][1], current[-1][2]))
    for n, (page, following) in enumerate(zip(pages, pages[1:]), start=1):
        # a number left alone on a page after one that turned full ("289 voix contre | 250.") takes the word before it
        if (
            n in turned
            and len(following.words) == 1
            and len(page.words) > 1
            and _NUMBER_LED.match(following.words[0][0])
            and fits([page.words[-1], *following.words])
        ):
            following.words.insert(0, page.words.pop())
            page.end, following.start = page.words[-1][2], following.words[0][1]
    for page, following in zip(pages, pages[1:]):  # bridge short gaps
        if following.start - page.end < PAGE_BREAK_PAUSE_S:
            page.end = following.start
    return pages


#: a full page may turn up to this many words early, where that keeps together what belongs together
PAGE_TURN_BACK = 2
#: what turning a page one word early costs, against ``_turn_cost``'s; and leaving a page of one word
EARLY_TURN_COST, LONE_WORD_COST = 0.4, 0.5
_NUMBER_LED = re.compile(r"\W*\d")


def _fits(words: list[TimedWord], share: Callable[[str], float], per_page: int, chars: int) -> bool:
    return sum(share(w[0]) for w in words) <= per_page + 1e-9 and sum(len(w[0]) for w in words) <= chars


def _page_turn(current: list[TimedWord], word: TimedWord, fits: Callable[[list[TimedWord]], bool]) -> int:
    """How many of a full page's words ``current`` it keeps before ``word``, which starts the next: all of them,
    or up to ``PAGE_TURN_BACK`` fewer where the page would otherwise turn between a number and what belongs with
    it (``_turn_cost``), the words it gives up going to the next page with ``word``."""
    texts = [w[0] for w in current] + [word[0]]
    best, kept = _turn_cost(texts, len(current)), len(current)
    for k in range(len(current) - 1, max(0, len(current) - PAGE_TURN_BACK - 1), -1):
        if not fits([*current[k:], word]):
            break
        cost = _turn_cost(texts, k) + EARLY_TURN_COST * (len(current) - k)
        if cost < best:
            best, kept = cost, k
    return kept


def _turn_cost(texts: list[str], k: int) -> float:
    """How badly a page turning before ``texts[k]`` splits what is read together: a number from the word after it
    ("12 | 月", "5 | दिसंबर"; less a number that ends a date) or a short word from the number before it ("7 de |
    diciembre", "12月7 | 日"); a date ("5 दिसंबर | 2025", "12月 | 7日"); two single Chinese characters a dictionary
    did not join into a word ("同 | 比"); and, a little, a page of one word."""
    before, after = texts[k - 1], texts[k]
    number_before = k >= 2 and bool(_NUMBER_LED.match(texts[k - 2]))
    # a number ending a date ("5 दिसंबर 2025 | को") is less bound to what follows than one starting it, unless
    # that is its unit ("12月7 | 日")
    date_end = k >= 3 and bool(_NUMBER_LED.match(texts[k - 3])) and cjk_cells(after) != 1
    cost = 3.0 if (_NUMBER_LED.match(before) and not date_end) or (number_before and _short(before)) else 0.0
    if number_before and _NUMBER_LED.match(after):
        cost += 2
    if cjk_cells(before) == 1 and cjk_cells(after) == 1:
        cost += 1
    return cost + (LONE_WORD_COST if k == 1 else 0.0)


def _short(word: str) -> bool:
    """A word of two letters at most ("de", "को"), or one Chinese or Japanese character (月, 日)."""
    return len(word.strip()) <= (1 if cjk_cells(word) else 2)


def words_from_cues(cues: list[tuple[float, float, str]]) -> list[TimedWord]:
    """Timed words when only cue (sentence) timing is known: each cue's time shared by its words' lengths."""
    words: list[TimedWord] = []
    for start, end, text in cues:
        parts = tokens(text)
        total = sum(len(p) for p in parts) or 1
        t = start
        for part in parts:
            span = (end - start) * len(part) / total
            words.append((part, t, t + span))
            t += span
    return words
