"""The fonts composed videos write with; all Noto, under the SIL Open Font License.

Latin (with Greek and Cyrillic), Arabic, Devanagari, Tamil and Telugu come
from the ``fontpkg-noto-*`` wheels. Hebrew, Thai, Bengali, Gurmukhi, Gujarati, Oriya,
Kannada, Malayalam, Sinhala, Myanmar, Georgian, Armenian and Ethiopic, every other
script espeak-ng speaks, are Noto Sans's Bold faces from Debian's fonts-noto-core,
shipped in ``fonts/`` (1.9 MB; no wheel on PyPI carries them). The CJK face (Simplified and Traditional Chinese,
Japanese kana and kanji, Korean Hangul) is Noto Sans CJK's SC Bold face,
subset to GB2312, Big5, JIS X 0208 and KS X 1001 (``fonts/``, 10 MB instead
of 20). Shaping is HarfBuzz's, through Pillow's libraqm layout: Arabic joins
and runs right to left, Devanagari, Tamil and Telugu form their conjuncts.

A text names a font (``FONT_NAMES``), the path of an uploaded one (a brand
kit's TTF/OTF, copied from storage by the worker), or none; a font that lacks the text's
script gives way to one that has it (a Chinese title asked for in
``noto-serif`` is drawn in ``noto-sans-cjk``), since a title in boxes of
missing glyphs is worse than one in another face. Each of the script fonts
also carries basic Latin, so a mixed title ("Live: 北京") is drawn in one font.
A word with a character its text's font lacks takes a font that has it
(``word_font``), the last of them a symbols face cut from the same CJK font
(arrows, ▲ ▼, ★, ☀, ①; ``fonts/NotoSansCJK-Bold-symbols.otf``, 60 KB).

Emoji (🔴, 👍🏽, 🇫🇷, a family joined by zero-width joiners, ☀️ asked for in colour) are Noto Color Emoji's
(``fonts/NotoColorEmoji.ttf``, Debian's fonts-noto-color-emoji, 11 MB), the last fallback: a symbol a text
font has (☀, ©) stays in the text's style unless its emoji form is asked for. Its glyphs are colour bitmaps
of one size (``EMOJI_STRIKE`` pixels); ``EmojiFace`` draws them at the text's size, scaled.
"""

from __future__ import annotations

import functools
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from pathlib import Path

from icu4py.breakers import CharacterBreaker
from PIL import Image, ImageDraw, ImageFont

from domain.composition_rules import FONT_NAMES as FONT_NAMES
from media.compose.bidi import levels, visual_order

FONTS_DIR = Path(__file__).with_name("fonts")

# FONT_NAMES, the names a job may give a text overlay or its captions, is the contract's list, kept once in
# domain.composition_rules (the API validates against it); tests/unit/compose checks every name draws.
DEFAULT_FONT = "noto-sans"

#: scripts by code point range, and the font that draws each
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0530, 0x058F, "noto-sans-armenian"),
    (0x0590, 0x05FF, "noto-sans-hebrew"),
    (0x0600, 0x06FF, "noto-sans-arabic"),
    (0x0750, 0x077F, "noto-sans-arabic"),
    (0x08A0, 0x08FF, "noto-sans-arabic"),
    (0xFB50, 0xFDFF, "noto-sans-arabic"),
    (0xFE70, 0xFEFF, "noto-sans-arabic"),
    (0x0900, 0x097F, "noto-sans-devanagari"),
    (0xA8E0, 0xA8FF, "noto-sans-devanagari"),
    (0x0980, 0x09FF, "noto-sans-bengali"),
    (0x0A00, 0x0A7F, "noto-sans-gurmukhi"),
    (0x0A80, 0x0AFF, "noto-sans-gujarati"),
    (0x0B00, 0x0B7F, "noto-sans-oriya"),
    (0x0B80, 0x0BFF, "noto-sans-tamil"),
    (0x0C00, 0x0C7F, "noto-sans-telugu"),
    (0x0C80, 0x0CFF, "noto-sans-kannada"),
    (0x0D00, 0x0D7F, "noto-sans-malayalam"),
    (0x0D80, 0x0DFF, "noto-sans-sinhala"),
    (0x0E00, 0x0E7F, "noto-sans-thai"),
    (0x1000, 0x109F, "noto-sans-myanmar"),
    (0x10A0, 0x10FF, "noto-sans-georgian"),
    (0x1200, 0x139F, "noto-sans-ethiopic"),
    (0x1C90, 0x1CBF, "noto-sans-georgian"),
    (0x2D00, 0x2D2F, "noto-sans-georgian"),
    (0x2D80, 0x2DDF, "noto-sans-ethiopic"),
    (0x1100, 0x11FF, "noto-sans-cjk"),
    (0x2E80, 0x2FDF, "noto-sans-cjk"),
    (0x3000, 0x30FF, "noto-sans-cjk"),
    (0x3130, 0x318F, "noto-sans-cjk"),
    (0x3400, 0x4DBF, "noto-sans-cjk"),
    (0x4E00, 0x9FFF, "noto-sans-cjk"),
    (0xAC00, 0xD7AF, "noto-sans-cjk"),
    (0xA9E0, 0xA9FF, "noto-sans-myanmar"),
    (0xAA60, 0xAA7F, "noto-sans-myanmar"),
    (0xAB00, 0xAB2F, "noto-sans-ethiopic"),
    (0xF900, 0xFAFF, "noto-sans-cjk"),
    (0xFB13, 0xFB17, "noto-sans-armenian"),
    (0xFB1D, 0xFB4F, "noto-sans-hebrew"),
    (0xFF00, 0xFFEF, "noto-sans-cjk"),
)
#: static Bold faces shipped in ``fonts/`` (Noto Sans, from Debian's fonts-noto-core 20201225), by name
_STATIC_FILES = {
    name: f"NotoSans{script}-Bold.ttf"
    for name, script in (
        ("noto-sans-hebrew", "Hebrew"),
        ("noto-sans-thai", "Thai"),
        ("noto-sans-bengali", "Bengali"),
        ("noto-sans-gurmukhi", "Gurmukhi"),
        ("noto-sans-gujarati", "Gujarati"),
        ("noto-sans-oriya", "Oriya"),
        ("noto-sans-kannada", "Kannada"),
        ("noto-sans-malayalam", "Malayalam"),
        ("noto-sans-sinhala", "Sinhala"),
        ("noto-sans-myanmar", "Myanmar"),
        ("noto-sans-georgian", "Georgian"),
        ("noto-sans-armenian", "Armenian"),
        ("noto-sans-ethiopic", "Ethiopic"),
    )
}


#: the writing systems the shipped fonts draw between them, as a refusal names them to a person
DRAWN_SCRIPTS = (
    "Latin, Greek, Cyrillic, Chinese, Japanese, Korean, Arabic, Hebrew, Devanagari, Bengali, Gurmukhi, Gujarati, "
    "Oriya, Tamil, Telugu, Kannada, Malayalam, Sinhala, Thai, Myanmar, Georgian, Armenian, Ethiopic, and emoji"
)


#: a font that only stands in for symbols other fonts lack (arrows, ▲ ▼, ★, ☀, ①): not one a text may name
SYMBOLS_FONT = "noto-sans-symbols"
#: colour emoji, the last stand-in (not one a text may name), and the size its bitmaps are drawn at
EMOJI_FONT = "noto-color-emoji"
EMOJI_STRIKE = 109


#: Hebrew and Arabic letters: a text with any runs right to left, and a word with any is shaped whole
RIGHT_TO_LEFT = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def _file(name: str) -> Path:
    if name == "noto-sans-cjk":
        return FONTS_DIR / "NotoSansCJK-Bold-subset.otf"
    if name == SYMBOLS_FONT:  # cut from Noto Sans CJK SC Bold by ops/subset_symbols_font.py
        return FONTS_DIR / "NotoSansCJK-Bold-symbols.otf"
    if name == EMOJI_FONT:
        return FONTS_DIR / "NotoColorEmoji.ttf"
    if name in _STATIC_FILES:
        return FONTS_DIR / _STATIC_FILES[name]
    import fontpkg_noto_sans
    import fontpkg_noto_sans_arabic
    import fontpkg_noto_sans_devanagari
    import fontpkg_noto_sans_tamil
    import fontpkg_noto_sans_telugu
    import fontpkg_noto_serif

    roots = {
        "noto-sans": (fontpkg_noto_sans.ROOT, "NotoSans["),
        "noto-serif": (fontpkg_noto_serif.ROOT, "NotoSerif["),
        "noto-sans-arabic": (fontpkg_noto_sans_arabic.ROOT, "NotoSansArabic["),
        "noto-sans-devanagari": (fontpkg_noto_sans_devanagari.ROOT, "NotoSansDevanagari["),
        "noto-sans-tamil": (fontpkg_noto_sans_tamil.ROOT, "NotoSansTamil["),
        "noto-sans-telugu": (fontpkg_noto_sans_telugu.ROOT, "NotoSansTelugu["),
    }
    root, prefix = roots[name]
    root = Path(root)
    return next(p for p in sorted((root / "files").glob("*.ttf")) if p.name.startswith(prefix))


def script_font(text: str) -> str | None:
    """The font the text's non-Latin script needs, or None for Latin (and other scripts Noto Sans has)."""
    for char in text:
        cp = ord(char)
        if cp < 0x0530:  # Latin, Greek and Cyrillic: Noto Sans
            continue
        for low, high, name in _SCRIPT_RANGES:
            if low <= cp <= high:
                return name
    return None


def is_font_file(wanted: str | None) -> bool:
    """An uploaded font (a brand kit's TTF/OTF) is given by the path of a local copy, not by name."""
    return bool(wanted) and wanted not in FONT_NAMES and Path(str(wanted)).is_file()


@functools.lru_cache(maxsize=16)
def _file_characters(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset((font.getBestCmap() or {}).keys())


#: where a text's font lacks a word's characters (a middle dot or a degree sign in a Chinese title, a ± in an
#: Arabic one, an arrow in any), the word is drawn in the first of these that has them all
FALLBACK_FONTS = (
    "noto-sans",
    "noto-sans-cjk",
    "noto-sans-arabic",
    "noto-sans-devanagari",
    "noto-sans-tamil",
    "noto-sans-telugu",
    *_STATIC_FILES,
    SYMBOLS_FONT,
    EMOJI_FONT,
)


@functools.lru_cache(maxsize=32)
def characters(name: str) -> frozenset[int]:
    """The code points a font (a shipped one by name, an uploaded one by path) has glyphs for."""
    return _file_characters(name if is_font_file(name) else str(_file(name)))


def word_font(word: str, font: str) -> str:
    """The font to draw ``word`` in, within a text drawn in ``font``: ``font`` itself when it has every character
    of the word; otherwise the first of ``FALLBACK_FONTS`` that has them all, or, if none has, the one that has
    the most (``font`` on a tie): a missing glyph is drawn as a box."""
    wanted = {ord(char) for char in word if not char.isspace()}
    have = characters(font)
    if wanted <= have:
        return font
    best, best_count = font, len(wanted & have)
    for name in FALLBACK_FONTS:
        if name == font:
            continue
        count = len(wanted & characters(name))
        if count == len(wanted):
            return name
        if count > best_count:
            best, best_count = name, count
    return best


def word_runs(word: str, font: str) -> list[tuple[str, str]]:
    """``word`` as (text, font) runs to draw one after another, left to right: one run in ``word_font``'s font when
    a single font has every character; otherwise each grapheme cluster (a letter with its combining marks,
    ``_cluster_font``) in ``font`` if it has all of it, else in the first fallback that does ("▲北京": the triangle
    from the symbols face, the rest in the CJK one), neighbours in the same font joined. A word with right-to-left letters split so ("חדשות:": the Hebrew face has no colon or
    digits) is also cut where the direction changes (``_char_kinds``: a number keeps its separators and its
    percent sign), its runs are put in the order they show in (":" then "חדשות", the colon on the left; "ב-10:30"
    as "10:30", "-", "ב"), by the same bidirectional rules as a line's words, and a bracket among them that reads
    right to left is mirrored ("(שלום)" keeps its brackets facing the word)."""
    whole = word_font(word, font)
    have = characters(whole)
    if all(ord(char) in have for char in word if not char.isspace()):
        return [(word, whole)]
    rtl = bool(RIGHT_TO_LEFT.search(word))
    kinds = _char_kinds(word) if rtl else [""] * len(word)
    runs: list[tuple[str, str]] = []
    run_kinds: list[str] = []
    start = 0
    for cluster in CharacterBreaker(word, ""):
        chosen, kind = _cluster_font(cluster, font), kinds[start]  # a mark takes its letter's direction
        start += len(cluster)
        if runs and runs[-1][1] == chosen and run_kinds[-1] == kind:
            runs[-1] = (runs[-1][0] + cluster, chosen)
        else:
            runs.append((cluster, chosen))
            run_kinds.append(kind)
    if not rtl:
        return runs
    texts = [text for text, _ in runs]
    run_levels, _ = levels(texts, paragraph_rtl=True)
    runs = [
        ("".join(_MIRRORED.get(c, c) for c in text) if kind == "N" and level % 2 else text, chosen)
        for (text, chosen), kind, level in zip(runs, run_kinds, run_levels)
    ]
    return [runs[i] for i in visual_order(texts, paragraph_rtl=True)]


def _cluster_font(cluster: str, font: str) -> str:
    """The font to draw a grapheme cluster in (UAX #29, as ICU finds them: a letter and the combining marks on it,
    "שׁ", "e\u0301"): ``font`` if it has all of it, else the first of ``FALLBACK_FONTS`` that has. Where none has
    (a Hebrew letter with U+0307 COMBINING DOT ABOVE, which only Noto Sans has, or niqqud split by a combining
    grapheme joiner, which the Hebrew face lacks), the font of its first character, for the whole cluster: the
    shaper then puts each mark on its letter, draws a mark that font lacks as its missing glyph's box and an
    invisible one (the joiner) as nothing. A mark drawn from another font stood apart from its letter, on a
    dotted circle. A cluster asking for emoji presentation (U+FE0F) is drawn in colour, in the emoji font, where
    it has the cluster."""
    wanted = {ord(char) for char in cluster} - _PRESENTATION_SELECTORS  # in no font's character map: they choose
    if _EMOJI_PRESENTATION in cluster and wanted <= characters(EMOJI_FONT):
        return EMOJI_FONT  # "☀️", "1️⃣", "❤️": the picture asked for, where a text font has the symbol too
    fonts = (font, *FALLBACK_FONTS)
    found = next((name for name in fonts if wanted <= characters(name)), None)
    if found is None:
        found = next((name for name in fonts if ord(cluster[0]) in characters(name)), font)
    return found


#: variation selectors 15 and 16: a symbol drawn as text (☀︎) or as an emoji (☀️)
_TEXT_PRESENTATION, _EMOJI_PRESENTATION = "\ufe0e", "\ufe0f"
_PRESENTATION_SELECTORS = {ord(_TEXT_PRESENTATION), ord(_EMOJI_PRESENTATION)}

#: brackets and quotes drawn as their mirror image where they read right to left (Unicode's Bidi_Mirroring pairs)
_MIRRORED = {p[i]: p[1 - i] for p in ("()", "[]", "{}", "<>", "«»", "‹›", "⁅⁆", "⁽⁾", "₍₎") for i in (0, 1)}
_STRONG_OR_NUMBER = {"L": "L", "R": "R", "AL": "R", "EN": "EN", "AN": "AN", "ES": "ES", "CS": "CS", "ET": "ET"}


def _char_kinds(word: str) -> list[str]:
    """Each character's direction inside a right-to-left word: ``L``, ``R``, ``EN`` or ``AN`` (a number), or ``N``.
    A mark or a joiner takes its letter's; UAX #9's W4 (one separator between two digits: "1,000", "10:30", "3.5")
    and W5 (terminators next to a number: "50%", "$3") keep a number whole; other separators are neutral (W6)."""
    kinds: list[str] = []
    for char in word:
        if unicodedata.category(char)[0] in "MC" or unicodedata.bidirectional(char) in ("NSM", "BN"):
            kinds.append(kinds[-1] if kinds else "N")
        else:
            kinds.append(_STRONG_OR_NUMBER.get(unicodedata.bidirectional(char), "N"))
    for i in range(1, len(kinds) - 1):  # W4
        before, after = kinds[i - 1], kinds[i + 1]
        if before == after and (kinds[i] == "ES" and before == "EN" or kinds[i] == "CS" and before in ("EN", "AN")):
            kinds[i] = before
    for order in (range(len(kinds)), range(len(kinds) - 1, -1, -1)):  # W5, spreading both ways from the number
        for i in order:
            if kinds[i] == "ET" and any(0 <= j < len(kinds) and kinds[j] == "EN" for j in (i - 1, i + 1)):
                kinds[i] = "EN"
    return [kind if kind in ("L", "R", "EN", "AN") else "N" for kind in kinds]


def undrawable(text: str) -> list[str]:
    """The characters of ``text`` no shipped font has a glyph for (they would be drawn as boxes), each once, in
    order; spaces, format characters (joiners, direction marks) and variation selectors, which the shaper uses
    but draws nothing for, are not counted."""
    shipped = _shipped_characters()
    seen: dict[str, None] = {}  # ordered, and a lookup in it costs the same however many it holds
    for char in text:
        ignored = char.isspace() or unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F
        if not ignored and ord(char) not in shipped:
            seen[char] = None
    return list(seen)


@functools.lru_cache(maxsize=1)
def _shipped_characters() -> frozenset[int]:
    """Every code point some shipped font draws (made once: a caption track asks for each of its words)."""
    return frozenset().union(*(characters(name) for name in (*FONT_NAMES, SYMBOLS_FONT, EMOJI_FONT)))


def without_undrawable(text: str, font: str | None = None) -> str:
    """``text`` less the characters no shipped font (nor ``font``, an uploaded one's path) draws."""
    missing = set(undrawable(text))
    if missing and font and is_font_file(font):
        missing -= {char for char in missing if ord(char) in characters(font)}
    return "".join(char for char in text if char not in missing) if missing else text


def font_for(text: str, wanted: str | None) -> str:
    """The font to draw ``text`` in: the one asked for, unless it lacks the text's script. An uploaded font
    (a path) draws every text whose characters it has, and gives way to the shipped fonts otherwise."""
    if wanted and is_font_file(wanted):
        if all(ord(char) in _file_characters(wanted) for char in text if not char.isspace()):
            return wanted
        wanted = None
    needed = script_font(text)
    if needed is None:
        return wanted if wanted in ("noto-sans", "noto-serif") else DEFAULT_FONT
    return needed


@functools.lru_cache(maxsize=64)
def load_font(name: str, size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    """The named font (or an uploaded one, by path) at ``size`` pixels, laid out by libraqm (HarfBuzz shaping,
    bidi)."""
    if is_font_file(name):
        return ImageFont.truetype(name, size, layout_engine=ImageFont.Layout.RAQM)
    if name not in FONT_NAMES and name != SYMBOLS_FONT:
        raise ValueError(f"unknown font {name!r}; fonts: {', '.join(FONT_NAMES)}")
    font = ImageFont.truetype(str(_file(name)), size, layout_engine=ImageFont.Layout.RAQM)
    if name not in ("noto-sans-cjk", SYMBOLS_FONT, *_STATIC_FILES):  # variable fonts: pick the weight
        font.set_variation_by_name("Bold" if bold else "Regular")
    return font


class EmojiFace:
    """Noto Color Emoji at ``size`` pixels, as a text font is used: ``getlength`` to lay a run out, ``picture`` to
    draw it (in its own colours: a text's colour and outline do not apply). Its bitmaps exist at one size only,
    ``EMOJI_STRIKE``; a run is drawn there, shaped by HarfBuzz (a zero-width-joiner sequence, a flag, a skin
    tone is one picture), and scaled to ``size``."""

    def __init__(self, size: int):
        self.size = size
        self.scale = size / EMOJI_STRIKE

    def getlength(self, text: str) -> float:
        return float(_emoji_strike().getlength(text)) * self.scale

    def getmetrics(self) -> tuple[int, int]:
        ascent, descent = _emoji_strike().getmetrics()
        return round(ascent * self.scale), round(descent * self.scale)

    def picture(self, text: str) -> Image.Image:
        """``text`` drawn in colour, RGBA, as wide as ``getlength`` and as tall as ascent + descent: its baseline
        at ``getmetrics()[0]`` from its top. Each grapheme cluster's picture is kept at the strike's size
        (``_strike_picture``); the run is laid out there and scaled once."""
        pictures = [_strike_picture(cluster) for cluster in CharacterBreaker(text, "")]
        if not pictures:
            return Image.new("RGBA", (1, max(1, sum(self.getmetrics()))), (0, 0, 0, 0))
        run = Image.new("RGBA", (max(1, sum(p.width for p in pictures)), pictures[0].height), (0, 0, 0, 0))
        x = 0
        for picture in pictures:
            run.paste(picture, (x, 0))
            x += picture.width
        size = (max(1, round(self.getlength(text))), max(1, sum(self.getmetrics())))
        return run.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


@functools.lru_cache(maxsize=1)
def _emoji_strike() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_file(EMOJI_FONT)), EMOJI_STRIKE, layout_engine=ImageFont.Layout.RAQM)


#: the emoji pictures kept at the strike's size, by grapheme cluster, least recently used first, and their bytes:
#: at most ``EMOJI_KEPT_BYTES`` (one is about 70 KB; a picture per whole title at its size was kept before, and
#: 256 titles of large emoji held 1.4 GB)
EMOJI_KEPT_BYTES = 32 * 1024 * 1024
_kept: OrderedDict[str, Image.Image] = OrderedDict()
_kept_bytes = 0
_kept_lock = threading.Lock()


def _strike_picture(cluster: str) -> Image.Image:
    global _kept_bytes
    with _kept_lock:
        if cluster in _kept:
            _kept.move_to_end(cluster)
            return _kept[cluster]
    font = _emoji_strike()
    ascent, descent = font.getmetrics()
    drawn = Image.new("RGBA", (max(1, math.ceil(font.getlength(cluster))), ascent + descent), (0, 0, 0, 0))
    ImageDraw.Draw(drawn).text((0, ascent), cluster, font=font, anchor="ls", embedded_color=True)
    size = drawn.width * drawn.height * 4
    with _kept_lock:
        if size <= EMOJI_KEPT_BYTES // 8 and cluster not in _kept:  # a cluster of many unjoined pictures is not kept
            _kept[cluster] = drawn
            _kept_bytes += size
            while _kept_bytes > EMOJI_KEPT_BYTES:
                _, dropped = _kept.popitem(last=False)
                _kept_bytes -= dropped.width * dropped.height * 4
    return drawn
