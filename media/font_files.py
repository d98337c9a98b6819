"""Uploaded fonts (a brand kit's TTF/OTF), checked before they are stored.

A font file is a table directory that a renderer trusts: a truncated or
forged one crashes or hangs FreeType at every frame of every job that uses it.
fontTools parses the tables a text renderer needs (``cmap`` to find glyphs,
``head``/``hhea``/``maxp`` for metrics, ``name`` for the family, and the glyph
outlines, ``glyf`` or ``CFF ``), and Pillow's FreeType then draws a few letters
with it, as the worker will. Anything else is ``font_invalid``.
"""

from __future__ import annotations

import io
from typing import Any

from media.errors import MediaError

#: a font family of a few scripts is a few MB; CJK fonts reach 20 MB
MAX_FONT_BYTES = 32 * 1024 * 1024
#: sfnt magic numbers: TrueType (0x00010000 or 'true') and OpenType with CFF outlines ('OTTO')
SFNT_MAGIC = (b"\x00\x01\x00\x00", b"true", b"OTTO")
REQUIRED_TABLES = ("cmap", "head", "hhea", "hmtx", "maxp", "name")


def looks_like_font(data: bytes) -> bool:
    return data[:4] in SFNT_MAGIC


def inspect_font(data: bytes) -> dict[str, Any]:
    """``{"family", "style", "format", "glyphs"}`` of a usable TTF/OTF, or a ``font_invalid`` MediaError."""
    from fontTools.ttLib import TTFont, TTLibError

    if len(data) > MAX_FONT_BYTES:
        raise MediaError("font_invalid", f"A font may be at most {MAX_FONT_BYTES // (1024 * 1024)} MB.")
    if not looks_like_font(data):
        raise MediaError(
            "font_invalid",
            "This is not a TrueType or OpenType font (TTF/OTF); collections (TTC), "
            "WOFF and other formats are not accepted.",
        )
    try:
        font = TTFont(io.BytesIO(data), lazy=False)
        missing = [tag for tag in REQUIRED_TABLES if tag not in font]
        outlines = "glyf" if "glyf" in font else "CFF " if "CFF " in font else None
        if missing or outlines is None:
            raise MediaError("font_invalid", f"The font lacks its {', '.join(missing) or 'outline'} table(s).")
        for tag in (*REQUIRED_TABLES, outlines):  # decompile each: a forged table fails here, not in the worker
            font[tag]
        if font.getBestCmap() is None:
            raise MediaError("font_invalid", "The font maps no Unicode characters to glyphs.")
        name = font["name"]
        family = str(name.getBestFamilyName() or "")[:100]
        style = str(name.getBestSubFamilyName() or "")[:100]
        glyphs = font["maxp"].numGlyphs
    except MediaError:
        raise
    except (TTLibError, Exception) as exc:  # noqa: BLE001 — any parser failure on hostile bytes is "invalid"
        raise MediaError("font_invalid", f"The font does not parse ({type(exc).__name__}).") from None
    _draws(data)
    return {"family": family, "style": style, "format": "otf" if outlines == "CFF " else "ttf", "glyphs": glyphs}


def _draws(data: bytes) -> None:
    """FreeType (through Pillow, as the worker draws) loads the font and lays out a few letters."""
    from PIL import Image, ImageDraw, ImageFont

    try:
        face = ImageFont.truetype(io.BytesIO(data), 32)
        ImageDraw.Draw(Image.new("L", (200, 60))).text((4, 4), "Abg 123", font=face, fill=255)
    except Exception as exc:  # noqa: BLE001
        raise MediaError("font_invalid", f"The font does not draw ({type(exc).__name__}).") from None
