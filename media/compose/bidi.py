"""The order words of mixed direction are shown in: the Unicode Bidirectional Algorithm (UAX #9), word by word.

Text is drawn a word at a time (each word may have its own colour and font), and HarfBuzz (through raqm) shapes
and orders the letters inside a word. What is left is the order of the words on a line. An Arabic title with an
English name in it, "مباشر: BBC News 2025", reads right to left, but "BBC News 2025" inside it reads left to
right, so the line shows "BBC News 2025 :مباشر"; an English title with an Arabic name keeps its own order
around the name, reversed. Reversing a right-to-left line word by word, as before, showed "2025 News BBC".

Each word takes the type of its first strong character (L, or R for Hebrew and Arabic letters), else a number's
(EN for European digits, AN for Arabic-Indic ones), else none. A word's leading and trailing punctuation is its own
piece (``neutral_pieces``), resolved as the algorithm resolves it between the words on either side: in an Arabic
line "BBC:" shows its colon left of "BBC", where the Arabic after it goes, and "٢٠٢٥." its full stop at the far
left. Drawn as part of its word, it stood between the word and its neighbour. The paragraph reads right to left
where its first strong character does (rule P2), where more of its letters read right to left than left to right
("BBC News Arabic: نسبة المشاركة ..." on an Arabic desk), or where its language is written right to left and it
has a letter that is. The rules applied: W7 (a European number after left-to-right text is left-to-right), N1 and
N2 for the spaces between words and for words and pieces of punctuation alone (between two of one direction, that
direction; numbers count as right-to-left; else the paragraph's), I1 and I2 for the levels, L2 for the order. Explicit
embeddings and isolates (U+202A…U+2069) are not honoured: a text holding them is ordered as if they were absent.
"""

from __future__ import annotations

import re
import unicodedata

_STRONG = {"L": "L", "R": "R", "AL": "R"}
_NUMBER = {"EN": "EN", "AN": "AN"}
#: the characters a word's ends may hold that take their direction from their neighbours (W6: separators and
#: terminators not beside a number, other neutrals, whitespace)
_NEUTRAL = {"ON", "CS", "ES", "ET", "WS", "S", "B"}
#: paired brackets (BD14, BD15), each opening one with its closing one
_BRACKETS = dict(zip("([{（［｛〈《「『【〔", ")]}）］｝〉》」』】〕", strict=True))
_OPENING = {closing: opening for opening, closing in _BRACKETS.items()}
#: languages written right to left (ISO 639), by their primary subtag: "ar", "ar-EG"
RIGHT_TO_LEFT_LANGUAGES = frozenset(
    {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "nqo", "ps", "sd", "syr", "ug", "ur", "yi"}
)


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


def right_to_left(words: list[str], language: str | None = None) -> bool:
    """Whether a paragraph of these words runs right to left: its first strong character is R (rule P2), more of
    its letters are R than L (an Arabic headline that begins with an English brand), or ``language`` (the text's,
    "ar", "fa-IR") is written right to left and it has an R letter (an Arabic desk's English name stays left to
    right)."""
    kinds = [_STRONG.get(unicodedata.bidirectional(char)) for word in words for char in word]
    rtl, ltr = kinds.count("R"), kinds.count("L")
    if rtl and language and re.split(r"[-_]", language.lower())[0] in RIGHT_TO_LEFT_LANGUAGES:
        return True
    first = next((kind for kind in kinds if kind), None)
    return first == "R" or rtl > ltr


def neutral_pieces(word: str) -> list[str]:
    """``word`` as its leading neutrals, its middle and its trailing neutrals, those that are there: "BBC:" is
    "BBC", ":"; "(Sarah" is "(", "Sarah"; "٢٠٢٥." is "٢٠٢٥", ".". A mark stays with its letter, and a terminator
    beside a European digit with its number (W5: "50%", "$3" stay whole). A word of neutrals alone stays whole."""
    classes = [unicodedata.bidirectional(char) for char in word]
    for i in range(1, len(classes)):
        if classes[i] in ("NSM", "BN"):
            classes[i] = classes[i - 1]
    for i in range(1, len(classes)):  # W5: terminators after a European number are part of it ("50%")
        if classes[i] == "ET" and classes[i - 1] == "EN":
            classes[i] = "EN"
    for i in range(len(classes) - 2, -1, -1):  # and those before it ("$3")
        if classes[i] == "ET" and classes[i + 1] == "EN":
            classes[i] = "EN"
    start, end = 0, len(word)
    while start < end and classes[start] in _NEUTRAL:
        start += 1
    while end > start and classes[end - 1] in _NEUTRAL:
        end -= 1
    if start == end:
        return [word]
    # a bracket is a piece of its own, so that it pairs with the one that closes it (N0): ")،" is ")", "،"
    ends = [
        re.split(f"([{re.escape(''.join(_BRACKETS) + ''.join(_OPENING))}])", run) for run in (word[:start], word[end:])
    ]
    return [piece for piece in (*ends[0], word[start:end], *ends[1]) if piece]


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
    _paired_brackets(words, kinds, base)
    word_levels = [
        _neutral_level(kinds, i, base) if kind == "N" else _level(kind, base) for i, kind in enumerate(kinds)
    ]
    gaps = [_level(base, base)] + [_neutral_level(kinds, i - 0.5, base) for i in range(1, len(words))]
    return word_levels, gaps


def line_order(line: list[int], word_levels: list[int], gaps: list[int]) -> list[int]:
    """L2 for one line (``line``: consecutive word indices): its words from left to right as shown."""
    return [i for i, gap in shown_order(line, word_levels, gaps) if not gap]


def shown_order(line: list[int], word_levels: list[int], gaps: list[int]) -> list[tuple[int, bool]]:
    """L2 for one line with the gaps between its words, from left to right as shown: ``(i, False)`` for word ``i``,
    ``(i, True)`` for the gap before it. A space goes where its gap goes: in "(Sarah Khalil)" inside Arabic, the
    space between the names, not between "Khalil" and the bracket shown beside it."""
    items: list[tuple[tuple[int, bool], int]] = []
    for k, i in enumerate(line):
        if k:
            items.append(((i, True), gaps[i]))
        items.append(((i, False), word_levels[i]))
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
    return [item for item, _ in items]


def _paired_brackets(words: list[str], kinds: list[str], base: str) -> None:
    """N0: a pair of brackets (words of one bracket each) takes the paragraph's direction where a word inside is of
    it, else the other direction where a word inside is of that one and so is the strong word before the opening
    bracket ("عاجل BBC (News) تقرير": both brackets left to right, round "News" after "BBC"). Numbers count as R."""
    open_at: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, word in enumerate(words):
        if word in _BRACKETS:
            open_at.append(i)
        elif word in _OPENING:
            depth = next((d for d in range(len(open_at) - 1, -1, -1) if words[open_at[d]] == _OPENING[word]), None)
            if depth is not None:
                pairs.append((open_at[depth], i))
                del open_at[depth:]
    for opening, closing in sorted(pairs):
        inside = {_as_strong(kind) for kind in kinds[opening + 1 : closing] if kind != "N"}
        if not inside:
            continue
        before = next((_as_strong(kind) for kind in reversed(kinds[:opening]) if kind != "N"), base)
        side = base if base in inside or before == base else before
        kinds[opening] = kinds[closing] = side


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
