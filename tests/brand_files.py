"""Files the brand-kit tests upload, made here rather than shipped: a font
built with fontTools whose every letter is a solid block (text drawn in it is
told from Noto at a glance, and by counting pixels), and broken fonts."""

from __future__ import annotations

import functools
import io
import string

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

from tests.composition_files import video

UNITS = 1000
#: the block letters' advance and the block inside it, in font units
ADVANCE, BLOCK_LEFT, BLOCK_RIGHT, BLOCK_TOP = 700, 50, 650, 700


def _block(width: int, filled: bool):
    pen = TTGlyphPen(None)
    if filled:
        pen.moveTo((BLOCK_LEFT, 0))
        pen.lineTo((BLOCK_LEFT, BLOCK_TOP))
        pen.lineTo((BLOCK_RIGHT, BLOCK_TOP))
        pen.lineTo((BLOCK_RIGHT, 0))
        pen.closePath()
    return pen.glyph()


@functools.cache
def block_font() -> bytes:
    """A valid TrueType font ("Block Sans"): ASCII letters and digits are solid blocks, space is blank."""
    characters = string.ascii_letters + string.digits + ".,:;!?'-&"
    names = [".notdef", "space", *(f"g{ord(c)}" for c in characters)]
    builder = FontBuilder(UNITS, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({32: "space", **{ord(c): f"g{ord(c)}" for c in characters}})
    glyphs = {".notdef": _block(ADVANCE, True), "space": _block(ADVANCE, False)}
    glyphs.update({f"g{ord(c)}": _block(ADVANCE, True) for c in characters})
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (ADVANCE, BLOCK_LEFT if name != "space" else 0) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Block Sans", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def truncated_font() -> bytes:
    """A real font cut short: the table directory points past the end."""
    data = block_font()
    return data[: len(data) // 3]


def not_a_font() -> bytes:
    """A file named .ttf that holds text."""
    return b"this is a font, honestly\n" * 40


def forged_font() -> bytes:
    """The TrueType magic number and a table count, then noise: what a fuzzer sends."""
    return b"\x00\x01\x00\x00\x00\x08" + bytes(range(256)) * 8


def sting(colour: str, seconds: float = 1.0) -> bytes:
    """A 4:3 clip of one colour (``0xrrggbb``), as an intro or outro: the canvas it is scaled to is 16:9."""
    return video(320, 240, "25", seconds, "mp4", colour)
