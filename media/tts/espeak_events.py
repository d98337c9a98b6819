"""espeak-ng in-process: its audio and, in the same pass, when each phoneme
and word starts.

libespeak-ng (Debian's ``libespeak-ng1``) is driven through ctypes in
synchronous mode with phoneme events on: the synth callback receives the
samples together with events that carry each phoneme's (and word's) exact
sample position. Phonemes arrive as espeak-ng's own IPA
(``espeakINITIALIZE_PHONEME_IPA``), which ``phone_symbols`` tidies. The events
carry no stress, so the same text is also spelled out in IPA
(``espeak_TextToPhonemes``), whose stress marks are matched back onto the
phones in order.

The library keeps its state in globals (one voice, one callback), so every
call holds a process-wide lock; speech runs one sentence at a time here,
which at espeak-ng's speed (over 50× real time) costs nothing noticeable.
"""

from __future__ import annotations

import bisect
import ctypes
import ctypes.util
import functools
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from media.errors import MediaError
from media.phonemes import Phone, PhoneTrack, TimingSource, Word
from media.tts.phone_symbols import PRIMARY_STRESS, SECONDARY_STRESS, espeak_ipa_to_symbol
from media.tts.spoken_text import Reading
from media.tts.written_words import spoken_ends, word_at, written_words

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000
_EVENT_LIST_TERMINATED, _EVENT_WORD, _EVENT_PHONEME = 0, 1, 7
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE = 1
_IPA_PHONEMES = 0x02
_OK = 0


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass
class _Collected:
    chunks: list[np.ndarray]
    phonemes: list[tuple[int, str]]  # (sample, ipa)
    words: list[tuple[int, int, int]]  # (sample, text_position, length)
    total: int = 0


class EspeakLibrary:
    """One per process (``espeak_library()``): the loaded, initialised library."""

    def __init__(self, path: str):
        self.lib = ctypes.CDLL(path)
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self.lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        self.lock = threading.Lock()
        self.sample_rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS,
            0,
            None,
            _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT,
        )
        if self.sample_rate <= 0:
            raise MediaError("voice_unavailable", "libespeak-ng did not initialise (is espeak-ng-data installed?)")
        self._collected: _Collected | None = None
        self._callback = _Callback(self._on_synth)  # kept referenced: the library holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav: Any, count: int, events: Any) -> int:
        got = self._collected
        if got is None:
            return 1  # nobody is listening: abort
        if wav and count > 0:
            got.chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_PHONEME:
                raw = bytes(event.id.string).split(b"\0", 1)[0]
                got.phonemes.append((event.sample, raw.decode("utf-8", errors="ignore")))
            elif event.type == _EVENT_WORD:
                got.words.append((event.sample, event.text_position, event.length))
            index += 1
        return 0

    def speak(
        self, text: str, voice: str, words_per_minute: int, reading: Reading | None = None
    ) -> tuple[np.ndarray, int, PhoneTrack]:
        """(float32 samples, sample rate, phone track) for ``text`` in ``voice``; given the ``reading`` of a text
        written otherwise (Japanese kanji, ``spoken_form``'s numbers), ``text`` is what is said and the track's words are the written text's."""
        data = text.encode("utf-8")
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != _OK:
                raise MediaError("voice_unknown", f"espeak-ng has no voice {voice!r}")
            self.lib.espeak_SetParameter(_RATE, int(words_per_minute), 0)
            self._collected = got = _Collected([], [], [])
            try:
                status = self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
                self.lib.espeak_Synchronize()
            finally:
                self._collected = None
            spelled = self._spelled(data) if status == _OK else ""
        if status != _OK:
            raise MediaError("tts_failed", f"espeak-ng could not speak the text (status {status})")
        samples = (np.concatenate(got.chunks).astype(np.float32) / 32768.0) if got.chunks else np.zeros(0, np.float32)
        if reading is None:
            return samples, self.sample_rate, _track(text, got, len(samples), self.sample_rate, spelled)
        # espeak-ng counts characters from 1, 0 being "no position"
        got.words = [(at, reading.written_at(p - 1) + 1 if p > 0 else 0, n) for at, p, n in got.words]
        track = _track(reading.written, got, len(samples), self.sample_rate, spelled, list(reading.phrases) or None)
        return samples, self.sample_rate, track

    def spell(self, texts: list[str], voice: str) -> list[str]:
        """Each text in IPA with stress marks (``mˈeɪbiː``), without speaking it."""
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != _OK:
                raise MediaError("voice_unknown", f"espeak-ng has no voice {voice!r}")
            return [self._spelled(text.encode("utf-8")) for text in texts]

    def _spelled(self, data: bytes) -> str:
        """The text in IPA with stress marks, clause by clause (the voice is set; the lock is held)."""
        buffer = ctypes.create_string_buffer(data)
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        while pointer.value:
            clause = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _IPA_PHONEMES)
            if clause is None:
                break
            clauses.append(clause.decode("utf-8", errors="ignore"))
        return " ".join(clauses)


def _track(
    text: str, got: _Collected, total: int, rate: int, spelled: str = "", spans: list[tuple[int, int]] | None = None
) -> PhoneTrack:
    """Each phoneme lasts until the next event's sample. The words are the text's as written (``written_words``,
    or the ``spans`` given: a Japanese text's phrases), each timed by the word events espeak-ng places in it: from the first phone of its
    first event to the last phone before the next word's (less any pause). A written word no event falls in
    ("12,5" read as one) sits, without duration, where the word before it ends."""
    phones = []
    marks = got.phonemes + [(total, "")]
    stresses = stresses_from_spelling([ipa for _, ipa in got.phonemes], spelled)
    for (sample, ipa), (next_sample, _), stress in zip(marks, marks[1:], stresses):
        converted = espeak_ipa_to_symbol(ipa)
        if converted is not None and next_sample > sample:
            phones.append(Phone(converted[0], sample / rate, next_sample / rate, max(converted[1], stress)))
    return PhoneTrack(TimingSource.ESPEAK, tuple(phones), _words(text, got.words, phones, total, rate, spans))


def _words(
    text: str,
    events: list[tuple[int, int, int]],
    phones: list[Phone],
    total: int,
    rate: int,
    spans: list[tuple[int, int]] | None = None,
) -> tuple[Word, ...]:
    spans = written_words(text) if spans is None else spans
    if not spans:
        return ()
    ends = spoken_ends(text, spans)
    starts = [p.start_s for p in phones]  # in order: each phone ends where the next begins
    # at a clause boundary espeak-ng sends two events for one word, one with a position from further back (or 0)
    furthest: dict[int, int] = {}
    for sample, position, _length in events:
        furthest[sample] = max(furthest.get(sample, 0), position)
    ordered = sorted(furthest.items())
    timed: dict[int, tuple[float, float]] = {}
    word = 0
    for k, (sample, position) in enumerate(ordered):
        if position > 0:  # espeak-ng counts characters from 1; words only advance
            word = max(word, word_at(ends, position - 1))
        until = (ordered[k + 1][0] if k + 1 < len(ordered) else total) / rate
        inside = phones[bisect.bisect_left(starts, sample / rate) : bisect.bisect_left(starts, until)]
        if inside:
            start = timed[word][0] if word in timed else inside[0].start_s
            timed[word] = (start, inside[-1].end_s)
    if not timed:
        return ()
    words, at = [], timed[min(timed)][0]
    for n, (start, end) in enumerate(spans):
        if n in timed:
            at = timed[n][1]
            words.append(Word(" ".join(text[start:end].split()), *timed[n]))
        else:
            words.append(Word(" ".join(text[start:end].split()), at, at))
    return tuple(words)


def stresses_from_spelling(phonemes: list[str], spelled: str) -> list[int]:
    """Each event phoneme's stress (0, 1 primary, 2 secondary), from the
    marks in front of it in the IPA spelling of the same text: phonemes are
    found in order, a few characters of slack at most (tone digits, word
    gaps); one not found keeps 0 and does not move the search."""
    stresses, cursor = [], 0
    for ipa in phonemes:
        core = ipa.strip()
        at = spelled.find(core, cursor, cursor + len(core) + 6) if core else -1
        if at < 0:
            stresses.append(0)
            continue
        before = spelled[cursor:at]
        stresses.append(1 if PRIMARY_STRESS in before else 2 if SECONDARY_STRESS in before else 0)
        cursor = at + len(core)
    return stresses


@functools.lru_cache(maxsize=1)
def espeak_library() -> EspeakLibrary | None:
    """The process's libespeak-ng, or None when it is not installed."""
    path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
    try:
        return EspeakLibrary(path)
    except OSError:
        return None
