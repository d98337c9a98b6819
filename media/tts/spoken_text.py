"""What espeak-ng is given to say where the written text would make it say something else, and the way back.

A ``Reading`` pairs what is said with what was written, so the voice says one while the captions show the other and
each written word is lit while its own speech sounds. Japanese written in kanji is read by ``media.tts.japanese``;
``spoken_form`` holds the smaller rules of other languages, each found by ``espeak-ng -v <voice> -x``:

- Arabic: a number with % or ٪ after it is said with بالمئة after it (espeak-ng left the sign unsaid: ٤٥٪ was
  "خمسة وأربعون"), and the Arabic decimal separator ٫ as the point (٣٫٥ was "three five", the point unsaid);
- Chinese (Mandarin and Cantonese): X% is 百分之X (espeak-ng said the sign in English, "(en)pəsɛnt", after the
  number), and a decimal's point is 点 with the digits after it said one by one (12.5 十二点五; the point was unsaid);
  a digit straight after a character is given a space before it, for espeak-ng placed a lone digit's word event at
  the character before it (12月7日: 七 was timed under 月, the 7 not at all);
- Bengali: য় ড় ঢ় written as a letter and the nukta (U+09AF U+09BC, as web text brings them, and NFC leaves them:
  the one-letter forms are composition exclusions) are given as the one letter before a vowel sign, which espeak-ng
  dropped after the nukta (হয়েছে was hɔtʃʰe). Elsewhere they stay apart: word-final, the one letter gains a vowel
  (হয় hɔjo). Hindi's nukta letters (क़ … य़) read the same either way, and are left.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """``spoken`` (kana, digits and symbols) for ``written``; ``pieces`` pair each stretch of the one with the
    other, in order: (spoken start, spoken end, written start, written end). ``phrases`` are the written text's
    phrases (start, end), the words its captions show: a word with the particles, endings and punctuation after
    it (行いました。, 12月7日、), as they are spoken and timed; none: the written text's words (``written_words``). ``unknown`` are the words the dictionary has no
    reading for, which reach the voice as kanji: ``unreadable``'s, found in the same look-up."""

    written: str
    spoken: str
    pieces: tuple[tuple[int, int, int, int], ...]
    phrases: tuple[tuple[int, int], ...] = ()
    unknown: tuple[str, ...] = ()

    @functools.cached_property
    def _spoken_starts(self) -> list[int]:
        return [piece[0] for piece in self.pieces]

    def written_at(self, index: int) -> int:
        """The written character the spoken character ``index`` stands for: within a word, in proportion (トー
        キョー's first three kana are 東, the last two 京)."""
        at = bisect.bisect_right(self._spoken_starts, index) - 1
        if at < 0:
            return 0
        spoken_start, spoken_end, start, end = self.pieces[at]
        if index >= spoken_end:  # a space between phrases: the next phrase's start
            return end
        return start + (index - spoken_start) * (end - start) // max(1, spoken_end - spoken_start)


#: bumped when these rules change what a text is said as; part of the speech cache's key for the languages below
RULES = 1

_ARABIC_PERCENT = "بالمِئَة"  # vowelled: unvowelled, espeak-ng says "bilmʔt"
_ARABIC_PERCENTAGE = re.compile(r"(\d+(?:[.,٫]\d+)?)\s*[%٪]")
_ARABIC_DECIMAL = re.compile(r"(?<=\d)٫(?=\d)")
_CHINESE_DIGITS = "零一二三四五六七八九"
#: a number (its thousands grouped with commas or not) with its decimals, not one of a dotted run (1.2.3, a date)
_CHINESE_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![.\d])(\s*[%％])?")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
#: Bengali's nukta letters apart (letter, nukta), before a vowel sign: the one letter each stands for
_BENGALI_NUKTA = re.compile(r"([\u09a1\u09a2\u09af])\u09bc(?=[\u09be-\u09cc\u09d7\u09e2\u09e3])")
_BENGALI_ONE_LETTER = {"\u09a1": "\u09dc", "\u09a2": "\u09dd", "\u09af": "\u09df"}


def reads_spoken_forms(language: str | None) -> bool:
    """Whether ``spoken_form`` has rules for ``language`` (a voice's tag: ``ar``, ``cmn``, ``yue``, ``bn-in``)."""
    return (language or "").split("-")[0] in _RULES_BY_LANGUAGE


def spoken_form(text: str, language: str | None) -> Reading | None:
    """``text`` as espeak-ng should be given it in ``language`` (its words for captions are the written ones, as for
    any text: no phrases); None: as written."""
    rules = _RULES_BY_LANGUAGE.get((language or "").split("-")[0])
    changes = rules(text) if rules else []
    if not changes:
        return None
    spoken: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    length = at = 0
    for start, end, said in [*changes, (len(text), len(text), "")]:
        for written_start, written_end, piece in ((at, start, text[at:start]), (start, end, said)):
            if piece or written_end > written_start:
                pieces.append((length, length + len(piece), written_start, written_end))
                spoken.append(piece)
                length += len(piece)
        at = end
    return Reading(text, "".join(spoken), tuple(pieces))


def _arabic(text: str) -> list[tuple[int, int, str]]:
    percentages = _ARABIC_PERCENTAGE.finditer(text)
    changes = [(m.start(), m.end(), f"{m[1].replace('٫', '.')} {_ARABIC_PERCENT}") for m in percentages]
    taken = [range(start, end) for start, end, _ in changes]
    changes += [(m.start(), m.end(), ".") for m in _ARABIC_DECIMAL.finditer(text) if not _within(m.start(), taken)]
    return sorted(changes)


def _chinese(text: str) -> list[tuple[int, int, str]]:
    changes = []
    for m in _CHINESE_NUMBER.finditer(text):
        whole, decimals, percent = m[1], m[2], m[3]
        said = whole + ("点" + "".join(_CHINESE_DIGITS[int(d)] for d in decimals) if decimals else "")
        if percent:
            said = "百分之" + said
        elif m.start() > 0 and _IDEOGRAPH.match(text[m.start() - 1]):
            said = " " + said
        if said != m[0]:
            changes.append((m.start(), m.end(), said))
    return changes


def _bengali(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), _BENGALI_ONE_LETTER[m[1]]) for m in _BENGALI_NUKTA.finditer(text)]


def _within(index: int, spans: list[range]) -> bool:
    return any(index in span for span in spans)


_RULES_BY_LANGUAGE = {"ar": _arabic, "cmn": _chinese, "yue": _chinese, "zh": _chinese, "bn": _bengali}
