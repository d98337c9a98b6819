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
- a number, in digits or in kanji (2026, 三十一, 1億2000万, 〇), is read here (``number_kana``, with its sound
  changes: サンビャク, イッセンマン): espeak-ng misreads large ones and Sudachi spells kanji numerals digit by
  digit; before a counter whose sound it changes it is said with it (4月 シガツ, 8日 ヨーカ, 一つ ヒトツ, 10回
  ジュッカイ, 100本 ヒャッポン, 3000本 サンゼンボン, 何階 ナンガイ; 3分の1, a fraction, サンブンノイチ); a number
  written with a leading zero (007) is left to espeak-ng, as are Latin letters and symbols;
- ㈰ ㈲, which the dictionary calls symbols, are read as the kanji inside them.

Phrases (a word with the particles, endings and suffixes after it) are spoken with a space between them, so
espeak-ng places a word event on each (run together, it placed one on the whole sentence, and a caption lit its
first character for all of it). ``Reading.written_at`` takes a place in the spoken text back to the written
one, for the captions, which show what was written.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import metadata
from typing import Any, NamedTuple

from media.tts.spoken_text import Reading

#: kanji (and the iteration mark 々), which the voice cannot read
#: kanji (with 々, 〇, and the radicals a PDF may hold in their place, which have no reading of their own)
KANJI = re.compile(r"[\u2e80-\u2fdf\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_JAPANESE = re.compile(
    r"[\u2e80-\u2fdf\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
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
#: words the dictionary reads one way where news means the other: 何人 ナニジン ("of what nation") for ナンニン
#: ("how many people"), 何時 イツ ("when", which news writes いつ) for ナンジ ("what time")
_NEWS_READINGS = {"何人": "ナンニン", "何時": "ナンジ", "何時頃": "ナンジゴロ"}
#: the particles before which 何 is ナニ (何を ナニヲ, 何が ナニガ, 何か ナニカ), where the dictionary often says ナン
_NANI_BEFORE = {"を", "が", "か", "も", "に"}
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
    ("年", 4): "ヨネン",
    ("時間", 4): "ヨジカン",
    ("時間", 7): "シチジカン",
    ("時間", 9): "クジカン",
    **{
        ("分", n): kana
        for n, kana in (
            (1, "イップン"),
            (3, "サンプン"),
            (4, "ヨンプン"),
            (6, "ロップン"),
            (8, "ハップン"),
            (10, "ジュップン"),
        )
    },
    **{("回", n): kana for n, kana in ((1, "イッカイ"), (6, "ロッカイ"), (8, "ハッカイ"), (10, "ジュッカイ"))},
    **{("件", n): kana for n, kana in ((1, "イッケン"), (6, "ロッケン"), (8, "ハッケン"), (10, "ジュッケン"))},
    **{("歳", n): kana for n, kana in ((1, "イッサイ"), (8, "ハッサイ"), (10, "ジュッサイ"), (20, "ハタチ"))},
}
# things counted in Japanese's own numbers: 一つ ヒトツ … 九つ ココノツ
_COUNTED.update(
    {
        ("つ", n + 1): kana
        for n, kana in enumerate("ヒトツ フタツ ミッツ ヨッツ イツツ ムッツ ナナツ ヤッツ ココノツ".split())
    }
)
# a span of days is said as the day of the month is (三日間 ミッカカン), one day as イチニチ
_COUNTED.update({("日間", n): kana + "カン" for (counter, n), kana in list(_COUNTED.items()) if counter == "日"})
_COUNTED[("日間", 1)] = "イチニチカン"
# long things, cups, animals, pieces, books, points, floors, nights, pairs of shoes, houses, shots, head of cattle,
# companies, ships, letters and garments, whose first sound changes after 1, 3, 6, 8 and 10 (as the table says)
_COUNTED.update(
    {
        ("本", 1): "イッポン", ("本", 3): "サンボン", ("本", 6): "ロッポン", ("本", 8): "ハッポン", ("本", 10): "ジュッポン",
        ("杯", 1): "イッパイ", ("杯", 3): "サンバイ", ("杯", 6): "ロッパイ", ("杯", 8): "ハッパイ", ("杯", 10): "ジュッパイ",
        ("匹", 1): "イッピキ", ("匹", 3): "サンビキ", ("匹", 6): "ロッピキ", ("匹", 8): "ハッピキ", ("匹", 10): "ジュッピキ",
        ("個", 1): "イッコ", ("個", 6): "ロッコ", ("個", 8): "ハッコ", ("個", 10): "ジュッコ",
        ("冊", 1): "イッサツ", ("冊", 8): "ハッサツ", ("冊", 10): "ジュッサツ",
        ("点", 1): "イッテン", ("点", 8): "ハッテン", ("点", 10): "ジュッテン",
        ("階", 1): "イッカイ", ("階", 3): "サンガイ", ("階", 6): "ロッカイ", ("階", 8): "ハッカイ", ("階", 10): "ジュッカイ",
        ("泊", 1): "イッパク", ("泊", 3): "サンパク", ("泊", 6): "ロッパク", ("泊", 8): "ハッパク", ("泊", 10): "ジュッパク",
        ("足", 1): "イッソク", ("足", 3): "サンゾク", ("足", 8): "ハッソク", ("足", 10): "ジュッソク",
        ("軒", 1): "イッケン", ("軒", 3): "サンゲン", ("軒", 6): "ロッケン", ("軒", 8): "ハッケン", ("軒", 10): "ジュッケン",
        ("発", 1): "イッパツ", ("発", 3): "サンパツ", ("発", 6): "ロッパツ", ("発", 8): "ハッパツ", ("発", 10): "ジュッパツ",
        ("頭", 1): "イットー", ("頭", 8): "ハットー", ("頭", 10): "ジュットー",
        ("社", 1): "イッシャ", ("社", 8): "ハッシャ", ("社", 10): "ジュッシャ",
        ("隻", 1): "イッセキ", ("隻", 8): "ハッセキ", ("隻", 10): "ジュッセキ",
        ("通", 1): "イッツー", ("通", 8): "ハッツー", ("通", 10): "ジュッツー",
        ("着", 1): "イッチャク", ("着", 8): "ハッチャク", ("着", 10): "ジュッチャク",
    }
)  # fmt: skip
#: counters whose table says how a number ending in a digit is said with them, past ten too (21分 ニジューイップン,
#: 20本 ニジュッポン, 14時 ジューヨジ), and how they are said after any other number, which the dictionary does
#: not always know (it reads 2本 ニポン, 5杯 ゴバイ, 4通 ヨントオリ); not 日 (13日 ジューサンニチ), 人 (11人
#: ジューイチニン) or つ, whose table is for one to ten
_BY_LAST_DIGIT = {
    "分": "フン", "本": "ホン", "杯": "ハイ", "匹": "ヒキ", "回": "カイ", "件": "ケン", "個": "コ", "冊": "サツ",
    "点": "テン", "時": "ジ", "時間": "ジカン", "年": "ネン", "歳": "サイ", "階": "カイ", "泊": "ハク", "足": "ソク",
    "軒": "ケン", "発": "ハツ", "頭": "トー", "社": "シャ", "隻": "セキ", "通": "ツー", "着": "チャク",
}  # fmt: skip
#: counters whose first sound a round hundred doubles as 1, 6, 8 and 10 do (100本 ヒャッポン, 300回 サンビャッカイ);
#: the rest keep it (100点 ヒャクテン, 100歳 ヒャクサイ); 100冊, 100足, 100頭 and 100社, heard both ways, are read
#: plain (ヒャクサツ)
_DOUBLED_AFTER_HUNDRED = {"本", "杯", "匹", "分", "回", "件", "個", "発", "階", "泊", "軒"}
#: counters a round thousand or ten thousand (セン, ゼン, マン) changes as 三 does (1000本 センボン, 3000本
#: サンゼンボン, 1万発 イチマンパツ), all but 階, which only 三 and 何 change (3階 サンガイ, 1000階 センカイ)
_ONLY_AFTER_THREE = {"階"}
#: the first of a month after 月 (12月1日, ツイタチ); elsewhere 1日 is one day (イチニチ)
_FIRST_OF_MONTH = "ツイタチ"
_ONE_DAY = "イチニチ"
#: Sudachi refuses input over about 49,000 bytes: a script is looked at this many characters at a time, cut
#: after a sentence's end where there is one
_CHUNK = 4000
_SENTENCE_END = re.compile(r"[。！？!?\n]")


#: bumped when these rules change what a text is read as (2: numbers read here, pasted forms, 1日 after any month;
#: 3: counters after round hundreds and thousands, 何, and more counters; 4: 何人 ナンニン, 何時 ナンジ, 何を ナニヲ)
RULES = 4


def reader_identity() -> str:
    """What the readings depend on, for the speech cache's key: the analyser, its dictionary and these rules."""
    return (
        f"sudachipy {metadata.version('sudachipy')}, sudachidict-small {metadata.version('sudachidict-small')}, {RULES}"
    )


class _Word(NamedTuple):
    """A word of the text: as written, as said (None: left for espeak-ng as written, NFKC), its part of speech
    (the dictionary's first two levels), where it is, and the number it is (2026, 三十一: 31), if it is one."""

    surface: str
    said: str | None
    part: tuple[str, str]
    start: int
    end: int
    number: int | None = None


#: the readings made in this context (one sentence's synthesis), by text; None: none kept
_kept: ContextVar[dict[str, Reading] | None] = ContextVar("japanese_readings_kept", default=None)


@contextmanager
def readings_kept() -> Iterator[None]:
    """Within the block, ``reading`` looks each text up once: a sentence the worker reads to refuse the words it has
    no reading for and again to speak it is cut into words once."""
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def reading(text: str) -> Reading:
    """``text`` as the Japanese voice should be given it."""
    kept = _kept.get()
    if kept is None:
        return _read(text)
    if text not in kept:
        kept[text] = _read(text)
    return kept[text]


def _read(text: str) -> Reading:
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
        elif surface == "何" and i + 1 < len(words) and _nani_before(words[i + 1]):
            kana = "ナニ"
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
    unknown = dict.fromkeys(
        word.surface[:NAMED_LENGTH]
        for word in words
        if word.said is None and KANJI.search(unicodedata.normalize("NFKC", word.surface))
    )
    return Reading(text, "".join(spoken), tuple(pieces), tuple((start, end) for start, end in phrases), tuple(unknown))


def _nani_before(word: _Word) -> bool:
    """Whether 何 is ナニ before ``word``: a particle of ``_NANI_BEFORE``, or a verb (何着ていく, with its を left out)."""
    return word.surface in _NANI_BEFORE or word.part[0] == "動詞"


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
    order, each once, at most ``NAMED_LENGTH`` characters of each: ``reading(text).unknown``, looking only at the
    words the dictionary does not know (about a third of ``reading``'s cost)."""
    found: dict[str, None] = {}
    for _, chunk in _chunks(text.translate(_AS_KANJI)):
        for surface, kana, normal, part, known in _unknown_words(chunk):
            if part == ("名詞", "数詞") and _value(surface, normal) is not None:
                continue  # a number, read by number_kana
            if KANJI.search(unicodedata.normalize("NFKC", surface)) and _said(surface, kana, part, known) is None:
                found[surface[:NAMED_LENGTH]] = None
    return list(found)


def needs_look_up(text: str) -> bool:
    """Whether ``text`` has kanji (in any of their forms: ⼀, ㈱) for the dictionary to read."""
    return bool(KANJI.search(unicodedata.normalize("NFKC", text)))


#: characters ``unreadable`` may still look up in this context (a request), and how many texts were kept from it;
#: None: no bound
_look_ups: ContextVar[list[int] | None] = ContextVar("japanese_look_ups", default=None)


@contextmanager
def look_up_budget(characters: int) -> Iterator[None]:
    """Within the block, at most ``characters`` characters are looked up by ``within_look_up_budget``'s callers
    (a batch of many long scripts would otherwise hold its request for tens of seconds); a text past it is not
    looked up there, and the worker, which refuses to speak kanji it has no reading for, fails its job with
    ``script_unreadable`` instead."""
    token = _look_ups.set([characters, 0])
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
        left[0] = 0  # past the bound, nothing more is looked up in this context, however short
        left[1] += 1
        return False
    left[0] -= characters
    return True


def look_ups_skipped() -> int:
    """How many texts this context's bound has kept from being looked up so far (0 outside one): a check that
    skipped one proves nothing of the words it did not look at."""
    left = _look_ups.get()
    return 0 if left is None else left[1]


def _analysed(text: str) -> list[_Word]:
    # Kangxi radicals and compatibility ideographs (⼀⼈, ⽇本 pasted from a PDF) as the kanji they stand for:
    # one character each way, so the places stay the text's
    looked_up = text.translate(_AS_KANJI)
    words = []
    for offset, chunk in _chunks(looked_up):
        for surface, kana, normal, part, known, start, end in _tokenize(chunk):
            if end <= start:
                continue  # Sudachi gives some characters (U+FE0F after ‼, the inside of ㈰) an empty word
            number = _value(surface, normal)
            if number is not None and part == ("名詞", "数詞"):
                said: str | None = number_kana(number)  # 1億2000万, 二〇二六: Sudachi spells them digit by digit
            else:
                said = _said(surface, kana, part, known)
            words.append(_Word(surface, said, part, offset + start, offset + end, number))
    return words


def _value(surface: str, normalized: str) -> int | None:
    """The number a word is: its digits (2026, full width too), or a kanji numeral's (三十一: Sudachi's 31); None
    for one written with a leading zero (007, 〇〇: a code or a placeholder, not a number said as one) or past
    the trillions."""
    for digits in (unicodedata.normalize("NFKC", surface), normalized):
        if digits.isascii() and digits.isdigit() and len(digits) <= 16:
            return int(digits) if digits == str(int(digits)) else None
    return None


_DIGITS = ("", "イチ", "ニ", "サン", "ヨン", "ゴ", "ロク", "ナナ", "ハチ", "キュー")
_HUNDREDS = (
    "",
    "ヒャク",
    "ニヒャク",
    "サンビャク",
    "ヨンヒャク",
    "ゴヒャク",
    "ロッピャク",
    "ナナヒャク",
    "ハッピャク",
    "キューヒャク",
)
_THOUSANDS = ("", "セン", "ニセン", "サンゼン", "ヨンセン", "ゴセン", "ロクセン", "ナナセン", "ハッセン", "キューセン")
#: the groups of four digits, from the largest, and how a group's last sound joins them (一兆 イッチョー)
_GROUPS = ((10**12, "チョー"), (10**8, "オク"), (10**4, "マン"), (1, ""))
_BEFORE_CHO = {"イチ": "イッ", "ハチ": "ハッ", "ジュー": "ジュッ"}


def number_kana(value: int) -> str:
    """``value`` (0 to 10¹⁶ − 1) said in Japanese, in katakana, with its sound changes: 300 サンビャク, 800
    ハッピャク, 3000 サンゼン, 1000万 イッセンマン, 1兆 イッチョー. espeak-ng misreads large numbers (10000000 as
    ジューヒャクマン), and Sudachi spells kanji numerals and 1億2000万 digit by digit."""
    if value == 0:
        return "ゼロ"
    said = []
    for size, unit in _GROUPS:
        group, value = divmod(value, size)
        if not group:
            continue
        kana = _group_kana(group, before_unit=bool(unit))
        if unit == "チョー":
            kana = next((kana[: -len(k)] + v for k, v in _BEFORE_CHO.items() if kana.endswith(k)), kana)
        said.append(kana + unit)
    return "".join(said)


def _group_kana(group: int, before_unit: bool) -> str:
    """1 to 9999; a lone thousand before 万, 億 or 兆 is イッセン."""
    thousands, rest = divmod(group, 1000)
    hundreds, rest = divmod(rest, 100)
    tens, units = divmod(rest, 10)
    said = "イッセン" if thousands == 1 and before_unit and not (hundreds or tens or units) else _THOUSANDS[thousands]
    said += _HUNDREDS[hundreds] + ("" if not tens else ("" if tens == 1 else _DIGITS[tens]) + "ジュー")
    return said + _DIGITS[units]


def _said(surface: str, kana: str, part: tuple[str, str], known: bool) -> str | None:
    japanese = _JAPANESE.search(surface) or _JAPANESE.search(unicodedata.normalize("NFKC", surface))
    if not japanese:
        return None  # numbers in digits, Latin letters, symbols, spaces: espeak-ng reads these itself
    if not known:  # (a number Sudachi made up a word for, 三十一, is read by number_kana before this)
        return surface if not KANJI.search(surface) else None  # kana it reads; kanji nobody here can
    if surface in _NEWS_READINGS:
        return _NEWS_READINGS[surface]
    if not _KATAKANA_ONLY.fullmatch(kana):
        return None
    normalized = unicodedata.normalize("NFKC", surface)
    if kana == "キゴウ" and KANJI.search(normalized):  # ㈰ ㈲ ㊤: Sudachi says "symbol"; read the kanji inside
        inside = normalized.strip("()")
        if not inside or inside == surface or len(inside) > 4:
            return None
        inner = reading(inside).spoken
        return None if KANJI.search(inner) else inner
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
    """A number (or 何) and the counter after it said together, when the counter changes how the number sounds or
    the dictionary might misread the counter: (kana, the counter's end)."""
    value = words[i].number
    if i + 1 >= len(words) or words[i + 1].start != words[i].end:
        return None
    counter = words[i + 1]
    of = words[i + 2 : i + 4]
    if counter.surface == "分" and len(of) == 2 and of[0].surface == "の" and of[1].number is not None:
        return None  # 3分の1: a fraction, which the dictionary reads ブン (サンブンノイチ), not minutes
    if (words[i].surface, words[i].said) == ("何", "ナン"):  # 何本 ナンボン, 何階 ナンガイ (not 何が ナニガ)
        # a counter, not a verb written with the same kanji (何着ていく: what to wear, ナニ キテ)
        is_counter = counter.surface in _BY_LAST_DIGIT and counter.part[0] in ("名詞", "接尾辞")
        kana = "ナン" + _after_n(counter.surface) if is_counter else None
    elif value is None:
        return None
    elif (counter.surface, value) == ("日", 1):
        before = next((word.surface for word in reversed(words[max(0, i - 3) : i]) if not word.surface.isspace()), "")
        after_month = before.endswith("月")  # 12月1日, 今月 1日, 来月1日
        kana = _FIRST_OF_MONTH if after_month else _ONE_DAY
    else:
        kana = _COUNTED.get((counter.surface, value))
        if kana is None and counter.surface in _BY_LAST_DIGIT:
            kana = _said_with(value, counter.surface)
    return (kana, counter.end) if kana is not None else None


def _said_with(value: int, counter: str) -> str:
    """``value`` said with ``counter`` (one of ``_BY_LAST_DIGIT``), its last sound changed as the table has it for
    its last digit (21分 ニジューイップン, 20本 ニジュッポン), a round hundred's (100本 ヒャッポン, 1100本
    センヒャッポン) or a round thousand's (3000本 サンゼンボン, 1万本 イチマンボン)."""
    said = number_kana(value)
    unit = value % 10
    if value > 10 and unit and (counter, unit) in _COUNTED:  # 21分: ニジュー + イップン
        return number_kana(value - unit) + _COUNTED[(counter, unit)]
    if value > 10 and not unit and value % 100 and (counter, 10) in _COUNTED:  # 20本: ニ + ジュッポン
        return said.removesuffix("ジュー") + _COUNTED[(counter, 10)]
    if said.endswith(("ヒャク", "ビャク", "ピャク")) and counter in _DOUBLED_AFTER_HUNDRED:
        return said[:-1] + _COUNTED[(counter, 1)].removeprefix("イ")  # 300本: サンビャ + ッポン
    if said.endswith(("セン", "ゼン", "マン")) and counter not in _ONLY_AFTER_THREE:
        return said + _after_n(counter)  # 3000本: サンゼン + ボン
    return said + _BY_LAST_DIGIT[counter]


def _after_n(counter: str) -> str:
    """How ``counter`` (one of ``_BY_LAST_DIGIT``) is said after 三 (サン), without it: ボン, ガイ, カイ."""
    return _COUNTED.get((counter, 3), "サン" + _BY_LAST_DIGIT[counter]).removeprefix("サン")


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


def _unknown_words(text: str) -> list[tuple[str, str, str, tuple[str, str], bool]]:
    """The words of ``text`` Sudachi's dictionary does not know, or gives no reading in kana: (surface, reading,
    normalized form, part of speech)."""
    from sudachipy import SplitMode

    with _lock:
        return [
            (m.surface(), m.reading_form(), m.normalized_form(), tuple(m.part_of_speech()[:2]), not m.is_oov())
            for m in _tokenizer().tokenize(text, SplitMode.C)
            # unknown, or read as no word: as itself, or キゴウ ("symbol": 〇 alone, ㈰)
            if m.is_oov() or m.reading_form() == "キゴウ" or not _KATAKANA_ONLY.fullmatch(m.reading_form())
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
