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
from collections.abc import Sequence

from media.phonemes import Word
from media.tts.script_check import without_pictures

#: characters written without spaces between words: each is a word of its own
_IDEOGRAPH = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_OPENING = ("Ps", "Pi")
#: signs espeak-ng reads as words of their own ("%": "percent"), though Unicode counts some as punctuation
_READ_ALOUD = set("%‰‱°&+=#@$€£¥₹§")


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
    """Where each word's spoken part ends: after its last letter, digit or sign that is read aloud ("50%": "fifty
    percent", with a word event of its own at the "%"). espeak-ng places a word after a dash at the dash ("Hello --
    world": "world" at the first "-"), and the dash belongs to the word before it."""
    ends = []
    for start, end in spans:
        last = end
        while last > start and not (text[last - 1].isalnum() or text[last - 1] in _READ_ALOUD):
            last -= 1
        ends.append(last if last > start else end)
    return ends


def word_at(ends: list[int], index: int) -> int:
    """Which word the character at ``index`` is spoken in, given ``spoken_ends``: the word it is in, else the first
    after it, else the last."""
    return min(bisect.bisect_right(ends, index), len(ends) - 1)


def words_by_sentence(words: Sequence[Word], cues: Sequence[tuple[float, float, str]]) -> list[list[Word]]:
    """Each cue's (sentence's) timed words: those that start in it, with the written words its voice was not given
    (pictures: "🎉", "👋🏽!") put back as written, without duration, where the word before them ends, as the
    narration aligner places the words it could not time. A cue no word starts in gets [] (its words could not be
    timed); a word before the first cue goes with the first."""
    starts = [start for start, _, _ in cues]
    out: list[list[Word]] = [[] for _ in cues]
    if not cues:
        return out
    for word in words:
        out[max(0, bisect.bisect_right(starts, word.start_s + 1e-6) - 1)].append(word)
    return [_with_pictures(timed, text) if timed else timed for timed, (_, _, text) in zip(out, cues)]


def _with_pictures(timed: list[Word], text: str) -> list[Word]:
    """``timed`` (the words of ``text`` as its voice said it, pictures left out) with the pictures put back;
    unchanged when ``text`` has none, or its other words are not ``timed``'s one for one."""
    written = [" ".join(text[start:end].split()) for start, end in written_words(text)]
    said = [without_pictures(word) for word in written]
    unsaid = [plain != word and not any(c.isalnum() for c in plain) for word, plain in zip(written, said)]
    spoken = [plain for plain, silent in zip(said, unsaid) if not silent]
    if not any(unsaid) or [_letters(w) for w in spoken] != [_letters(w.text) for w in timed]:
        return timed
    out, at, pending = [], timed[0].start_s, iter(timed)
    for word, silent in zip(written, unsaid):
        if silent:
            out.append(Word(word, at, at))
            continue
        spoken_word = next(pending)
        out.append(Word(word, spoken_word.start_s, spoken_word.end_s))
        at = spoken_word.end_s
    return out


def _letters(word: str) -> str:
    return "".join(char for char in word if char.isalnum())


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
