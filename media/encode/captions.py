"""Subtitles from the sentence timings the pipeline already has, or, for
narration, from its aligned or recognised words.

A sentence is one cue, unless it would not fit on screen (two lines of about
42 characters, the usual broadcast limit; 16 of Chinese or Japanese, whose
characters are full width) or stay up longer than ``MAX_SCREEN_CUE_S``: then
it is cut between words (in Chinese and Japanese, the words ICU's dictionary
finds) into near-equal cues, each given a share of the sentence's time in
proportion to its length. A cue of one short word up for a moment joins the
cue it meets.

A job's files are written from ``subtitle_cues``: its timed words cut into the cues its
burned-in subtitles show, on the video's frames, cut where subtitle guides cut (``break_cost``).

Narration has no sentences but timed words (``word_cues``): they are
grouped into cues that end at sentence punctuation, at a pause, or before
the cue would outgrow the screen or ``MAX_CUE_S``; each cue shows from its
first word's start to its last word's end.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

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
            text = joined_words(w[0] for w in current)
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
                or len(_wrap(joined_words([w[0] for w in current] + [text]))) > MAX_LINES
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


def joined_words(texts: Iterable[str]) -> str:
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
    cues: Iterable[tuple[float, float, str]],
    vtt_path: Path | str | None = None,
    srt_path: Path | str | None = None,
    cut: bool = True,
) -> list[tuple[float, float, list[str]]]:
    """Write WebVTT and/or SRT for ``(start_s, end_s, text)`` cues; returns the
    screen cues written (start, end, lines). ``cut``: whether the cues are sentences, to be cut into cues that fit
    on screen; without, they are written as they are, in their lines (``subtitle_cues``, as burned in)."""
    if cut:
        screen = _without_orphans([piece for cue in cues for piece in _screen_cues(*cue)])
    else:
        screen = [(start, end, _wrap(text)) for start, end, text in cues]
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
    texts = [unit for unit, _ in units]
    total = _span(texts) or 1
    # where the text is too short to cut into cues of ``MAX_SCREEN_CUE_S``, each of the ``timed`` cues takes longer
    longest = (
        MAX_SCREEN_CUE_S if timed * MAX_SCREEN_CUE_S >= end_s - start_s else 1.5 * (end_s - start_s) / max(1, timed)
    )
    cut = best_cut(
        len(units),
        lambda i, j: (
            len(_lines(units[i:j])) <= MAX_LINES and (end_s - start_s) * _span(texts[i:j]) / total <= longest + 1e-9
        ),
        lambda i, j: _span(texts[i:j]),
        lambda k: break_cost(texts[k - 1], texts[k]),
        at_least=count,
    )
    parts = [units[i:j] for i, j in cut]
    weights = [sum(_columns(unit) for unit, _ in part) for part in parts]
    total = sum(weights) or 1
    cues, at = [], start_s
    for part, weight in zip(parts, weights):
        until = at + (end_s - start_s) * weight / total
        cues.append((at, until, _lines(part)))
        at = until
    cues[-1] = (cues[-1][0], end_s, cues[-1][2])
    return cues


def _span(texts: list[str]) -> float:
    return sum(_columns(text) for text in texts)


def _without_orphans(screen: list[ScreenCue]) -> list[ScreenCue]:
    """The screen cues with each of one short word up less than ``ORPHAN_CUE_S`` (a "250." of a third of a second)
    joined to the cue before it, or else after it, where the two meet in time and fit on screen together."""

    def size(cue: ScreenCue) -> tuple[int, str]:
        text = " ".join(cue[2])
        return len(_units(text)), text

    def joined(first: ScreenCue, second: ScreenCue) -> ScreenCue | None:
        lines = _lines(_units(joined_words([" ".join(first[2]), " ".join(second[2])])))
        return (first[0], second[1], lines) if len(lines) <= MAX_LINES else None

    return _joined_lone_cues(screen, lambda cue: (cue[0], cue[1]), size, joined, gap=abs)


_Cue = TypeVar("_Cue")


def _joined_lone_cues(
    cues: list[_Cue],
    times: Callable[[_Cue], tuple[float, float]],
    size: Callable[[_Cue], tuple[int, str]],
    joined: Callable[[_Cue, _Cue], _Cue | None],
    gap: Callable[[float], float] = lambda g: g,
) -> list[_Cue]:
    """``cues`` with each lone one (a single short word, up less than ``ORPHAN_CUE_S``; ``size``: its words and its
    text) joined to the cue before it, or else after it, where the two meet in time (``gap`` of the time between
    them at most ``CUE_GAP_S``) and ``joined`` makes one cue of them that fits (None: it does not). The rule screen
    cues and subtitles share."""
    out = list(cues)
    i = 0
    while i < len(out):
        start, end = times(out[i])
        words, text = size(out[i])
        if end - start >= ORPHAN_CUE_S or words > 1 or _columns(text) > ORPHAN_COLUMNS:
            i += 1
            continue
        for j in (i - 1, i + 1):
            if not 0 <= j < len(out):
                continue
            first, second = sorted((out[i], out[j]), key=times)
            together = joined(first, second) if gap(times(second)[0] - times(first)[1]) <= CUE_GAP_S else None
            if together is not None:
                out[min(i, j)] = together
                del out[max(i, j)]
                break
        else:
            i += 1
    return out


#: English words a line or a cue should not end on where another break is in reach: articles, prepositions,
#: possessives ("follow the | instructions", "new rules for | accessible services"); a break before them is good
_BOUND_TO_NEXT = frozenset(
    "a an the of to for in on at by with from into onto about over under after before between than as per via"
    " my your his her its our their this these those".split()
)
#: English words a line or a cue may well start with: a break before a conjunction or a relative
_STARTS_A_PHRASE = frozenset(
    "and but or nor so yet because while when where which who whom whose that if unless until".split()
)
#: number words that belong with the word after them ("twelve | thousand", "five | per cent")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
    " eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion".split()
)
#: what a break costs: after a sentence's end, a clause's, before a conjunction or preposition, between any other
#: two words, after an article or a preposition, inside a number ("twelve | thousand", "12 | million")
_BREAK_COSTS = {"sentence": 0.0, "clause": 0.3, "phrase": 0.6, "plain": 1.0, "bound": 3.0, "number": 4.0}
#: a part of a cut (a line, a cue) this far from an even share of the width costs its square times this much
_UNEVEN_COST = 3.0
#: and a cue of one word, where the words are cut into several
_LONE_WORD_COST = 1.0


def _bare(word: str) -> str:
    return word.strip(_CLOSING + "\"'([{«“‘‹「『（【〈《").lower()


def _is_number(word: str) -> bool:
    bare = _bare(word)
    return bool(bare) and (bare[0].isdigit() or bare in _NUMBER_WORDS)


def break_cost(before: str, after: str) -> float:
    """How badly a line or a cue breaking between the words ``before`` and ``after`` splits what is read together,
    as subtitle guides have it (BBC): best after a sentence's or a clause's end, or before a conjunction or a
    preposition; worst inside a number or after an article or a preposition. The English function words are the
    only language known; in any other, punctuation leads."""
    if ends_sentence(before):
        return _BREAK_COSTS["sentence"]
    if ends_sentence(before, or_clause=True):
        return _BREAK_COSTS["clause"]
    if _is_number(before) and (_is_number(after) or _bare(after) in {"per", "percent", "%"}):
        return _BREAK_COSTS["number"]
    if _bare(before) in _BOUND_TO_NEXT:
        return _BREAK_COSTS["bound"]
    if _bare(after) in _STARTS_A_PHRASE or _bare(after) in _BOUND_TO_NEXT:
        return _BREAK_COSTS["phrase"]
    return _BREAK_COSTS["plain"]


def best_cut(
    count: int,
    fits: Callable[[int, int], bool],
    width: Callable[[int, int], float],
    cost: Callable[[int], float],
    lone: float = 0.0,
    at_least: int = 1,
) -> list[tuple[int, int]]:
    """``count`` items cut into the fewest runs ``(i, j)`` (items i to j - 1) that each ``fits`` (a run that does
    not only grows less fitting), and among those the cut whose breaks ``cost`` least (``cost(k)``: breaking before
    item k), with runs of near-equal ``width`` and, at ``lone`` each, few runs of one item; ``at_least`` runs, where
    there are as many items. A single item always fits: a word too long for a line is the caller's to cut or
    shrink."""
    # for each i, the j a run from it may end at: i + 1 up to the furthest that fits, which never comes nearer as i
    # moves on (a run that fits still fits without its first item), so each is asked of ``fits`` about twice, not
    # once per end (a 20,000-character Chinese script asked it 550,000 times)
    reach: list[range] = []
    end = 1
    for i in range(count):
        end = max(end, i + 1)
        while end < count and fits(i, end + 1):
            end += 1
        reach.append(range(i + 1, end + 1))
    fewest = [0] + [count + 1] * count
    for i in range(count):
        for j in reach[i]:
            fewest[j] = min(fewest[j], fewest[i] + 1)
    parts = max(fewest[count], min(at_least, count))
    # the fewest runs items[i:] take: a state that cannot end in ``parts`` runs is never built, so a long run of
    # words costs about its length times the slack, not its length squared (2,000 words: 16.7 s before)
    rest = [0] * (count + 1)
    for i in range(count - 1, -1, -1):
        rest[i] = 1 + min(rest[j] for j in reach[i])
    target = width(0, count) / parts or 1.0
    # best[(j, n)]: the least cost of items[:j] in n runs, and where its last run starts
    best: dict[tuple[int, int], tuple[float, int]] = {(0, 0): (0.0, -1)}
    starts: list[set[int]] = [{0}] + [set() for _ in range(parts)]  # the i of each state (i, n), by n
    for n in range(1, parts + 1):
        for i in sorted(starts[n - 1]):
            if n - 1 + rest[i] > parts:
                continue
            before = best[(i, n - 1)][0] + (cost(i) if i else 0.0)
            for j in reach[i]:
                if n == parts and j != count:
                    continue
                total = before + _UNEVEN_COST * ((width(i, j) - target) / target) ** 2
                total += lone if j - i == 1 and parts > 1 else 0.0
                if (j, n) not in best or total < best[(j, n)][0]:
                    best[(j, n)] = (total, i)
                    starts[n].add(j)
    runs, j = [], count
    for n in range(parts, 0, -1):
        i = best[(j, n)][1]
        runs.append((i, j))
        j = i
    return runs[::-1]


#: a pause between words at least this long ends a subtitle cue (a page of burned-in subtitles); a shorter gap
#: between two cues is closed, the first staying up until the next, so they do not flicker
SUBTITLE_PAUSE_S = 0.45
#: a word this far before its sentence's start still counts as in it (times are rounded to samples and frames)
SENTENCE_SLACK_S = 0.05
#: consecutive cues that do not touch are at least this many frames apart (Netflix): a shorter gap is closed
MIN_GAP_FRAMES = 2


@dataclass
class Subtitle:
    """A subtitle cue: its timed words ``(text, start_s, end_s)``, shown from ``start`` to ``end`` seconds."""

    start: float
    end: float
    words: list[tuple[str, float, float]]

    @property
    def text(self) -> str:
        return joined_words(w[0] for w in self.words)

    @property
    def lines(self) -> list[str]:
        return _wrap(self.text)


def on_screen(texts: list[str]) -> bool:
    """Whether words fit one cue of the caption files: ``MAX_LINES`` lines of ``LINE_CHARS`` columns. Only words
    between one line's width and ``MAX_LINES`` lines' (and the spaces their breaks drop) are wrapped to tell: a cut
    asks this of every run of words a cue might hold (a 20,000-character Chinese script: 76 CPU-s wrapping them
    all)."""
    text = joined_words(texts)
    columns = _columns(text)
    if columns <= LINE_CHARS:
        return True
    if columns > MAX_LINES * LINE_CHARS + (MAX_LINES - 1):
        return False
    return len(_wrap(text)) <= MAX_LINES


def subtitle_cues(
    words: Sequence[tuple[str, float, float]],
    sentence_starts: Sequence[float] = (),
    fps: float | None = None,
    fits: Callable[[list[str]], bool] = on_screen,
) -> list[Subtitle]:
    """Timed words ``(text, start_s, end_s)`` cut into subtitle cues: the one cut the caption files and the
    burned-in subtitles both show. A cue never runs across a sentence's start (``sentence_starts``, seconds), a
    sentence's end or a pause of ``SUBTITLE_PAUSE_S``; a sentence that does not ``fit`` one cue (two lines) or
    stays up past ``MAX_SCREEN_CUE_S`` is cut into the fewest cues that do, at the breaks that split least
    (``break_cost``), each shown from its first word's start to its last word's end, by the words' own timing. A
    cue of one short word up under ``ORPHAN_CUE_S`` joins the cue of its sentence it meets. With ``fps``, times
    are on the video's frame grid; consecutive cues either chain (a gap under ``SUBTITLE_PAUSE_S`` is closed) or
    stand at least ``MIN_GAP_FRAMES`` apart."""
    spoken = sorted((w for w in words if w[0].strip()), key=lambda w: w[1])  # in the order they are heard
    runs = _sentence_runs(spoken, sorted(sentence_starts))
    # a lone word joins a cue of its own sentence: a cue never runs across a sentence's start
    cues = [cue for run in runs for cue in _without_lone_words(_cut_run(run, fits), fits)]
    return _chained(cues, fps)


def _cut_run(run: list[tuple[str, float, float]], fits: Callable[[list[str]], bool]) -> list[Subtitle]:
    """A run of words no cue crosses in the fewest cues that each ``fit`` and stay up at most ``MAX_SCREEN_CUE_S``,
    cut where it splits least (``best_cut``)."""
    texts = [w[0] for w in run]
    cut = best_cut(
        len(run),
        lambda i, j: run[j - 1][2] - run[i][1] <= MAX_SCREEN_CUE_S and fits(texts[i:j]),
        lambda i, j: _columns(joined_words(texts[i:j])),
        lambda k: break_cost(texts[k - 1], texts[k]),
        _LONE_WORD_COST,
    )
    return [Subtitle(run[i][1], run[j - 1][2], list(run[i:j])) for i, j in cut]


def _sentence_runs(words: list[tuple[str, float, float]], starts: list[float]) -> list[list[tuple[str, float, float]]]:
    """The words in runs no cue crosses: a sentence (from its start in ``starts``, or to a word ending one), and
    within it the words between pauses of ``SUBTITLE_PAUSE_S``."""
    runs: list[list[tuple[str, float, float]]] = []
    passed = 0
    for word in words:
        sentence = passed
        while sentence < len(starts) and starts[sentence] <= word[1] + SENTENCE_SLACK_S:
            sentence += 1
        if not runs or sentence > passed or word[1] - runs[-1][-1][2] >= SUBTITLE_PAUSE_S:
            runs.append([])
        elif ends_sentence(runs[-1][-1][0]) and not starts_lowercase(word[0]):
            runs.append([])
        passed = sentence
        runs[-1].append(word)
    return runs


def _without_lone_words(cues: list[Subtitle], fits: Callable[[list[str]], bool]) -> list[Subtitle]:
    """Each cue of one short word up less than ``ORPHAN_CUE_S`` joined to the cue before it, or else after it, where
    the two meet in time (``CUE_GAP_S``) and ``fit`` one cue together."""

    def joined(first: Subtitle, second: Subtitle) -> Subtitle | None:
        together = first.words + second.words
        return Subtitle(first.start, second.end, together) if fits([w[0] for w in together]) else None

    return _joined_lone_cues(cues, lambda cue: (cue.start, cue.end), lambda cue: (len(cue.words), cue.text), joined)


def _chained(cues: list[Subtitle], fps: float | None) -> list[Subtitle]:
    """The cues with each gap shorter than ``SUBTITLE_PAUSE_S`` closed (the cue stays up until the next), and with
    ``fps`` their times on the frame grid: every cue at least a frame long, and any gap left at least
    ``MIN_GAP_FRAMES``."""
    if fps:
        for cue in cues:
            cue.start = round(cue.start * fps) / fps
            cue.end = max(round(cue.end * fps), round(cue.start * fps) + 1) / fps
    # the shortest a cue is shown: a frame (a millisecond without ``fps``); two cues that would start in one frame
    # (or words given out of order) are put in order, the second a frame after the first, so none is empty
    frame = 1 / fps if fps else 0.001
    cues.sort(key=lambda cue: cue.start)
    for cue, following in zip(cues, cues[1:]):
        if following.start < cue.start + frame - 1e-9:
            following.start = cue.start + frame
    for cue in cues:
        cue.end = max(cue.end, cue.start + frame)
    least = MIN_GAP_FRAMES / fps if fps else 0.0
    for cue, following in zip(cues, cues[1:]):
        if following.start - cue.end < max(SUBTITLE_PAUSE_S, least) - 1e-9:
            # chained, but never up past ``MAX_SCREEN_CUE_S`` for it: then the gap left is at least ``least``
            cue.end = min(following.start, max(cue.end, cue.start + MAX_SCREEN_CUE_S))
            if 1e-9 < following.start - cue.end < least - 1e-9:
                cue.end = max(following.start - least, cue.start + min(least, frame))
    return cues


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


def dictionary_locale(text: str) -> str:
    """The locale ICU's dictionary reads a run of Chinese or Japanese characters in: Japanese if it has kana."""
    return "ja" if _KANA.search(text) else "zh"


def _dictionary_words(word: str) -> list[str]:
    """A run of Chinese or Japanese (with any digits and Latin letters in it) in the words ICU's dictionary finds."""
    locale = dictionary_locale(word)
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
    """The units in as few lines of at most ``LINE_CHARS`` columns (``_columns``) as hold them, broken where it
    splits least of what is read together (``break_cost``) and of near-equal width (not a full line and a word)."""
    if not units:
        return []
    texts = [unit for unit, _ in units]
    # a line's columns from running sums (its units', and a space before each spaced one but the first): what
    # ``_columns(_line(units[i:j]))`` gives, without joining and counting every candidate line again
    widths = list(itertools.accumulate((_columns(unit) for unit in texts), initial=0.0))
    spaces = list(itertools.accumulate((1.0 if spaced else 0.0 for _, spaced in units), initial=0.0))

    def columns(i: int, j: int) -> float:
        return widths[j] - widths[i] + spaces[j] - spaces[i + 1]

    parts = best_cut(
        len(units),
        lambda i, j: j - i == 1 or columns(i, j) <= LINE_CHARS,
        columns,
        lambda k: break_cost(texts[k - 1], texts[k]),
    )
    return [_line(units[i:j]) for i, j in parts]


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
