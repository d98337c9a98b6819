"""Text → speech, each sentence synthesised once for the whole farm.

The cache lives in the shared ``Storage`` under ``cache/tts/<sha256>.wav``
(16-bit PCM, ``SPEECH_SAMPLE_RATE``, already shaped), with the sentence's
phone timing beside it in ``<sha256>.phones.json``; an entry is whole only
with both (the sidecar is written first, so a WAV never stands without
its timing for long, and a WAV without one is a miss). The key covers the
text, the voice (engine version and the voice file's hash), the engine
settings and the shaping, so changing any of them misses instead of serving
stale audio. A hit reads one object and never loads the voice.

The cache is an optimisation, not a source of truth: an unreadable entry is
synthesised again and overwritten, and a failed write is logged. What a miss
returns is quantised exactly as a hit would read back, so a retried job gets
the same samples either way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import unicodedata

import numpy as np

from domain.errors import JobFailure
from media.encode.wav import quantize, read_wav, wav_bytes
from media.phonemes import PhoneTrack, TimingSource
from media.tts.engines import engine_for, engine_settings, voice_identity
from media.tts.japanese import needs_look_up, reading, readings_kept
from media.tts.script_check import check_characters, without_pictures
from media.tts.speech import SHAPING, SPEECH_SAMPLE_RATE, Speech, concatenate, shape_timed_speech
from media.tts.voices import VoiceRef, reads_by_dictionary
from storage.base import Storage, StorageError

log = logging.getLogger(__name__)

CACHE_PREFIX = "cache/tts/"
#: Bump when the synthesis code changes what it produces for the same inputs.
#: 2: phone timing sidecars; espeak-ng in-process (library, not the command).
CACHE_FORMAT = 2
PHONES_SUFFIX = ".phones.json"
#: how long a sentence of pictures alone ("🎉") lasts: a short pause, not silence of no length
PICTURES_ALONE_S = 0.3


def synthesize(text: str, voice: VoiceRef, storage: Storage | None = None, scope: str | None = None) -> Speech:
    """Speech for one sentence (or segment) of text, from the cache when it can be: the cache of ``scope`` (a
    tenant's id), so one tenant's speech is never another's. A shared cache told a tenant, by a job's speech time,
    whether another had already spoken a sentence: an embargoed script could be confirmed by guessing it."""
    check_characters(text)  # a lone surrogate would otherwise fail as internal_error, retried
    text = normalize_text(text)
    if not text:
        raise JobFailure("tts_failed", "nothing to say: the text is empty")
    # the voice says the text without its pictures (🔴 is not "red circle"); the text, as its cue, keeps them
    spoken = without_pictures(text)
    if not any(c.isalnum() for c in spoken):  # a sentence of emoji alone: a pause where it stands
        pause = np.zeros(int(PICTURES_ALONE_S * SPEECH_SAMPLE_RATE), np.float32)
        return Speech(pause, SPEECH_SAMPLE_RATE, text, phones=PhoneTrack(_source(voice)))
    with readings_kept():  # a Japanese sentence is cut into words once, for the refusal and for the voice
        if reads_by_dictionary(voice) and needs_look_up(spoken):
            # a script that reached the worker unchecked (past a batch's look-up bound): not "Chinese letter"
            unknown = reading(spoken).unknown
            if unknown:
                raise JobFailure(
                    "script_unreadable",
                    f"The Japanese voice has no reading for some words ({' '.join(unknown[:8])}): write them in kana, "
                    "or upload the script spoken, as a narration with this text as its transcript.",
                )
        key = cache_key(spoken, voice, scope)
        cached = _read_cache(storage, key) if storage is not None else None
        if cached is not None:
            return Speech(cached[0], SPEECH_SAMPLE_RATE, text, phones=cached[1])
        raw, rate, phones = engine_for(voice).speak(spoken)
    shaped, phones = shape_timed_speech(raw, rate, phones)
    samples, phones = quantize(shaped), PhoneTrack.from_dict(phones.to_dict())  # as a hit reads them back
    if storage is not None:
        _write_cache(storage, key, samples, phones)
    return Speech(samples, SPEECH_SAMPLE_RATE, text, phones=phones)


def _source(voice: VoiceRef) -> TimingSource:
    return TimingSource.PIPER if voice.engine == "piper" else TimingSource.ESPEAK


def synthesize_sentences(
    sentences: list[str], voice: VoiceRef, storage: Storage | None = None, scope: str | None = None
) -> Speech:
    """A segment's sentences one after another, each cached on its own (in ``scope``'s cache), with
    a cue per sentence (for captions and for the renderer's timing)."""
    return concatenate([synthesize(sentence, voice, storage, scope) for sentence in sentences])


def normalize_text(text: str) -> str:
    """The form a sentence is spoken and cached in: NFC, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cache_key(text: str, voice: VoiceRef, scope: str | None = None) -> str:
    """Where a sentence's speech is cached: by everything that shapes it, and by whose cache it is (``scope``)."""
    identity: dict[str, object] = {
        "format": CACHE_FORMAT,
        "text": normalize_text(text),
        "voice": voice_identity(voice),
        "engine_settings": engine_settings(voice),
        "shaping": SHAPING,
    }
    if scope is not None:
        identity["scope"] = scope
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return f"{CACHE_PREFIX}{digest.hexdigest()}.wav"


def phones_key(key: str) -> str:
    """The phone-timing sidecar of the cache entry ``key``."""
    return key.removesuffix(".wav") + PHONES_SUFFIX


def _read_cache(storage: Storage, key: str) -> tuple[np.ndarray, PhoneTrack] | None:
    try:
        data = storage.get_bytes(key)
        sidecar = storage.get_bytes(phones_key(key))
    except StorageError:
        return None  # not cached yet (or storage hiccup: synthesising is the safe fallback)
    try:
        samples, rate = read_wav(data)
        phones = PhoneTrack.from_dict(json.loads(sidecar))
    except ValueError:  # json's decode errors are ValueErrors too
        log.warning("tts cache entry %s is unreadable; synthesising again", key)
        return None
    if rate != SPEECH_SAMPLE_RATE:
        return None
    return samples, phones


def _write_cache(storage: Storage, key: str, samples: np.ndarray, phones: PhoneTrack) -> None:
    try:
        storage.put_bytes(
            phones_key(key),
            json.dumps(phones.to_dict(), ensure_ascii=False).encode("utf-8"),
            content_type="application/json",
        )
        storage.put_bytes(key, wav_bytes(samples, SPEECH_SAMPLE_RATE), content_type="audio/wav")
    except StorageError as exc:
        log.warning("could not store tts cache entry %s: %s", key, exc)
