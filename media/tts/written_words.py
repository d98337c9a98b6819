"""A text's words as it is written, for captions: "¿Qué", "tal?", "«Hola»,", "(ayer).".

espeak-ng says where each word it speaks starts in the text, but not reliably
what the word is: the length it gives stops at an apostrophe ("C'est" is
"C"), is 0 after an opening quote ("«Hola»"), and leaves out the word's
punctuation; and at a clause boundary it repeats an event with a position
from further back. Captions should show what was written, so the words are cut
from the text here, and espeak-ng's positions only say which word is spoken
when (``espeak_events``).

A word is a run of text between spaces. Chinese and Japanese characters are
each a word (they are written without spaces, and espeak-ng times each one).
Punctuation standing on its own ("monde !", "Tag –") belongs to the word
before it, and opening punctuation ("« bien", "（星期一") to the word after it.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

#: characters written without spaces between words: each is a word of its own
_IDEOGRAPH = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_OPENING = ("Ps", "Pi")


def written_words(text: str) -> list[tuple[int, int]]:
    """The (start, end) character spans of ``text``'s words, in order. A span may hold a space where punctuation
    standing alone joined a word ("monde !"); a text of punctuation alone has no words."""
    pieces = [piece for match in re.finditer(r"\S+", text) for piece in _pieces(text, *match.span())]
    words: list[list[int]] = []
    opening_from: int | None = None  # where opening punctuation waits for the word after it
    for start, end in pieces:
        chunk = text[start:end]
        if not all(_punctuation(c) for c in chunk):
            words.append([start if opening_from is None else opening_from, end])
            opening_from = None
            continue
        # the chunk's closing part goes to the word before; its opening tail to the word after
        tail = len(chunk)
        while tail > 0 and unicodedata.category(chunk[tail - 1]) in _OPENING:
            tail -= 1
        if tail and words and opening_from is None:
            words[-1][1] = start + tail
        elif tail and opening_from is None:
            opening_from = start
        if tail < len(chunk) and opening_from is None:
            opening_from = start + tail
    return [(start, end) for start, end in words]


def spoken_ends(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Where each word's spoken part ends: after its last letter or digit. espeak-ng places a word after a dash at
    the dash ("Hello -- world": "world" at the first "-"), and the dash belongs to the word before it."""
    ends = []
    for start, end in spans:
        last = end
        while last > start and not text[last - 1].isalnum():
            last -= 1
        ends.append(last if last > start else end)
    return ends


def word_at(ends: list[int], index: int) -> int:
    """Which word the character at ``index`` is spoken in, given ``spoken_ends``: the word it is in, else the first
    after it, else the last."""
    return min(bisect.bisect_right(ends, index), len(ends) - 1)


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A run between spaces cut before and after each ideograph: "北京25°C" is 北, 京, 25°C."""
    pieces, at = [], start
    for i in range(start, end):
        if _IDEOGRAPH.match(text[i]):
            if at < i:
                pieces.append((at, i))
            pieces.append((i, i + 1))
            at = i + 1
    if at < end:
        pieces.append((at, end))
    return pieces


def _punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")
