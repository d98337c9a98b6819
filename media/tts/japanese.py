"""Japanese written with kanji, as espeak-ng can say it: each word's reading in katakana.

espeak-ng's Japanese voice reads kana and digits, and names each kanji ("Chinese letter"). A newsroom's
Japanese is written in kanji and kana together, so before speaking, each word is looked up in a dictionary
and replaced by its reading: 東京の首相 → トーキョーノ シュショー. The dictionary is SudachiPy's, with
SudachiDict's small edition (both Apache-2.0, from PyPI, read from the wheel: nothing is downloaded), which
cuts the sentence into words and gives each its reading. On top of the readings, what the dictionary gives
as written rather than as said:

- the particles は and へ are said ワ and エ;
- in a noun's reading, an オ-row kana followed by ウ, or an エ-row one followed by イ, is a long vowel
  (トウキョウ → トーキョー, センセイ → センセー), which espeak-ng says long only when written ー;
- a number before 月, 日, 時 or 人 is said as the counter makes it (4月 シガツ, 8日 ヨーカ, 1人 ヒトリ);
  other numbers, Latin letters and symbols are left for espeak-ng, which reads them in Japanese.

Phrases (a word with the particles, endings and suffixes after it) are spoken with a space between them, so
espeak-ng places a word event on each (run together, it placed one on the whole sentence, and a caption lit its
first character for all of it). ``Reading.written_at`` takes a place in the spoken text back to the written
one, for the captions, which show what was written.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
import unicodedata
from dataclasses import dataclass
from importlib import metadata
from typing import Any, NamedTuple

#: kanji (and the iteration mark 々), which the voice cannot read
KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_JAPANESE = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
#: what joins the phrase before it rather than starting one: particles, auxiliary verbs, suffixes, punctuation
_ATTACHED = {"助詞", "助動詞", "接尾辞", "補助記号"}
#: parts of speech whose reading's ou / ei are long vowels (nouns, their prefixes and suffixes; not verbs: 思う)
_NOUNLIKE = {"名詞", "代名詞", "接頭辞", "接尾辞"}
_PARTICLES_SAID = {"は": "ワ", "へ": "エ"}
_O_ROW = set("オコソトノホモヨロヲゴゾドボポョォ")
_E_ROW = set("エケセテネヘメレゲゼデベペェ")
#: numbers a counter changes the sound of (the number and counter together); the rest are the number's own
_COUNTED = {
    ("月", 4): "シガツ",
    ("月", 7): "シチガツ",
    ("月", 9): "クガツ",
    ("日", 2): "フツカ",
    ("日", 3): "ミッカ",
    ("日", 4): "ヨッカ",
    ("日", 5): "イツカ",
    ("日", 6): "ムイカ",
    ("日", 7): "ナノカ",
    ("日", 8): "ヨーカ",
    ("日", 9): "ココノカ",
    ("日", 10): "トーカ",
    ("日", 14): "ジューヨッカ",
    ("日", 20): "ハツカ",
    ("日", 24): "ニジューヨッカ",
    ("時", 4): "ヨジ",
    ("時", 7): "シチジ",
    ("時", 9): "クジ",
    ("人", 1): "ヒトリ",
    ("人", 2): "フタリ",
    ("人", 4): "ヨニン",
}
#: the first of a month after 月 (12月1日, ツイタチ); elsewhere 1日 is one day (イチニチ)
_FIRST_OF_MONTH = "ツイタチ"
_ONE_DAY = "イチニチ"
#: Sudachi refuses input over about 49,000 bytes: a script is looked at this many characters at a time, cut
#: after a sentence's end where there is one
_CHUNK = 4000
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def reader_identity() -> str:
    """What the readings depend on, for the speech cache's key: the analyser, its dictionary and these rules."""
    return f"sudachipy {metadata.version('sudachipy')}, sudachidict-small {metadata.version('sudachidict-small')}, 1"


@dataclass(frozen=True)
class Reading:
    """``spoken`` (kana, digits and symbols) for ``written``; ``pieces`` pair each stretch of the one with the
    other, in order: (spoken start, spoken end, written start, written end). ``phrases`` are the written text's
    phrases (start, end), the words its captions show: a word with the particles, endings and punctuation after
    it (行いました。, 12月7日、), as they are spoken and timed."""

    written: str
    spoken: str
    pieces: tuple[tuple[int, int, int, int], ...]
    phrases: tuple[tuple[int, int], ...] = ()

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


class _Word(NamedTuple):
    """A word of the text: as written, as said (None: left for espeak-ng as written), its part of speech (the
    dictionary's first two levels), where it is."""

    surface: str
    said: str | None
    part: tuple[str, str]
    start: int
    end: int


def reading(text: str) -> Reading:
    """``text`` as the Japanese voice should be given it."""
    words = _analysed(text)
    spoken: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    phrases: list[list[int]] = []
    opened = False
    length = 0
    i = 0
    while i < len(words):
        surface, kana, _, start, end = words[i]
        starts_phrase = not _attached(words, i)
        counted = _counted(words, i)
        if counted is not None:
            kana, end = counted
            i += 1  # the counter is said with its number
        said = kana if kana is not None else unicodedata.normalize("NFKC", surface)
        if spoken and starts_phrase and not opened and not spoken[-1][-1:].isspace() and not said[:1].isspace():
            spoken.append(" ")
            length += 1
        pieces.append((length, length + len(said), start, end))
        spoken.append(said)
        length += len(said)
        i += 1
        if surface.isspace():
            continue  # a space the text had: between phrases, in none
        opening = all(unicodedata.category(c) in ("Ps", "Pi") for c in surface)
        if (starts_phrase and not opened) or opening or not phrases or phrases[-1][1] < start:
            phrases.append([start, end])
        else:
            phrases[-1][1] = end
        opened = opening  # an opening bracket or quote goes with the phrase after it: 「東京」へ
    return Reading(text, "".join(spoken), tuple(pieces), tuple((start, end) for start, end in phrases))


def _attached(words: list[_Word], i: int) -> bool:
    """Whether word ``i`` is said with the phrase before it: a particle, ending, suffix or punctuation; a counter
    after its number (2026年, 12月); a light verb after its noun (発表 して, 勉強 する)."""
    word = words[i]
    if word.part[0] in _ATTACHED:
        return True
    if i == 0:
        return False
    before = words[i - 1]
    if word.part[0] == "名詞" and len(word.surface) == 1 and _number(before.surface):
        return True
    return word.part == ("動詞", "非自立可能") and before.part[0] == "名詞" and before.end == word.start


def unreadable(text: str) -> list[str]:
    """The words of ``text`` with kanji the dictionary has no reading for, in order, each once."""
    found = [word.surface for word in _analysed(text) if word.said is None and KANJI.search(word.surface)]
    return list(dict.fromkeys(found))


def _analysed(text: str) -> list[_Word]:
    return [
        _Word(surface, _said(surface, kana, part[0], known), part, offset + start, offset + end)
        for offset, chunk in _chunks(text)
        for surface, kana, part, known, start, end in _tokenize(chunk)
        if end > start  # Sudachi gives some characters (U+FE0F after ‼) an empty word of their own
    ]


def _said(surface: str, kana: str, part: str, known: bool) -> str | None:
    if not _JAPANESE.search(surface):
        return None  # numbers, Latin letters, symbols, spaces: espeak-ng reads these itself
    if not known:
        return surface if not KANJI.search(surface) else None  # kana it reads; kanji nobody here can
    if part == "助詞" and surface in _PARTICLES_SAID:
        return _PARTICLES_SAID[surface]
    if part in _NOUNLIKE and KANJI.search(surface):
        kana = _long_vowels(kana)
    return kana


def _long_vowels(kana: str) -> str:
    said = list(kana)
    for k in range(1, len(said)):
        if (said[k] == "ウ" and said[k - 1] in _O_ROW) or (said[k] == "イ" and said[k - 1] in _E_ROW):
            said[k] = "ー"
    return "".join(said)


def _counted(words: list[_Word], i: int) -> tuple[str, int] | None:
    """A number and the counter after it said together, when the counter changes how the number sounds: (kana,
    the counter's end)."""
    if i + 1 >= len(words) or not _number(words[i].surface) or words[i + 1].start != words[i].end:
        return None
    value, counter = int(unicodedata.normalize("NFKC", words[i].surface)), words[i + 1]
    if (counter.surface, value) == ("日", 1):
        after_month = i > 0 and words[i - 1].surface == "月"
        return (_FIRST_OF_MONTH if after_month else _ONE_DAY), counter.end
    kana = _COUNTED.get((counter.surface, value))
    return (kana, counter.end) if kana is not None else None


def _number(surface: str) -> bool:
    digits = unicodedata.normalize("NFKC", surface)
    return digits.isascii() and digits.isdigit()


def _chunks(text: str) -> list[tuple[int, str]]:
    chunks, at = [], 0
    while at < len(text):
        end = min(len(text), at + _CHUNK)
        if end < len(text):
            cut = [m.end() for m in _SENTENCE_END.finditer(text, at, end)]
            end = cut[-1] if cut else end
        chunks.append((at, text[at:end]))
        at = end
    return chunks


_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _tokenizer() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="small").tokenizer()


def _tokenize(text: str) -> list[tuple[str, str, tuple[str, str], bool, int, int]]:
    """Sudachi's words, longest split (C: 記者会見 one word, as it is said): (surface, reading, part of speech, in
    the dictionary, start, end). One tokenizer a process, used one call at a time: it keeps state between calls."""
    from sudachipy import SplitMode

    with _lock:
        return [
            (m.surface(), m.reading_form(), tuple(m.part_of_speech()[:2]), not m.is_oov(), m.begin(), m.end())
            for m in _tokenizer().tokenize(text, SplitMode.C)
        ]
