"""Subtitles from the sentence timings the pipeline already has, or, for
narration, from its aligned or recognised words.

A sentence is one cue, unless it would not fit on screen (two lines of about
42 characters, the usual broadcast limit; 16 of Chinese or Japanese, whose
characters are full width) or stay up longer than ``MAX_SCREEN_CUE_S``: then
it is cut between words (in Chinese and Japanese, the words ICU's dictionary
finds) into near-equal cues, each given a share of the sentence's time in
proportion to its length. A cue of one short word up for a moment joins the
cue it meets.

Narration has no sentences but timed words (``word_cues``): they are
grouped into cues that end at sentence punctuation, at a pause, or before
the cue would outgrow the screen or ``MAX_CUE_S``; each cue shows from its
first word's start to its last word's end.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

from icu4py.breakers import WordBreaker

from media.phonemes import Word
from media.writing import starts_lowercase

ScreenCue = tuple[float, float, list[str]]

LINE_CHARS = 42
MAX_LINES = 2
#: a line of Chinese or Japanese holds this many of its full-width characters, as subtitle guides have it (a
#: 39-character line ran whole until 2026-12-07: only text past 42 characters was cut)
CJK_LINE_CHARS = 16
#: no cue stays on screen longer than this: a longer one is cut between words, its time shared by length, into
#: parts of at least this many columns
MAX_SCREEN_CUE_S, MIN_PART_COLUMNS = 7.0, 12
#: a cue of one word no wider than this many columns, up less than this long, joins the cue it meets in time
ORPHAN_COLUMNS, ORPHAN_CUE_S = 8, 0.7
#: cues this close count as meeting in time
CUE_GAP_S = 0.05
#: A pause between words at least this long starts a new cue.
CUE_BREAK_PAUSE_S = 0.5
#: No cue of words stays up longer than this.
MAX_CUE_S = 6.0
#: what ends a sentence, in the scripts the farm speaks (Arabic's question mark and Urdu's full stop, the Indic
#: scripts' danda, Myanmar's and Ethiopic's full stops, Ethiopic's question mark, Armenian's full stop), and what
#: ends a clause besides (Myanmar's and Ethiopic's commas, Ethiopic's semicolon and colons)
SENTENCE_END = (".", "!", "?", "…", "。", "！", "？", "؟", "۔", "।", "॥", "။", "።", "፧", "։")
CLAUSE_END = (",", "，", "、", ";", "；", ":", "：", "،", "؛", "၊", "፣", "፤", "፥", "፦")
#: closing quotes and brackets, which may follow a sentence's end: «Hola.» “Yes.”
_CLOSING = "\"')]}»”’›」』）】〉》"


def ends_sentence(word: str, or_clause: bool = False) -> bool:
    """Whether ``word`` (as written) ends a sentence, or with ``or_clause`` a clause, past any closing quotes."""
    bare = word.rstrip(_CLOSING)
    return bare.endswith(SENTENCE_END + CLAUSE_END if or_clause else SENTENCE_END)


def word_cues(words: Iterable[Word | tuple[str, float, float]]) -> list[tuple[float, float, str]]:
    """``(start_s, end_s, text)`` cues from timed words (``media.phonemes.Word``
    or plain ``(text, start_s, end_s)`` tuples), for ``write_captions``."""
    cues: list[tuple[float, float, str]] = []
    current: list[tuple[str, float, float]] = []
    # recognised words come lowercase and unpunctuated: a cue after a pause starts as a sentence would
    sentence_start = True

    def close() -> None:
        if current:
            text = _joined(w[0] for w in current)
            if sentence_start and text == text.lower() and starts_lowercase(text):  # not Georgian's capitals
                text = text[:1].upper() + text[1:]
            cues.append((current[0][1], current[-1][2], text))
            current.clear()

    timed = [(w.text, w.start_s, w.end_s) if isinstance(w, Word) else w for w in words]
    timed = [(text.strip(), start_s, end_s) for text, start_s, end_s in timed if text.strip()]
    for n, (text, start_s, end_s) in enumerate(timed):
        if current:
            paused = start_s - current[-1][2] >= CUE_BREAK_PAUSE_S
            if (
                paused
                or end_s - current[0][1] > MAX_CUE_S
                or len(_wrap(_joined([w[0] for w in current] + [text]))) > MAX_LINES
            ):
                close()
                sentence_start = paused
        current.append((text, start_s, end_s))
        following = timed[n + 1][0] if n + 1 < len(timed) else ""
        if ends_sentence(text) and not starts_lowercase(following):  # '"Stop!" she said.' is one sentence
            close()
            sentence_start = True
    close()
    return cues


def _joined(texts: Iterable[str]) -> str:
    """Words as a line: spaces between them, but none between Chinese or Japanese characters."""
    out = ""
    for text in texts:
        if out and not (_is_cjk(out[-1]) and _is_cjk(text[0])):
            out += " "
        out += text
    return out


#: kana: a run of Chinese or Japanese characters with any is Japanese, for the dictionary that finds its words
_KANA = re.compile(r"[\u3040-\u30ff]")
_NUMBER = re.compile(r"[\d.,]+")


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\uff00" <= char <= "\uffef"


def write_captions(
    cues: Iterable[tuple[float, float, str]], vtt_path: Path | str | None = None, srt_path: Path | str | None = None
) -> list[tuple[float, float, list[str]]]:
    """Write WebVTT and/or SRT for ``(start_s, end_s, text)`` cues; returns the
    screen cues written (start, end, lines)."""
    screen = _without_orphans([piece for cue in cues for piece in _screen_cues(*cue)])
    if vtt_path is not None:
        Path(vtt_path).write_text(_webvtt(screen), encoding="utf-8")
    if srt_path is not None:
        Path(srt_path).write_text(_srt(screen), encoding="utf-8")
    return screen


def _screen_cues(start_s: float, end_s: float, text: str) -> list[ScreenCue]:
    """A cue as it goes on screen: as few cues of at most ``MAX_LINES`` lines and ``MAX_SCREEN_CUE_S`` as hold it,
    cut between words into near-equal parts (not two full lines and a word left over), each shown for a share of
    the cue's time in proportion to its length."""
    units = _units(text)
    if not units:
        return []
    # a long cue of a few words (a sentence said slowly, a pause in it) is not cut into single words
    timed = min(math.ceil((end_s - start_s) / MAX_SCREEN_CUE_S - 1e-9), int(_columns(text) // MIN_PART_COLUMNS))
    count = max(-(-len(_lines(units)) // MAX_LINES), timed, 1)
    while True:
        parts = _even_parts(units, min(count, len(units)))
        if all(len(_lines(part)) <= MAX_LINES for part in parts) or count >= len(units):
            break
        count += 1
    weights = [sum(_columns(unit) for unit, _ in part) for part in parts]
    total = sum(weights) or 1
    cues, at = [], start_s
    for part, weight in zip(parts, weights):
        until = at + (end_s - start_s) * weight / total
        cues.append((at, until, _lines(part)))
        at = until
    cues[-1] = (cues[-1][0], end_s, cues[-1][2])
    return cues


def _without_orphans(screen: list[ScreenCue]) -> list[ScreenCue]:
    """The screen cues with each of one short word up less than ``ORPHAN_CUE_S`` (a "250." of a third of a second)
    joined to the cue before it, or else after it, where the two meet in time and fit on screen together."""
    out = list(screen)
    i = 0
    while i < len(out):
        start, end, lines = out[i]
        text = " ".join(lines)
        if end - start >= ORPHAN_CUE_S or len(_units(text)) > 1 or _columns(text) > ORPHAN_COLUMNS:
            i += 1
            continue
        for j in (i - 1, i + 1):
            if not 0 <= j < len(out):
                continue
            first, second = sorted((out[i], out[j]))
            joined = _lines(_units(_joined([" ".join(first[2]), " ".join(second[2])])))
            if abs(second[0] - first[1]) <= CUE_GAP_S and len(joined) <= MAX_LINES:
                out[min(i, j)] = (first[0], second[1], joined)
                del out[max(i, j)]
                break
        else:
            i += 1
    return out


def _even_parts(units: list[tuple[str, bool]], count: int) -> list[list[tuple[str, bool]]]:
    """``units`` cut into ``count`` runs of near-equal width, each cut between two units."""
    widths = [_columns(unit) for unit, _ in units]
    total, parts, at = sum(widths), [], 0
    for n in range(1, count):
        # the cut nearest the n-th share of the width, leaving a unit for each part still to come
        done, best = 0.0, at + 1
        target = total * n / count
        for k in range(at + 1, len(units) - (count - n) + 1):
            done = sum(widths[:k])
            if abs(done - target) < abs(sum(widths[:best]) - target):
                best = k
        parts.append(units[at:best])
        at = best
    parts.append(units[at:])
    return parts


def _wrap(text: str) -> list[str]:
    return _lines(_units(text))


def _units(text: str) -> list[tuple[str, bool]]:
    """What a line may break between, each with whether a space goes before it: the words, those with Chinese or
    Japanese characters cut into the words ICU's dictionary finds in them (punctuation staying with the word before
    it), and a word wider than a line cut into pieces that fit."""
    units: list[tuple[str, bool]] = []
    for word in text.split():
        pieces = _dictionary_words(word) if any(_is_cjk(c) for c in word) else [word]
        for n, piece in enumerate(pieces):
            if units and n and (not any(c.isalnum() for c in piece) or _NUMBER.fullmatch(units[-1][0])):
                # "，" stays with the word before it, and a number with the counter after it (12月, 11月份)
                units[-1] = (units[-1][0] + piece, units[-1][1])
                continue
            for m, chunk in enumerate(_chunks(piece)):
                units.append((chunk, bool(units) and n == 0 and m == 0))
    return units


def _dictionary_words(word: str) -> list[str]:
    """A run of Chinese or Japanese (with any digits and Latin letters in it) in the words ICU's dictionary finds."""
    locale = "ja" if _KANA.search(word) else "zh"
    # ICU counts in UTF-16 code units: a character beyond U+FFFF is two
    encoded = word.encode("utf-16-le")
    ends = [end for _, end in WordBreaker(word, locale).segments()]
    return [encoded[2 * a : 2 * b].decode("utf-16-le") for a, b in zip([0, *ends], ends) if b > a]


def _chunks(word: str) -> list[str]:
    """A word cut into pieces of at most ``LINE_CHARS`` columns (a pasted URL); most words are one piece."""
    chunks = [""]
    for char in word:
        if chunks[-1] and _columns(chunks[-1] + char) > LINE_CHARS:
            chunks.append("")
        chunks[-1] += char
    return chunks


def _lines(units: list[tuple[str, bool]]) -> list[str]:
    """The units in as few lines of at most ``LINE_CHARS`` columns (``_columns``) as hold them, of near-equal
    width where that fits (not a full line and a word)."""
    greedy: list[str] = []
    for unit, spaced in units:
        candidate = _line([(greedy[-1], False), (unit, spaced)]) if greedy else unit
        if greedy and _columns(candidate) <= LINE_CHARS:
            greedy[-1] = candidate
        else:
            greedy.append(unit)
    even = [_line(part) for part in _even_parts(units, len(greedy))] if len(greedy) > 1 else greedy
    return even if all(_columns(line) <= LINE_CHARS for line in even) else greedy


def _line(units: list[tuple[str, bool]]) -> str:
    return "".join(f" {unit}" if spaced and n else unit for n, (unit, spaced) in enumerate(units))


def _columns(text: str) -> float:
    """How many of a line's ``LINE_CHARS`` columns ``text`` takes: a Chinese or Japanese character, full width,
    ``LINE_CHARS / CJK_LINE_CHARS`` of them (a line then holds ``CJK_LINE_CHARS``)."""
    return sum(LINE_CHARS / CJK_LINE_CHARS if _is_cjk(char) else 1 for char in text)


def _webvtt(cues: list[ScreenCue]) -> str:
    blocks = ["WEBVTT\n"]
    for start, end, lines in cues:
        body = "\n".join(_vtt_escape(line) for line in lines)
        blocks.append(f"{_timestamp(start, '.')} --> {_timestamp(end, '.')}\n{body}\n")
    return "\n".join(blocks)


def _srt(cues: list[ScreenCue]) -> str:
    blocks = []
    for number, (start, end, lines) in enumerate(cues, start=1):
        blocks.append(f"{number}\n{_timestamp(start, ',')} --> {_timestamp(end, ',')}\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def _vtt_escape(line: str) -> str:
    # WebVTT cue text is markup: &, < and > must be escaped, and "-->" may not appear.
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _timestamp(seconds: float, decimal: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"
