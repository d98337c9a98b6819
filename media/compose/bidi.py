"""The order words of mixed direction are shown in: the Unicode Bidirectional Algorithm (UAX #9), word by word.

Text is drawn a word at a time (each word may have its own colour and font), and HarfBuzz (through raqm) shapes
and orders the letters inside a word. What is left is the order of the words on a line. An Arabic title with an
English name in it, "مباشر: BBC News 2025", reads right to left, but "BBC News 2025" inside it reads left to
right, so the line shows "BBC News 2025 :مباشر"; an English title with an Arabic name keeps its own order
around the name, reversed. Reversing a right-to-left line word by word, as before, showed "2025 News BBC".

Each word takes the type of its first strong character (L, or R for Hebrew and Arabic letters), else a number's
(EN for European digits, AN for Arabic-Indic ones), else none. The paragraph's direction is its first strong
character's. The rules applied: W7 (a European number after left-to-right text is left-to-right), N1 and N2 for
the spaces between words and for words of punctuation alone (between two of one direction, that direction;
numbers count as right-to-left; else the paragraph's), I1 and I2 for the levels, L2 for the order. Explicit
embeddings and isolates (U+202A…U+2069) are not honoured: a text holding them is ordered as if they were absent.
"""

from __future__ import annotations

import unicodedata

_STRONG = {"L": "L", "R": "R", "AL": "R"}
_NUMBER = {"EN": "EN", "AN": "AN"}


def word_type(word: str) -> str:
    """``L``, ``R``, ``EN``, ``AN`` or ``N`` (neutral): the first strong character's direction, else a number's."""
    number = "N"
    for char in word:
        kind = unicodedata.bidirectional(char)
        if kind in _STRONG:
            return _STRONG[kind]
        if kind in _NUMBER and number == "N":
            number = _NUMBER[kind]
    return number


def right_to_left(words: list[str]) -> bool:
    """Whether a paragraph of these words runs right to left: its first strong character is R (rule P2)."""
    for word in words:
        kind = word_type(word)
        if kind in ("L", "R"):
            return kind == "R"
    return False


def mostly_right_to_left(words: list[str]) -> bool:
    """Whether more of ``words`` read right to left than left to right: the direction of speech's captions, whose
    pages may each begin with an English name ("Apple") in an Arabic sentence."""
    kinds = [word_type(w) for w in words]
    return kinds.count("R") > kinds.count("L")


def visual_order(words: list[str], paragraph_rtl: bool) -> list[int]:
    """The indices of ``words`` (one line, in reading order) from left to right as shown."""
    return line_order(list(range(len(words))), *levels(words, paragraph_rtl))


def levels(words: list[str], paragraph_rtl: bool) -> tuple[list[int], list[int]]:
    """Each word's embedding level, and each gap's (``gaps[i]`` is the space before word ``i``), resolved over
    the whole paragraph (rules W7, N1, N2, I1, I2) before it is cut into lines."""
    base = "R" if paragraph_rtl else "L"
    kinds = [word_type(w) for w in words]
    strong = base  # W7: a European number takes L after left-to-right text (or at the start of an L paragraph)
    for i, kind in enumerate(kinds):
        if kind in ("L", "R"):
            strong = kind
        elif kind == "EN" and strong == "L":
            kinds[i] = "L"
    word_levels = [
        _neutral_level(kinds, i, base) if kind == "N" else _level(kind, base) for i, kind in enumerate(kinds)
    ]
    gaps = [_level(base, base)] + [_neutral_level(kinds, i - 0.5, base) for i in range(1, len(words))]
    return word_levels, gaps


def line_order(line: list[int], word_levels: list[int], gaps: list[int]) -> list[int]:
    """L2 for one line (``line``: consecutive word indices): its words from left to right as shown."""
    if not line:
        return []
    items: list[tuple[int | None, int]] = []
    for k, i in enumerate(line):
        if k:
            items.append((None, gaps[i]))
        items.append((i, word_levels[i]))
    # from the highest level down to the lowest odd one, reverse every run at that level or above
    found = [level for _, level in items]
    lowest_odd = min((level for level in found if level % 2), default=None)
    if lowest_odd is not None:
        for level in range(max(found), lowest_odd - 1, -1):
            start = None
            for k in range(len(items) + 1):
                inside = k < len(items) and items[k][1] >= level
                if inside and start is None:
                    start = k
                elif not inside and start is not None:
                    items[start:k] = items[start:k][::-1]
                    start = None
    return [index for index, _ in items if index is not None]


def _level(kind: str, base: str) -> int:
    """I1 and I2: a strong or number word's level in a paragraph of direction ``base``."""
    if base == "L":
        return {"L": 0, "R": 1}.get(kind, 2)
    return 1 if kind == "R" else 2


def _neutral_level(kinds: list[str], at: float, base: str) -> int:
    """N1 and N2: the level of a gap (``at`` between two words) or a neutral word (``at`` its index), from the
    nearest non-neutral words on either side (numbers count as R; the paragraph's direction past the ends)."""
    before = next((_as_strong(k) for k in reversed(kinds[: int(at + 0.5)]) if k != "N"), base)
    after = next((_as_strong(k) for k in kinds[int(at) + 1 :] if k != "N"), base)
    side = before if before == after else base
    return _level(side, base)


def _as_strong(kind: str) -> str:
    return "L" if kind == "L" else "R"
