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
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import metadata
from typing import Any, NamedTuple

#: kanji (and the iteration mark 々), which the voice cannot read
KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_JAPANESE = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
#: what joins the phrase before it rather than starting one: particles, auxiliary verbs, suffixes, punctuation
_ATTACHED = {"助詞", "助動詞", "接尾辞", "補助記号"}
#: parts of speech whose reading's ou / ei are long vowels (nouns, adjectival nouns, their prefixes and suffixes;
#: not verbs: 思う)
_NOUNLIKE = {"名詞", "代名詞", "形状詞", "接頭辞", "接尾辞"}
_PARTICLES_SAID = {"は": "ワ", "へ": "エ"}
_KATAKANA_ONLY = re.compile(r"[\u30a1-\u30fc]+")
#: a word named in a refusal is cut to this many characters
NAMED_LENGTH = 20
#: Kangxi radicals, CJK radicals and compatibility ideographs whose NFKC form is one kanji: that kanji
_AS_KANJI = {
    code: unicodedata.normalize("NFKC", chr(code))
    for low, high in ((0x2E80, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
    for code in range(low, high + 1)
    if len(unicodedata.normalize("NFKC", chr(code))) == 1 and unicodedata.normalize("NFKC", chr(code)) != chr(code)
}
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
    """A word of the text: as written, as said (None: left for espeak-ng as written, NFKC), its part of speech
    (the dictionary's first two levels), where it is, and the number it is (2026, 三十一: 31), if it is one."""

    surface: str
    said: str | None
    part: tuple[str, str]
    start: int
    end: int
    number: int | None = None


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
        surface, kana, _, start, end, _ = words[i]
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
    """Whether word ``i`` is said with the phrase before it: a particle, ending, suffix or punctuation; a word after
    its prefix (第三十一); a counter after its number (2026年, 12月); a light verb after its noun (発表 して)."""
    word = words[i]
    if word.part[0] in _ATTACHED:
        return True
    if i == 0:
        return False
    before = words[i - 1]
    if before.part[0] == "接頭辞" and before.end == word.start:
        return True  # 第 三十一
    if word.part[0] == "名詞" and len(word.surface) <= 2 and before.number is not None:
        return True  # a counter: 2026年, 三 日間
    return word.part == ("動詞", "非自立可能") and before.part[0] == "名詞" and before.end == word.start


def unreadable(text: str) -> list[str]:
    """The words of ``text`` that would reach the voice as kanji (the dictionary has no reading for them), in
    order, each once, at most ``NAMED_LENGTH`` characters of each. Only the words the dictionary does not know
    are looked at (about a third of ``reading``'s cost)."""
    found: dict[str, None] = {}
    for _, chunk in _chunks(text.translate(_AS_KANJI)):
        for surface, kana, part in _unknown_words(chunk):
            if KANJI.search(unicodedata.normalize("NFKC", surface)) and _said(surface, kana, part, False) is None:
                found[surface[:NAMED_LENGTH]] = None
    return list(found)


def needs_look_up(text: str) -> bool:
    """Whether ``text`` has kanji (in any of their forms: ⼀, ㈱) for the dictionary to read."""
    return bool(KANJI.search(unicodedata.normalize("NFKC", text)))


#: characters ``unreadable`` may still look up in this context (a request), or None: no bound
_look_ups: ContextVar[list[int] | None] = ContextVar("japanese_look_ups", default=None)


@contextmanager
def look_up_budget(characters: int) -> Iterator[None]:
    """Within the block, at most ``characters`` characters are looked up by ``within_look_up_budget``'s callers
    (a batch of many long scripts would otherwise hold its request for tens of seconds); a text past it is not
    looked up there, and the worker, which refuses to speak kanji it has no reading for, fails its job with
    ``script_unreadable`` instead."""
    token = _look_ups.set([characters])
    try:
        yield
    finally:
        _look_ups.reset(token)


def within_look_up_budget(characters: int) -> bool:
    """Whether ``characters`` more may be looked up in this context; if so, they are counted."""
    left = _look_ups.get()
    if left is None:
        return True
    if characters > left[0]:
        left[0] = 0  # the rest of the request looks nothing up: its order decides nothing beyond here
        return False
    left[0] -= characters
    return True


def _analysed(text: str) -> list[_Word]:
    # Kangxi radicals and compatibility ideographs (⼀⼈, ⽇本 pasted from a PDF) as the kanji they stand for:
    # one character each way, so the places stay the text's
    looked_up = text.translate(_AS_KANJI)
    return [
        _Word(surface, _said(surface, kana, part, known), part, offset + start, offset + end, _value(surface, normal))
        for offset, chunk in _chunks(looked_up)
        for surface, kana, normal, part, known, start, end in _tokenize(chunk)
        if end > start  # Sudachi gives some characters (U+FE0F after ‼) an empty word of their own
    ]


def _value(surface: str, normalized: str) -> int | None:
    """The number a word is: its digits (2026, full width too), or a kanji numeral's (三十一: Sudachi's 31)."""
    for digits in (unicodedata.normalize("NFKC", surface), normalized):
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            return int(digits)
    return None


def _said(surface: str, kana: str, part: tuple[str, str], known: bool) -> str | None:
    japanese = _JAPANESE.search(surface) or _JAPANESE.search(unicodedata.normalize("NFKC", surface))
    if not japanese:
        return None  # numbers in digits, Latin letters, symbols, spaces: espeak-ng reads these itself
    if not known and part != ("名詞", "数詞"):  # a kanji numeral (三十一) is read, though Sudachi made it up
        return surface if not KANJI.search(surface) else None  # kana it reads; kanji nobody here can
    if not _KATAKANA_ONLY.fullmatch(kana):
        return None
    if part[0] == "助詞" and surface in _PARTICLES_SAID:
        return _PARTICLES_SAID[surface]
    if part[0] in _NOUNLIKE and KANJI.search(unicodedata.normalize("NFKC", surface)):
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
    value = words[i].number
    if value is None or i + 1 >= len(words) or words[i + 1].start != words[i].end:
        return None
    counter = words[i + 1]
    if (counter.surface, value) == ("日", 1):
        before = [word.surface for word in words[:i] if not word.surface.isspace()][-1:]
        after_month = bool(before) and before[0].endswith("月")  # 12月1日, 今月 1日, 来月1日
        return (_FIRST_OF_MONTH if after_month else _ONE_DAY), counter.end
    kana = _COUNTED.get((counter.surface, value))
    return (kana, counter.end) if kana is not None else None


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


def _unknown_words(text: str) -> list[tuple[str, str, tuple[str, str]]]:
    """The words of ``text`` Sudachi's dictionary does not know: (surface, reading, part of speech)."""
    from sudachipy import SplitMode

    with _lock:
        return [
            (m.surface(), m.reading_form(), tuple(m.part_of_speech()[:2]))
            for m in _tokenizer().tokenize(text, SplitMode.C)
            if m.is_oov()
        ]


@functools.lru_cache(maxsize=1)
def _tokenizer() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="small").tokenizer()


def _tokenize(text: str) -> list[tuple[str, str, str, tuple[str, str], bool, int, int]]:
    """Sudachi's words, its longest split (C: 円安, 記者会見 where its dictionary has them whole): (surface, reading,
    normalized form, part of speech, in the dictionary, start, end). One tokenizer a process, used one call at a
    time: it keeps state between calls."""
    from sudachipy import SplitMode

    with _lock:
        return [
            (
                m.surface(),
                m.reading_form(),
                m.normalized_form(),
                tuple(m.part_of_speech()[:2]),
                not m.is_oov(),
                m.begin(),
                m.end(),
            )
            for m in _tokenizer().tokenize(text, SplitMode.C)
        ]
