"""Make ``media/compose/fonts/NotoSansCJK-Bold-symbols.otf``: the symbols news text uses, cut from Noto Sans CJK.

    sudo apt-get install fonts-noto-cjk      # Debian 12: 1:20220127+repack1-1
    python ops/subset_symbols_font.py

Titles and lower thirds use arrows (→ ↑ ↓), triangles for markets (▲ ▼), stars, check marks, weather symbols
and circled numbers; none of the other shipped fonts has them, so before this file they were refused
(``text_undrawable``). Noto Sans CJK SC Bold (Adobe, SIL OFL 1.1, the licence in ``LICENSE-OFL.txt`` beside it)
has most of them in the weight and design of our CJK face. The blocks below are kept whole, as far as the font
has them, and nothing else: the result is a few hundred kilobytes, where the whole face is 20 MB. Run it again
only to change the blocks; the file is committed.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
SC_BOLD = 2  # "Noto Sans CJK SC Bold" in Debian's collection
TARGET = Path(__file__).resolve().parents[1] / "media" / "compose" / "fonts" / "NotoSansCJK-Bold-symbols.otf"
#: Unicode blocks of symbols: letterlike (℃ ™ №), number forms (Ⅻ), arrows, mathematical operators, technical,
#: enclosed alphanumerics (① ②), box drawing, geometric shapes (▲ ● ■), miscellaneous symbols (★ ☀ ♪), dingbats
BLOCKS = (
    (0x2100, 0x214F),
    (0x2150, 0x218F),
    (0x2190, 0x21FF),
    (0x2200, 0x22FF),
    (0x2300, 0x23FF),
    (0x2460, 0x24FF),
    (0x2500, 0x257F),
    (0x25A0, 0x25FF),
    (0x2600, 0x26FF),
    (0x2700, 0x27BF),
)


def main() -> None:
    font = TTCollection(str(SOURCE)).fonts[SC_BOLD]
    assert font["name"].getDebugName(4) == "Noto Sans CJK SC Bold", font["name"].getDebugName(4)
    has = set(font.getBestCmap())
    wanted = sorted(cp for low, high in BLOCKS for cp in range(low, high + 1) if cp in has)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the copyright, licence and designer records (the OFL asks for them)
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    font.save(str(TARGET))
    print(f"{TARGET}: {len(wanted)} characters, {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
