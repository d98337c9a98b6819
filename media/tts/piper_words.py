"""Piper's words, timed by Piper's own phoneme alignments.

Piper reads a text with espeak-ng's phonemes and times every phoneme it says,
but it does not say which written word a phoneme belongs to, so its captions
shared each sentence's time out by the words' lengths, and the word lit was
off the voice by up to half a second and more, more so as the sentence went
on and after a number ("2026" is four spoken words). espeak-ng does say it:
the farm's espeak-ng reads the same text in Piper's espeak voice
(``espeak_events``), and each of its phones belongs to one written word as the
text was written ("2026": four spoken words; "Dr.", "50%": one word each).
Where espeak-ng runs a short word into the one before it ("in the": ``ɪnðə``,
one word event) the run is split back by each word's own spelling. That
sequence of phones is matched to Piper's, letter by letter (the same
phonemes, near enough: Debian's espeak-ng 1.51 and Piper's own 1.52 differ in
a phone here and there, and group some letters otherwise), and each written
word takes the span of the Piper phones matched to it. A
phone either side leaves unmatched goes to the word before it unless Piper
paused or left a word gap before it.

Only words are added: Piper's audio and phones, which move the mouth, are
untouched. Without espeak-ng, for a voice that does not phonemise with it, or
when the two readings do not match well enough, there are no words, and the
captions share the sentence's time out as before.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections.abc import Sequence

from media.errors import MediaError
from media.phonemes import Phone, Word
from media.tts.espeak_events import espeak_library
from media.tts.phone_symbols import group_piper_phonemes

log = logging.getLogger(__name__)

#: Part of the TTS cache key of Piper's sentences: bump when the words made for the same speech change.
WORD_RULES = 1
#: Below this share of letters in common (difflib's ratio) the two readings are not of the same words: no words.
MIN_MATCH = 0.8
#: A gap this long between two of Piper's phones is a word gap, a pause or a new sentence (its word-gap symbol
#: or punctuation took the time), not the inside of a word.
WORD_GAP_S = 1e-4


def piper_words(text: str, phones: Sequence[Phone], espeak_voice: str, words_per_minute: int) -> tuple[Word, ...]:
    """``text``'s written words, each timed by the span of Piper's ``phones`` it was spoken in; () when they cannot
    be found. Never raises: words are an extra, and a sentence without them is captioned as before."""
    try:
        return _timed_words(text, phones, espeak_voice, words_per_minute)
    except MediaError as exc:  # espeak-ng has no such voice, or could not read the text
        log.info("no word timing for Piper's speech of %r: %s", text[:80], exc)
    except Exception:  # a word timing that cannot be found must not fail the job
        log.warning("no word timing for Piper's speech of %r", text[:80], exc_info=True)
    return ()


def _timed_words(text: str, phones: Sequence[Phone], espeak_voice: str, words_per_minute: int) -> tuple[Word, ...]:
    library = espeak_library()
    if library is None or not phones:
        return ()
    _, _, reading = library.speak(text, espeak_voice, words_per_minute)
    written = reading.words
    owners = _owners(reading.phones, written)
    if not owners:
        return ()
    symbols = [phone.symbol for phone in reading.phones]
    runs = _runs(written)
    for first, last in runs:  # words espeak-ng said as one: split by their own spellings
        inside = [i for i, owner in enumerate(owners) if first <= owner <= last]
        spelled = library.spell([word.text for word in written[first : last + 1]], espeak_voice)
        reference = [(symbol, first + n) for n, spelling in enumerate(spelled) for symbol in ipa_symbols(spelling)]
        if not inside or not reference:
            continue
        split, _ = match_labels([symbols[i] for i in inside], reference)
        for i, owner in zip(inside, split):
            owners[i] = owner
    gaps = [True] + [b.start_s - a.end_s > WORD_GAP_S for a, b in zip(phones, phones[1:])]
    labels, share = match_labels([p.symbol for p in phones], list(zip(symbols, owners)), gaps)
    if share < MIN_MATCH:
        log.info("Piper and espeak-ng read %r differently (%.2f alike): no word timing", text[:80], share)
        return ()
    labels = _at_word_gaps(labels, gaps, {n: first for first, last in runs for n in range(first, last + 1)})
    spans: dict[int, tuple[float, float]] = {}
    for phone, label in zip(phones, labels):
        start = spans[label][0] if label in spans else phone.start_s
        spans[label] = (start, phone.end_s)
    words, at = [], phones[0].start_s
    for n, word in enumerate(written):
        start, end = spans.get(n, (at, at))  # a word no Piper phone was matched to sits where the one before ends
        words.append(Word(word.text, start, end))
        at = end
    return tuple(words)


def _owners(phones: Sequence[Phone], words: Sequence[Word]) -> list[int]:
    """Which of espeak-ng's written ``words`` each of its ``phones`` is spoken in (by time); [] without words."""
    timed = [(n, word) for n, word in enumerate(words) if word.end_s > word.start_s]
    if not timed:
        return []
    owners, k = [], 0
    for phone in phones:
        while k + 1 < len(timed) and timed[k + 1][1].start_s <= phone.start_s + 1e-9:
            k += 1
        owners.append(timed[k][0])
    return owners


def _runs(words: Sequence[Word]) -> list[tuple[int, int]]:
    """(first, last) of each run of words espeak-ng spoke as one: a timed word and the untimed ones after it (or,
    at the start, before it)."""
    runs: list[list[int]] = []
    leading = 0
    for n, word in enumerate(words):
        if word.end_s > word.start_s:
            runs.append([n - leading if not runs else n, n])
            leading = 0
        elif runs:
            runs[-1][1] = n
        else:
            leading += 1
    return [(first, last) for first, last in runs if last > first]


def _at_word_gaps(labels: list[int], gaps: Sequence[bool], run_of: dict[int, int]) -> list[int]:
    """Labels whose change between two words espeak-ng spoke apart falls a phone from one of Piper's word gaps moved
    onto it: espeak-ng's word event comes after a final consonant it links to a vowel after it ("O'Neil at":
    ``oʊniː|læt``; "a.m. on": ``eɪɛ|mɔn``), where Piper's phonemes leave the gap (``oʊnˈiːl æt``). Words espeak-ng
    ran together ("for a": ``fɚɹə``) are split where their spellings say, gap or none."""
    out = list(labels)
    for k in range(1, len(out)):
        a, b = out[k - 1], out[k]
        if a == b or gaps[k] or run_of.get(a, a) == run_of.get(b, -1):
            continue
        if k + 1 < len(out) and gaps[k + 1] and out[k + 1] == b:
            out[k] = a  # the consonant before the gap is the word before's
        elif k >= 2 and gaps[k - 1] and out[k - 2] == a:
            out[k - 1] = b
    return out


def ipa_symbols(spelling: str) -> list[str]:
    """An IPA spelling (``ðə hˈaʊs``) as ``Phone`` symbols, as Piper's code points are grouped."""
    spelling = re.sub(r"\([^)]*\)", "", spelling)  # "(fr)": a switch of language, not a sound
    grouped = group_piper_phonemes([(char, 1) for char in unicodedata.normalize("NFD", spelling)])
    return [symbol for symbol, _, _, _ in grouped]


def match_labels(
    target: Sequence[str], reference: Sequence[tuple[str, int]], gaps: Sequence[bool] | None = None
) -> tuple[list[int], float]:
    """A label for each of ``target``'s symbols, from the ``reference`` (symbol, label) pairs it is matched to, and
    the share of the two alike. They are matched letter by letter (difflib: the longest common runs, in order), so
    that one grouping a sound otherwise (``ɑːɹ`` against ``ɑː`` ``ɹ``) still matches; letters replaced by a run of
    another length share its labels out in proportion. A symbol none of whose letters matched takes the label
    before it, or the one after it from a gap on (``gaps[i]``: a gap comes before ``target[i]``). Labels never go
    back."""
    if not target:
        return [], 1.0
    if not reference:
        return [0] * len(target), 0.0
    letters = [char for symbol in target for char in symbol]
    owner = [n for n, symbol in enumerate(target) for _ in symbol]
    known = [(char, label) for symbol, label in reference for char in symbol]
    matcher = difflib.SequenceMatcher(None, [char for char, _ in known], letters, autojunk=False)
    labels: list[int | None] = [None] * len(target)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag not in ("equal", "replace"):
            continue
        for k in range(j1, j2):
            if labels[owner[k]] is None:  # a symbol takes its first matched letter's label
                labels[owner[k]] = known[i1 + (k - j1) * (i2 - i1) // (j2 - j1)][1]
    gaps = gaps or [False] * len(target)
    filled: list[int] = []
    j = 0
    while j < len(labels):
        label = labels[j]
        if label is not None:
            filled.append(max(label, filled[-1]) if filled else label)  # matched out of order: never back
            j += 1
            continue
        end = j
        while end < len(labels) and labels[end] is None:
            end += 1
        before = filled[-1] if filled else None
        after = labels[end] if end < len(labels) else None
        for k in range(j, end):
            if before is None or (after is not None and gaps[k]):
                before = after  # a gap: this and the rest of the run belong to the next word
            filled.append(before if before is not None else 0)
        j = end
    return filled, matcher.ratio()
