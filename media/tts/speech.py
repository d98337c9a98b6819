"""Speech audio as the rest of the farm sees it, and the one way it is shaped.

Every voice's output is brought to ``SPEECH_SAMPLE_RATE``, its own silence
trimmed, its edges faded, and the same short silence put before and after.
So sentences from any engine concatenate without clicks and with natural,
even pauses, and a sentence's audio does not depend on which engine or cache
produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy.signal import resample_poly

from media.phonemes import PhoneTrack, TimingSource

#: The farm-wide speech rate. 24 kHz keeps all of speech's band, and is a
#: whole number of samples per frame at every common frame rate (10, 12, 15,
#: 16, 20, 24, 25, 30, 40, 48, 50, 60 fps), so segment joins fall on samples.
#: The MP4's AAC track is encoded at 48 kHz from it (see media.encode.mux).
SPEECH_SAMPLE_RATE = 24000

#: Silence before and after each sentence, in seconds. Two sentences in a row
#: are thus 0.35 s apart: a natural pause between sentences.
LEAD_SILENCE_S = 0.10
TAIL_SILENCE_S = 0.25
#: Audio quieter than this (relative to full scale) is silence when trimming.
SILENCE_THRESHOLD = 10 ** (-45 / 20)
#: Kept around the first/last audible sample when trimming, so soft consonants survive.
TRIM_MARGIN_S = 0.02
#: Fade at the trimmed edges; removes clicks where trimming cut mid-wave.
FADE_S = 0.005
#: Peak level every voice is normalised to (-0.9 dBFS leaves AAC headroom).
PEAK_LEVEL = 0.9

#: Everything that changes the samples above; part of the TTS cache key.
SHAPING = {
    "sample_rate": SPEECH_SAMPLE_RATE,
    "lead_s": LEAD_SILENCE_S,
    "tail_s": TAIL_SILENCE_S,
    "threshold": SILENCE_THRESHOLD,
    "margin_s": TRIM_MARGIN_S,
    "fade_s": FADE_S,
    "peak": PEAK_LEVEL,
}


class Cue(NamedTuple):
    """Where one sentence sits in a stretch of speech, in seconds; a plain
    ``(start_s, end_s, text)`` tuple, as ``write_captions`` takes."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Speech:
    """Mono float32 speech in [-1, 1]; ``cues`` tell where each sentence is,
    ``phones`` which sound is spoken when (times from the first sample)."""

    samples: np.ndarray
    sample_rate: int
    text: str
    cues: tuple[Cue, ...] = field(default=())
    phones: PhoneTrack = PhoneTrack(TimingSource.LOUDNESS)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def concatenate(parts: list[Speech]) -> Speech:
    """Sentences one after another; their cues and phones are shifted to where each lands."""
    if not parts:
        return Speech(np.zeros(0, np.float32), SPEECH_SAMPLE_RATE, "")
    rate = parts[0].sample_rate
    if any(p.sample_rate != rate for p in parts):
        raise ValueError("cannot concatenate speech at different sample rates")
    cues, tracks, offset = [], [], 0
    for part in parts:
        start = offset / rate
        inner = part.cues or (Cue(0.0, part.duration_s, part.text),)
        cues += [Cue(start + c.start_s, start + c.end_s, c.text) for c in inner]
        tracks.append((start, part.phones))
        offset += len(part.samples)
    samples = np.concatenate([p.samples for p in parts]).astype(np.float32)
    return Speech(samples, rate, " ".join(p.text for p in parts), tuple(cues), PhoneTrack.joined(tracks))


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> NDArray[np.float32]:
    if from_rate == to_rate:
        return np.asarray(samples, dtype=np.float32)
    divisor = gcd(int(from_rate), int(to_rate))
    out = resample_poly(np.asarray(samples, dtype=np.float64), to_rate // divisor, from_rate // divisor)
    resampled: NDArray[np.float32] = out.astype(np.float32)
    return resampled


def shape_speech(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """An engine's raw output → farm rate, trimmed, faded, normalised, padded.

    Silent or empty input gives just the lead and tail silence.
    """
    return _shape(samples, sample_rate)[0]


def shape_timed_speech(samples: np.ndarray, sample_rate: int, phones: PhoneTrack) -> tuple[np.ndarray, PhoneTrack]:
    """``shape_speech``, with the engine's phone timing carried along: moved
    by what trimming took and the lead silence added (resampling changes no
    time in seconds). A phone whose quiet sound was trimmed (a final "p"
    whose burst is below the silence threshold) stays, in the pause: the
    lips still close for it."""
    shaped, shift_s, kept_s = _shape(samples, sample_rate)
    if kept_s is None:
        return shaped, PhoneTrack(phones.source, note=phones.note)
    return shaped, phones.shifted(shift_s).clipped(0.0, len(shaped) / SPEECH_SAMPLE_RATE)


def _shape(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, float, tuple[float, float] | None]:
    """Shaped samples, how far the engine's times moved (s), and the span of
    kept sound in the result (s; None when there was none)."""
    margin = round(TRIM_MARGIN_S * SPEECH_SAMPLE_RATE)
    # Room for the margin even where the engine's audio starts or ends on a
    # sound, so the pause around the words is the same either way.
    audio = np.pad(resample(samples, sample_rate, SPEECH_SAMPLE_RATE), margin)
    lead = np.zeros(round(LEAD_SILENCE_S * SPEECH_SAMPLE_RATE), np.float32)
    tail = np.zeros(round(TAIL_SILENCE_S * SPEECH_SAMPLE_RATE), np.float32)
    loud = np.flatnonzero(np.abs(audio) > SILENCE_THRESHOLD)
    if loud.size == 0:
        return np.concatenate([lead, tail]), 0.0, None
    first = max(0, loud[0] - margin)
    voiced = audio[first : loud[-1] + 1 + margin].astype(np.float32)
    voiced *= PEAK_LEVEL / float(np.max(np.abs(voiced)))
    fade = min(round(FADE_S * SPEECH_SAMPLE_RATE), len(voiced) // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        voiced[:fade] *= ramp
        voiced[-fade:] *= ramp[::-1]
    shift_s = (len(lead) + margin - first) / SPEECH_SAMPLE_RATE
    kept_s = (len(lead) / SPEECH_SAMPLE_RATE, (len(lead) + len(voiced)) / SPEECH_SAMPLE_RATE)
    return np.concatenate([lead, voiced, tail]).astype(np.float32), shift_s, kept_s
