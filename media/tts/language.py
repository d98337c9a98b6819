"""Which language a script is written in, for jobs that do not say.

Two steps, each where it is strong:

1. The Unicode script decides what a statistical detector cannot: Han
   characters are Chinese — Mandarin (``cmn``), or Cantonese (``yue``) when
   characters only written Cantonese appear (嘅, 咗, 喺, 冇…); kana make it
   Japanese, Hangul Korean. Han without kana is Japanese too when it holds
   two or more kanji only Japan writes (経, 続, 広, 対: in JIS X 0208 and in
   none of GB2312, Big5 as Taiwan writes it (cp950) and Hong Kong's HKSCS),
   as a headline of kanji alone does ("日経平均株価 大幅続伸"), which the
   Mandarin voice read out before. (Detectors say "zh" for both Chinese languages,
   and a voice must know which one to speak.)
2. Everything else goes to py3langid (BSD-3-Clause; a naive Bayes model of
   97 languages, 4.5 MB, shipped in its wheel, loads in ~1 s, classifies in
   well under a millisecond). It was chosen over lingua (more accurate on
   very short text, but 96 MB, and 1.2 GB / 30 s to load in its accurate
   mode) and over fastText-based detectors (whose packages fetch the model
   from a hub). Its probabilities are calibrated over text length; below
   ``MIN_CONFIDENCE`` we do not guess, and the job keeps today's default
   voice rather than getting a wrong one.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Any

#: Below this probability py3langid's answer is not used.
MIN_CONFIDENCE = 0.5
#: Only the first part of a long script is looked at.
SAMPLE_CHARS = 2000
#: Han without kana is Japanese with this many distinct kanji only Japan writes: a Chinese article quoting one
#: Japanese name (日経) stays Chinese
JAPANESE_KANJI_LEAST = 2
#: Characters written in Cantonese and not in Mandarin.
CANTONESE_MARKERS = set("嘅咗喺冇佢哋啲嚟嘢乜咁噉啱睇搵攞俾畀咩嗰呢啩囉喎")
#: names CLDR (Babel's data) gives no English name for, or one a newsroom would not say
_NAMES_BESIDE_CLDR = {
    "cmn": "Mandarin Chinese",
    "yue": "Cantonese",
    "no": "Norwegian",
    "nb": "Norwegian",
    "hyw": "Western Armenian",
    "nci": "Classical Nahuatl",
    "piqd": "Klingon",
    "py": "Pyash",
    "qdb": "Lang Belta",
    "qya": "Quenya",
    "sjn": "Sindarin",
}


@dataclass(frozen=True)
class DetectedLanguage:
    #: a lowercase tag (``en``, ``de``, ``cmn``, ``yue``)
    language: str
    confidence: float
    #: "script" (decided by the Unicode script) or "py3langid"
    method: str

    @property
    def name(self) -> str:
        return language_name(self.language)


@functools.lru_cache(maxsize=1024)
def language_name(tag: str, region: bool = False) -> str:
    """A reader's name for a BCP 47 tag, from CLDR (through Babel): ``de`` → German, ``sw`` → Swahili; with
    ``region``, its place too: ``en-gb`` → English (United Kingdom), ``es-419`` → Spanish (Latin America). A tag
    CLDR does not know, as it is."""
    from babel import Locale

    parts = tag.lower().replace("_", "-").split("-")
    english = Locale("en")
    name = _NAMES_BESIDE_CLDR.get(parts[0]) or english.languages.get(parts[0])
    if name is None:
        return tag
    place = None
    if region:
        code = next((p.upper() for p in parts[1:] if len(p) == 2 or (len(p) == 3 and p.isdigit())), None)
        place = english.territories.get(code) if code else None
    return f"{name} ({place})" if place else str(name)


def detect_language(text: str) -> DetectedLanguage | None:
    """The script's language, or None when it cannot be told with confidence."""
    sample = unicodedata.normalize("NFC", text[:SAMPLE_CHARS])
    letters = [c for c in sample if c.isalpha()]
    if not letters:
        return None
    by_script = _by_unicode_script(sample, letters)
    if by_script is not None:
        return by_script
    language, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE:
        return None
    # py3langid speaks ISO 639-1 ("de"); Chinese in Latin script is too rare to guess which one
    return DetectedLanguage(language.lower(), round(float(confidence), 3), "py3langid")


def _by_unicode_script(sample: str, letters: list[str]) -> DetectedLanguage | None:
    han = kana = hangul = 0
    for char in letters:
        name = unicodedata.name(char, "")
        if name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")):
            han += 1
        elif name.startswith(("HIRAGANA", "KATAKANA")):
            kana += 1
        elif name.startswith("HANGUL"):
            hangul += 1
    cjk = han + kana + hangul
    if cjk < 0.5 * len(letters):
        return None
    share = round(cjk / len(letters), 3)
    if kana:
        return DetectedLanguage("ja", share, "script")
    if hangul > han:
        return DetectedLanguage("ko", share, "script")
    if any(char in CANTONESE_MARKERS for char in sample):
        return DetectedLanguage("yue", share, "script")
    japanese = {char for char in letters if _written_only_in_japan(char)}
    if len(japanese) >= JAPANESE_KANJI_LEAST:
        return DetectedLanguage("ja", share, "script")
    return DetectedLanguage("cmn", share, "script")


@functools.lru_cache(maxsize=4096)
def _written_only_in_japan(char: str) -> bool:
    """A kanji in Japan's character set (JIS X 0208, as Shift JIS holds it) and in none of the Chinese ones
    (GB2312; Big5 as cp950 and HKSCS hold it: Python's plain Big5 lacks 裏 綫 衞 啓 峯, standard in Hong Kong and
    Taiwan): a form only Japanese writes (経 where Chinese writes 经 or 經)."""
    if not unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH"):
        return False

    def has(codec: str) -> bool:
        try:
            char.encode(codec)
        except UnicodeEncodeError:
            return False
        return True

    return has("shift_jis") and not any(has(codec) for codec in ("gb2312", "cp950", "big5hkscs"))


def preload_language_detector() -> None:
    """Load py3langid's model now (about 0.5–1 s), so that the first script a
    server process is sent does not wait for it."""
    _identifier()


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
