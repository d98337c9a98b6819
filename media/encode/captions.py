"""Subtitles from the sentence timings the pipeline already has, or, for
narration, from its aligned or recognised words.

A sentence is one cue, unless it would not fit on screen (two lines of about
42 characters, the usual broadcast limit): then it is cut at word
boundaries into several cues, each given a share of the sentence's time in
proportion to its length.

Narration has no sentences but timed words (``word_cues``): they are
grouped into cues that end at sentence punctuation, at a pause, or before
the cue would outgrow the screen or ``MAX_CUE_S``; each cue shows from its
first word's start to its last word's end.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path

from media.phonemes import Word
from media.writing import starts_lowercase

ScreenCue = tuple[float, float, list[str]]

LINE_CHARS = 42
MAX_LINES = 2
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


def _is_cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\uff00" <= char <= "\uffef"


def write_captions(
    cues: Iterable[tuple[float, float, str]], vtt_path: Path | str | None = None, srt_path: Path | str | None = None
) -> list[tuple[float, float, list[str]]]:
    """Write WebVTT and/or SRT for ``(start_s, end_s, text)`` cues; returns the
    screen cues written (start, end, lines)."""
    screen = [piece for cue in cues for piece in _screen_cues(*cue)]
    if vtt_path is not None:
        Path(vtt_path).write_text(_webvtt(screen), encoding="utf-8")
    if srt_path is not None:
        Path(srt_path).write_text(_srt(screen), encoding="utf-8")
    return screen


def _screen_cues(start_s: float, end_s: float, text: str) -> list[tuple[float, float, list[str]]]:
    lines = _wrap(text)
    if not lines:
        return []
    pages = [lines[i : i + MAX_LINES] for i in range(0, len(lines), MAX_LINES)]
    weights = [sum(len(line) for line in page) for page in pages]
    total = sum(weights) or 1
    cues, at = [], start_s
    for page, weight in zip(pages, weights):
        until = at + (end_s - start_s) * weight / total
        cues.append((at, until, page))
        at = until
    cues[-1] = (cues[-1][0], end_s, cues[-1][2])
    return cues


def _wrap(text: str) -> list[str]:
    text = " ".join(text.split())
    if " " not in text and len(text) > LINE_CHARS:
        # No spaces to wrap at (Chinese, Japanese): cut by characters, shorter lines.
        width = LINE_CHARS // 2
        return [text[i : i + width] for i in range(0, len(text), width)]
    return textwrap.wrap(text, LINE_CHARS, break_long_words=True, break_on_hyphens=False)


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
