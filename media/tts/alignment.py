"""Phone timing for uploaded narration, from pocketsphinx (English model in its wheel).

In order of preference:

1. **aligned** — the caller sent the words (``transcript``): forced alignment
   fits them to the audio, giving each word and phone its time.
2. **recognized** — no transcript, or one that does not match the narration:
   the words are recognised with pocketsphinx's English language model (they
   make the captions), and then aligned like a transcript, which places the
   phones better than free phone recognition does. Where even that finds
   nothing, the phone loop (``allphone``) gives phones without words.
3. **loudness** — pocketsphinx missing or nothing found at all: no phones;
   the face follows loudness.

When does a transcript not match? pocketsphinx scores every frame against
the best-scoring senone of that frame, so a path's score per frame says how
far it is from the best the model could say there. Free phone recognition
is the best any phone sequence does; a transcript whose forced path scores
more than ``MISMATCH_RATIO`` times worse per frame than that (or that cannot
be fitted at all, or whose words are mostly unknown to the dictionary) is
not what was said. On Piper speech the right words score 1.8× the phone
loop; half the words missing 5.9×, other words 7.9×.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from media.phonemes import Phone, PhoneTrack, TimingSource, Word
from media.tts.phone_symbols import arpabet_to_ipa
from media.tts.speech import resample
from media.tts.word_stress import with_stress

RECOGNITION_RATE = 16000
FRAME_S = 0.01  # pocketsphinx frames
#: A transcript scoring this many times worse per frame than free phone recognition does not match.
MISMATCH_RATIO = 3.0
#: More than this share of the transcript's words missing from the dictionary: it cannot be aligned.
MAX_UNKNOWN_SHARE = 0.25
#: Recognition runs on stretches of at most this long (the language model loses its way on longer ones).
RECOGNITION_CHUNK_S = 30.0
#: Forced alignment's second pass (phone states) holds about 5 MB per second of audio, so longer
#: narration is aligned in pieces of at most this long, cut where the first pass found a pause.
ALIGN_PIECE_S = 30.0
_BYTES_PER_FRAME = int(RECOGNITION_RATE * FRAME_S) * 2
#: Narration whose loudest sample is quieter than this (dBFS) holds no speech to time.
SILENT_BELOW_DBFS = -50.0

_TOKEN = re.compile(r"[\w'’]+")
#: non-words pocketsphinx may emit: <s>, </s>, <sil>, [NOISE], [speech], +NSN+, +SPN+
_FILLER = re.compile(r"<[^>]*>|\[[^\]]*\]|\+[^+]*\+")


@dataclass
class _Fit:
    track: PhoneTrack
    score: float  # acoustic score, summed over the frames
    frames: int

    @property
    def score_per_frame(self) -> float:
        return self.score / self.frames


class _Decoders:
    """pocketsphinx decoders (loading the model takes ~0.6 s), one set per
    process, used under a lock: a decoder is not safe to share between threads."""

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        model = os.path.join(get_model_path(), "en-us")
        self.lock = threading.Lock()
        self.align = Decoder(samprate=RECOGNITION_RATE, bestpath=False, loglevel="ERROR")
        self.words = Decoder(samprate=RECOGNITION_RATE, loglevel="ERROR")
        self.phones = Decoder(
            samprate=RECOGNITION_RATE,
            allphone=os.path.join(model, "en-us-phone.lm.bin"),
            backtrace=True,
            beam=1e-20,
            pbeam=1e-20,
            lw=2.0,
            loglevel="ERROR",
        )


@functools.lru_cache(maxsize=1)
def _decoders() -> _Decoders | None:
    try:
        return _Decoders()
    except ImportError:
        return None


def align_transcript(samples: np.ndarray, sample_rate: int, transcript: str) -> PhoneTrack | str:
    """The transcript's words and phones fitted to the whole narration, or
    why they cannot be (a note for the document; then recognise instead).
    A LOUDNESS track when there is nothing to align with or to."""
    decoders, unusable = _ready(samples)
    if unusable is not None:
        return unusable
    assert decoders is not None
    with decoders.lock:
        track, note = _aligned_to_transcript(decoders, _pcm16(samples, sample_rate), transcript)
    return with_stress(track) if track is not None else note


def recognize_narration(samples: np.ndarray, sample_rate: int, note: str = "", english: bool = True) -> PhoneTrack:
    """Words and phones recognised in narration (best on stretches up to
    ``RECOGNITION_CHUNK_S``: a segment at a time); ``note`` says why a
    transcript was not used, if one was given.

    pocketsphinx's model is English: narration in another language
    (``english=False``) gets phones from the free phone loop, English phones
    that still place lips, jaw and rounding, and no words, since English
    words recognised in other speech would make nonsense captions.
    """
    decoders, unusable = _ready(samples)
    if unusable is not None:
        return PhoneTrack(unusable.source, note="; ".join(filter(None, [note, unusable.note])))
    assert decoders is not None
    if not english:
        note = "; ".join(filter(None, [note, "English phones, no words: pocketsphinx knows English only"]))
    with decoders.lock:
        track = _recognized(decoders, _pcm16(samples, sample_rate), note, english)
    return with_stress(track)


def is_silent(samples: np.ndarray) -> bool:
    """Whether narration holds no speech to time: its loudest sample is below ``SILENT_BELOW_DBFS``."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return peak <= 10 ** (SILENT_BELOW_DBFS / 20)


def _ready(samples: np.ndarray) -> tuple[_Decoders | None, PhoneTrack | None]:
    """The decoders, or the LOUDNESS track that says why there is nothing to decode."""
    decoders = _decoders()
    if decoders is None:
        return None, PhoneTrack(TimingSource.LOUDNESS, note="pocketsphinx is not installed on this worker")
    if is_silent(samples):
        return None, PhoneTrack(TimingSource.LOUDNESS, note="the narration is silent")
    return decoders, None


def _aligned_to_transcript(decoders: _Decoders, pcm: bytes, transcript: str) -> tuple[PhoneTrack | None, str]:
    tokens = transcript_words(transcript)
    known = [
        (i, display, spelling) for i, (display, spelling) in enumerate(tokens) if decoders.align.lookup_word(spelling)
    ]
    unknown = len(tokens) - len(known)
    if not known or unknown > MAX_UNKNOWN_SHARE * len(tokens):
        return None, (
            f"the transcript could not be used ({unknown} of {len(tokens)} words are not in the "
            "English dictionary); the words were recognised instead"
        )
    fit = _align_long(decoders.align, pcm, [spelling for _, _, spelling in known], [display for _, display, _ in known])
    if fit is None:
        return None, "the transcript could not be fitted to the narration; the words were recognised instead"
    reference = _phone_loop_long(decoders.phones, pcm)
    if reference is not None and fit.score_per_frame < MISMATCH_RATIO * min(reference.score_per_frame, -1.0):
        ratio = fit.score_per_frame / min(reference.score_per_frame, -1.0)
        return None, (
            f"the transcript does not match the narration (it fits {ratio:.1f}× worse than free "
            f"recognition; the limit is {MISMATCH_RATIO:g}×); the words were recognised instead"
        )
    words = _with_unaligned_words(fit.track.words, [i for i, _, _ in known], [display for display, _ in tokens])
    note = f"{unknown} transcript word(s) not in the dictionary were left unaligned" if unknown else ""
    return PhoneTrack(TimingSource.ALIGNED, fit.track.phones, words, note), ""


def transcript_words(transcript: str) -> list[tuple[str, str]]:
    """(as written, dictionary spelling) for each word: "evening." is shown as
    written and aligned as ``evening``; "well-known" is two words."""
    words = []
    for token in transcript.split():
        parts = _TOKEN.findall(token)
        for n, part in enumerate(parts):
            shown = (
                token
                if len(parts) == 1
                else (part + token[token.rfind(part) + len(part) :] if n == len(parts) - 1 else part)
            )
            words.append((shown, part.lower().replace("’", "'")))
    return words


def _with_unaligned_words(aligned: tuple[Word, ...], positions: list[int], shown: list[str]) -> tuple[Word, ...]:
    """Every transcript word, for captions: those the dictionary lacked ("5",
    names) sit, without duration, where the aligned word before them ends."""
    timed = dict(zip(positions, aligned))
    words, at = [], aligned[0].start_s if aligned else 0.0
    for index, text in enumerate(shown):
        word = timed.get(index)
        if word is None:
            words.append(Word(text, at, at))
        else:
            words.append(word)
            at = word.end_s
    return tuple(words)


def _recognized(decoders: _Decoders, pcm: bytes, note: str, with_words: bool = True) -> PhoneTrack:
    phones: list[Phone] = []
    words: list[Word] = []
    chunk = int(RECOGNITION_CHUNK_S * RECOGNITION_RATE) * 2
    for start in range(0, len(pcm), chunk):
        piece, offset_s = pcm[start : start + chunk], start / 2 / RECOGNITION_RATE
        heard = _recognize_words(decoders.words, piece) if with_words else []
        fit = _align(decoders.align, piece, [word.lower() for word in heard], heard) if heard else None
        if fit is None:
            fit = _phone_loop(decoders.phones, piece)
        if fit is not None:
            moved = fit.track.shifted(offset_s)
            phones += moved.phones
            words += moved.words
    if not phones:
        return PhoneTrack(TimingSource.LOUDNESS, note="; ".join(filter(None, [note, "no speech was recognised"])))
    return PhoneTrack(TimingSource.RECOGNIZED, tuple(phones), tuple(words), note)


def _recognize_words(decoder: Any, pcm: bytes) -> list[str]:
    _decode(decoder, pcm)
    words = [_bare(seg.word) for seg in decoder.seg() if not _filler(_bare(seg.word))]
    return ["I" + word[1:] if word == "i" or word.startswith("i'") else word for word in words]


def _align(decoder: Any, pcm: bytes, spellings: list[str], texts: list[str]) -> _Fit | None:
    """Forced alignment of ``spellings`` (dictionary words) to the audio; the
    words carry ``texts`` (the caller's own spelling and case)."""
    if not _words_fit(decoder, pcm, spellings):
        return None
    decoder.set_alignment()
    try:
        _decode(decoder, pcm)
    except RuntimeError:
        # pocketsphinx's state-level pass can fail on words that passed the word-level one
        # ("Alignment failed in frame N"): the transcript does not fit; the decoder is fine for the next
        return None
    alignment = decoder.get_alignment()
    if alignment is None:
        return None
    phones, words, score, frames = [], [], 0, 0
    remaining = iter(texts)
    for entry in alignment:
        score += entry.score
        frames += entry.duration
        if _filler(_bare(entry.name)):
            continue
        start, end = entry.start * FRAME_S, (entry.start + entry.duration) * FRAME_S
        words.append(Word(next(remaining, _bare(entry.name)), start, end))
        for unit in entry:
            converted = arpabet_to_ipa(unit.name)
            if converted is not None:
                phones.append(
                    Phone(converted[0], unit.start * FRAME_S, (unit.start + unit.duration) * FRAME_S, converted[1])
                )
    if not words or frames == 0:
        return None
    return _Fit(PhoneTrack(TimingSource.ALIGNED, tuple(phones), tuple(words)), score, frames)


def _align_long(decoder: Any, pcm: bytes, spellings: list[str], texts: list[str]) -> _Fit | None:
    """``_align`` in pieces of at most ``ALIGN_PIECE_S``: the first pass over
    the whole narration (light) places the words; each piece's words are then
    aligned to that piece's audio alone, which bounds the memory."""
    limit = int(ALIGN_PIECE_S / FRAME_S)
    total = len(pcm) // _BYTES_PER_FRAME
    if total <= limit:
        return _align(decoder, pcm, spellings, texts)
    if not _words_fit(decoder, pcm, spellings):
        return None
    segments = [(_bare(s.word), s.start_frame, s.end_frame) for s in decoder.seg()]
    word_starts = [start for word, start, _ in segments if not _filler(word)]
    if len(word_starts) != len(spellings):
        return None
    pauses = [(start + end) // 2 for word, start, end in segments if word == "<sil>"]
    cuts = _piece_cuts(total, limit, pauses, word_starts)
    phones: list[Phone] = []
    words: list[Word] = []
    score, frames = 0.0, 0
    for begin, end in zip(cuts, cuts[1:]):
        inside = [i for i, start in enumerate(word_starts) if begin <= start < end]
        if not inside:
            continue  # a stretch of silence between pauses
        piece = pcm[begin * _BYTES_PER_FRAME : end * _BYTES_PER_FRAME]
        fit = _align(decoder, piece, spellings[inside[0] : inside[-1] + 1], texts[inside[0] : inside[-1] + 1])
        if fit is None:
            return None
        moved = fit.track.shifted(begin * FRAME_S)
        phones += moved.phones
        words += moved.words
        score, frames = score + fit.score, frames + fit.frames
    return _Fit(PhoneTrack(TimingSource.ALIGNED, tuple(phones), tuple(words)), score, frames) if frames else None


def _piece_cuts(total: int, limit: int, pauses: list[int], word_starts: list[int]) -> list[int]:
    """Frames to cut at, from 0 to ``total``, at most ``limit`` apart: the
    last pause in the second half of each stretch, else the last word start."""
    cuts = [0]
    while total - cuts[-1] > limit:
        here = cuts[-1]
        in_reach = [f for f in pauses if here + limit // 2 <= f <= here + limit]
        in_reach = in_reach or [f for f in word_starts if here < f <= here + limit]
        cuts.append(in_reach[-1] if in_reach else here + limit)
    return cuts + [total]


def _phone_loop(decoder: Any, pcm: bytes) -> _Fit | None:
    """Free phone recognition: phones, no words; and its score per frame."""
    _decode(decoder, pcm)
    logmath = decoder.get_logmath()
    phones, score, frames = [], 0, 0
    for seg in decoder.seg():
        length = seg.end_frame - seg.start_frame + 1
        frames += length
        score += logmath.log(seg.ascore) if seg.ascore > 0 else 0
        converted = arpabet_to_ipa(seg.word)
        if converted is not None:
            phones.append(Phone(converted[0], seg.start_frame * FRAME_S, (seg.end_frame + 1) * FRAME_S))
    if frames == 0:
        return None
    return _Fit(PhoneTrack(TimingSource.RECOGNIZED, tuple(phones)), score, frames)


def _phone_loop_long(decoder: Any, pcm: bytes) -> _Fit | None:
    """``_phone_loop`` over ``RECOGNITION_CHUNK_S`` pieces, scores added up."""
    chunk = int(RECOGNITION_CHUNK_S / FRAME_S) * _BYTES_PER_FRAME
    phones: list[Phone] = []
    score, frames = 0.0, 0
    for start in range(0, len(pcm), chunk):
        fit = _phone_loop(decoder, pcm[start : start + chunk])
        if fit is not None:
            phones += fit.track.shifted(start / _BYTES_PER_FRAME * FRAME_S).phones
            score, frames = score + fit.score, frames + fit.frames
    return _Fit(PhoneTrack(TimingSource.RECOGNIZED, tuple(phones)), score, frames) if frames else None


def _words_fit(decoder: Any, pcm: bytes, spellings: list[str]) -> bool:
    """Forced alignment's first pass: can these words be fitted to the audio at all."""
    try:
        # set_align_text raises for a word it cannot build ("Failed to set up alignment of [speech]")
        decoder.set_align_text(" ".join(spellings))
        _decode(decoder, pcm)
    except RuntimeError:  # as in _align: these words cannot be fitted
        return False
    return decoder.hyp() is not None


def _decode(decoder: Any, pcm: bytes) -> None:
    """One utterance, the whole of ``pcm`` (16-bit, 16 kHz)."""
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()


def _filler(word: str) -> bool:
    """Silence, noise and other non-words the recogniser may emit: ``<sil>``, ``[NOISE]``,
    ``[speech]``, ``+SPN+`` (none of them a word to caption or to align)."""
    return _FILLER.fullmatch(word) is not None


def _bare(word: str) -> str:
    """``the(2)`` → ``the``: pocketsphinx marks alternative pronunciations so."""
    return word.split("(", 1)[0]


def _pcm16(samples: np.ndarray, sample_rate: int) -> bytes:
    audio = resample(np.asarray(samples, np.float32), sample_rate, RECOGNITION_RATE)
    pcm: bytes = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return pcm
