"""Cut a script into sentences, and sentences into segments.

Segments are the unit the farm renders, stores and resumes from, so the cut
must be the same on every retry: everything here is a pure function of the
text and the language, with no model and no randomness.

A sentence ends at ``.``, ``!``, ``?`` or ``…`` (and Arabic's ``؟``, Urdu's
``۔``, the danda ``।`` and ``॥`` of Devanagari, Bengali and the other Indic
scripts, Myanmar's ``။``, Ethiopic's ``።`` and ``፧``, Armenian's ``։``), with any closing quotes or
brackets after it, followed by a space and something that does not start with
a lowercase letter; at Chinese/Japanese ``。！？`` with no space needed; and at
every paragraph break. A sentence too long to speak in one go (over
``MAX_SEGMENT_S`` of estimated speech) is cut again at semicolons, then
commas, then spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from media.writing import starts_lowercase

#: Longest stretch of speech one segment may hold, in seconds.
MAX_SEGMENT_S = 25.0

#: Speaking rates used to estimate duration from text alone (deterministic,
#: no synthesis needed). Piper's "joe" reads about 16 characters a second;
#: Mandarin is read at about 5 characters a second.
ALPHABETIC_CHARS_PER_S = 16.0
IDEOGRAPHIC_CHARS_PER_S = 5.0

# Words that end with a period without ending the sentence. Lowercase, no dot.
_ABBREVIATIONS = {
    "en": {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sr",
        "jr",
        "st",
        "mt",
        "ft",
        "vs",
        "etc",
        "gen",
        "col",
        "capt",
        "sgt",
        "lt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "rev",
        "hon",
        "pres",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "univ",
        "assn",
        "bros",
        "approx",
        "est",
        "fig",
        "figs",
        "vol",
        "vols",
        "ch",
        "sec",
        "p",
        "pp",
        "ed",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "ave",
        "blvd",
        "rd",
        "hwy",
        "min",
        "max",
        "cf",
        "al",
    },
    "de": {
        "z",
        "b",
        "bzw",
        "usw",
        "ca",
        "nr",
        "str",
        "dr",
        "prof",
        "hr",
        "fr",
        "vgl",
        "bzgl",
        "evtl",
        "inkl",
        "ggf",
        "d",
        "h",
    },
    "fr": {"m", "mme", "mlle", "dr", "pr", "st", "ste", "etc", "cf", "env", "av", "bd"},
    "es": {"sr", "sra", "srta", "dr", "dra", "ud", "uds", "etc", "av", "pág", "núm"},
}

# Abbreviations that only hold before a number ("No. 5", "Art. 3").
_BEFORE_NUMBER = {"no", "nos", "nr", "art", "vol", "p", "pp", "fig", "ch", "sec", "op"}

# After a dotted acronym ("U.S.") or "etc." the period usually does not end the
# sentence ("the U.S. Army"), unless a word that typically starts a sentence follows.
_SENTENCE_STARTERS = {
    "the",
    "a",
    "an",
    "it",
    "its",
    "he",
    "she",
    "we",
    "they",
    "i",
    "you",
    "this",
    "that",
    "these",
    "those",
    "there",
    "then",
    "but",
    "and",
    "so",
    "yet",
    "or",
    "in",
    "on",
    "at",
    "for",
    "if",
    "when",
    "while",
    "after",
    "before",
    "since",
    "as",
    "our",
    "my",
    "his",
    "her",
    "their",
    "what",
    "why",
    "how",
    "who",
    "where",
    "today",
    "now",
    "however",
}

_WESTERN_END = re.compile(
    r"(?P<punct>(?:\.{2,}|…|[.!?؟۔।॥။።፧։])+)(?P<close>[\"'”’»)\]]*)(?P<space>\s+)(?=(?P<next>\S))"
)
_CJK_END = re.compile(r"[。！？!?]+[”’」』）)》]*")
#: Myanmar's and Ethiopic's sentence marks end a sentence with or without a space after them
_MARK_END = re.compile(r"[။።፧]+")
#: Armenian's full stop (։) is often typed as an ASCII colon: after an Armenian word and before a capital
#: Armenian letter it ends a sentence (a colon before a lowercase word or a number does not)
_ARMENIAN_COLON_END = re.compile(r"(?<=[\u0561-\u0587]):(?=\s+[\u0531-\u0556])")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_WORD_BEFORE = re.compile(r"([\w.'’-]+)$")
_DOTTED_ACRONYM = re.compile(r"^(?:\w\.){1,}\w?\.?$")
_IDEOGRAPH = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")

# Where a too-long sentence may be cut, best first.
_SOFT_BREAKS = (
    re.compile(r"[;；:：—–፤፥፦]\s*"),
    re.compile(r"[,，、،၊፣]\s*"),
    re.compile(r"\s+"),
)


def split_sentences(text: str, language: str | None = "en") -> list[str]:
    """Sentences of ``text`` in reading order, each short enough for one segment.

    Whitespace inside a sentence is collapsed to single spaces; empty input
    gives an empty list.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    abbreviations = _ABBREVIATIONS.get(_primary(language), set()) | _ABBREVIATIONS["en"]
    sentences: list[str] = []
    for paragraph in _paragraphs(text):
        for sentence in _split_paragraph(paragraph, abbreviations):
            sentences.extend(_split_long(sentence, MAX_SEGMENT_S))
    return sentences


def estimate_speech_s(text: str) -> float:
    """Rough speaking time of ``text``; used only to size segments, never for timing."""
    ideographs = len(_IDEOGRAPH.findall(text))
    others = len(text) - ideographs
    return ideographs / IDEOGRAPHIC_CHARS_PER_S + others / ALPHABETIC_CHARS_PER_S


#: The first segment is kept short: nothing is rendered until its speech is
#: made, and a shorter first segment is spoken sooner.
FIRST_SEGMENT_S = 4.0


def group_segments(
    sentences: list[str], target_s: float = 12.0, max_s: float = MAX_SEGMENT_S, first_s: float = FIRST_SEGMENT_S
) -> list[list[str]]:
    """Pack consecutive sentences into segments of about ``target_s`` seconds,
    the first one of about ``first_s``.

    A segment is closed once adding the next sentence would pass its target
    (or ``max_s``); a sentence longer than that stands alone. Estimated from
    text, so the grouping is the same on every retry.
    """
    segments: list[list[str]] = []
    current: list[str] = []
    current_s = 0.0
    for sentence in sentences:
        length = estimate_speech_s(sentence)
        limit = min(first_s if not segments else target_s, max_s)
        if current and current_s + length > limit:
            segments.append(current)
            current, current_s = [], 0.0
        current.append(sentence)
        current_s += length
    if current:
        segments.append(current)
    return segments


def _primary(language: str | None) -> str:
    return (language or "en").replace("_", "-").split("-")[0].lower()


def _paragraphs(text: str) -> list[str]:
    """Blank lines always break. A single newline breaks too (titles, lists,
    one sentence per line) unless the next line starts lowercase, which means
    the text was hard-wrapped mid-sentence."""
    paragraphs = []
    for block in _PARAGRAPH.split(text):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        current = ""
        for line in lines:
            if current and not starts_lowercase(line):
                paragraphs.append(current)
                current = line
            else:
                current = f"{current} {line}" if current else line
        if current:
            paragraphs.append(current)
    return [" ".join(p.split()) for p in paragraphs]


def _split_paragraph(paragraph: str, abbreviations: set[str]) -> list[str]:
    cuts = sorted(
        set(_western_cuts(paragraph, abbreviations))
        | set(_cjk_cuts(paragraph))
        | {m.end() for m in _MARK_END.finditer(paragraph)}
        | {m.end() for m in _ARMENIAN_COLON_END.finditer(paragraph)}
    )
    pieces, start = [], 0
    for cut in cuts + [len(paragraph)]:
        piece = paragraph[start:cut].strip()
        if piece:
            pieces.append(piece)
        start = cut
    return pieces


def _western_cuts(paragraph: str, abbreviations: set[str]) -> Iterator[int]:
    for match in _WESTERN_END.finditer(paragraph):
        following = match.group("next")
        if starts_lowercase(following):
            continue  # "Wait... what?", "e.g. this", '"Stop!" she said'
        punct = match.group("punct")
        if punct == "." and not match.group("close"):
            word_match = _WORD_BEFORE.search(paragraph, 0, match.start())
            word = (word_match.group(1) if word_match else "") + "."
            if not _period_ends_sentence(word, paragraph[match.end() :], abbreviations):
                continue
        yield match.end("close")


def _period_ends_sentence(word: str, rest: str, abbreviations: set[str]) -> bool:
    bare = word.rstrip(".").lower()
    next_match = re.match(r"[\w’']+", rest)
    next_word = next_match.group(0).lower() if next_match else ""
    if bare in _BEFORE_NUMBER and rest[:1].isdigit():
        return False
    initial = len(bare) == 1 and bare.isalpha()  # "J. Smith", "Plan B."
    acronym = _DOTTED_ACRONYM.match(word) is not None and "." in word.rstrip(".")  # "U.S."
    if bare == "etc" or initial or acronym:
        # Ambiguous: these end sentences too. Only a typical first word says so.
        return next_word in _SENTENCE_STARTERS
    return bare not in abbreviations


def _cjk_cuts(paragraph: str) -> Iterator[int]:
    for match in _CJK_END.finditer(paragraph):
        text = match.group(0)
        if text[0] in "!?" and not _IDEOGRAPH.search(paragraph[max(0, match.start() - 1) : match.start()]):
            continue  # ASCII !/? after Latin text are the western rule's business
        yield match.end()


def _split_long(sentence: str, max_s: float) -> list[str]:
    if estimate_speech_s(sentence) <= max_s:
        return [sentence]
    for pattern in _SOFT_BREAKS:
        cut = _middle_cut(sentence, pattern)
        if cut is not None:
            break
    else:
        cut = _hard_cut(sentence)
    head, tail = sentence[:cut].strip(), sentence[cut:].strip()
    return _split_long(head, max_s) + _split_long(tail, max_s)


def _middle_cut(sentence: str, pattern: re.Pattern[str]) -> int | None:
    """The break nearest the middle (by speaking time), so halves are balanced."""
    total = estimate_speech_s(sentence)
    best, best_distance = None, None
    for match in pattern.finditer(sentence):
        cut = match.end()
        if cut <= 0 or cut >= len(sentence) or not sentence[: match.start()].strip():
            continue
        distance = abs(estimate_speech_s(sentence[:cut]) - total / 2)
        if best_distance is None or distance < best_distance:
            best, best_distance = cut, distance
    return best


def _hard_cut(sentence: str) -> int:
    """No punctuation or spaces at all (e.g. unpunctuated Chinese): cut at the middle."""
    total = estimate_speech_s(sentence)
    for index in range(1, len(sentence)):
        if estimate_speech_s(sentence[:index]) >= total / 2:
            return index
    return len(sentence) // 2
