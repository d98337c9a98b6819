"""Speech audio to per-frame mouth controls: how open, how wide, and when at rest.

Everything is zero-phase (centred windows, symmetric smoothing), so the mouth
does not lag the voice. Levels are absolute (dBFS) rather than normalised per
clip, so that the sentences of one job, rendered separately, move the mouth
alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter1d

#: analysis hop and window, seconds
HOP_S = 0.010
WINDOW_S = 0.025
#: a pause at least this long holds the mouth exactly at rest
REST_AFTER_S = 0.300
#: the silence gate follows the clip's noise floor within these bounds (dBFS)
GATE_MIN_DB, GATE_MAX_DB, GATE_ABOVE_FLOOR_DB = -48.0, -36.0, 6.0
#: an RMS this loud opens the mouth fully (open = 1)
LOUD_DB = -10.0
OPEN_GAMMA = 1.0
MAX_OPEN = 1.6
#: vowel width from the spectrum's tilt: (high band / low band) energy in dB
LOW_BAND_HZ, HIGH_BAND_HZ = (250.0, 1000.0), (1800.0, 4000.0)
TILT_NEUTRAL_DB, TILT_SPAN_DB = -19.0, 8.0
#: Gaussian smoothing of the tracks: sigma = base + per_unit * smooth_motion
SMOOTH_BASE_S, SMOOTH_PER_UNIT_S = 0.010, 0.050


def frame_count(samples: int, sample_rate: int, fps: int) -> int:
    """Frames for this much audio: duration × fps rounded half up."""
    return int(math.floor(samples * fps / sample_rate + 0.5))


@dataclass(frozen=True)
class MouthTrack:
    open: np.ndarray  # float32 (n,), 0 = closed
    width: np.ndarray  # float32 (n,), -1 rounded .. +1 spread
    rest: np.ndarray  # bool (n,), frames inside a pause of REST_AFTER_S or more

    def shifted(self, frames: int) -> MouthTrack:
        """Frame i takes the controls of frame i + frames (a later sound, if positive)."""
        if frames == 0:
            return self
        return MouthTrack(
            shift_track(self.open, frames, 0.0),
            shift_track(self.width, frames, 0.0),
            shift_track(self.rest, frames, True),
        )


def shift_track(values: np.ndarray, frames: int, fill: float | str) -> np.ndarray:
    """Frame i takes the value of frame i + frames; frames shifted in from outside get ``fill``."""
    out = np.full_like(values, fill)
    if frames > 0:
        out[: len(values) - frames] = values[frames:]
    else:
        out[-frames:] = values[: len(values) + frames]
    return out


def level_db(audio: np.ndarray, sample_rate: int) -> NDArray[np.float64]:
    """RMS level in dBFS of a WINDOW_S window centred every HOP_S."""
    x = np.asarray(audio, dtype=np.float64)
    power = np.concatenate([[0.0], np.cumsum(x * x)])
    hops = max(1, int(math.ceil(len(x) / (sample_rate * HOP_S))))
    centres = (np.arange(hops) + 0.5) * HOP_S * sample_rate
    half = WINDOW_S * sample_rate / 2
    start = np.clip(np.round(centres - half).astype(np.int64), 0, len(x))
    stop = np.clip(np.round(centres + half).astype(np.int64), 0, len(x))
    energy = (power[stop] - power[start]) / np.maximum(stop - start, 1)
    levels: NDArray[np.float64] = 10.0 * np.log10(energy + 1e-12)
    return levels


def silence_gate_db(levels: np.ndarray) -> float:
    floor = float(np.percentile(levels, 10)) if len(levels) else GATE_MIN_DB
    return float(np.clip(floor + GATE_ABOVE_FLOOR_DB, GATE_MIN_DB, GATE_MAX_DB))


def pauses(levels: np.ndarray, gate_db: float, min_s: float = REST_AFTER_S) -> list[tuple[float, float]]:
    """(start_s, end_s) of every run of hops under the gate lasting min_s or more."""
    quiet = np.concatenate([[False], levels < gate_db, [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    spans = []
    for start, stop in zip(edges[::2], edges[1::2]):
        if (stop - start) * HOP_S >= min_s - 1e-9:
            spans.append((start * HOP_S, stop * HOP_S))
    return spans


def rest_frames(spans: list[tuple[float, float]], fps: int, n_frames: int) -> np.ndarray:
    """Frames lying wholly inside one of the pauses."""
    rest = np.zeros(n_frames, dtype=bool)
    for start_s, end_s in spans:
        first = math.ceil(start_s * fps - 1e-9)
        last = math.floor(end_s * fps + 1e-9)  # exclusive: frame last-1 ends at last/fps
        rest[max(first, 0) : max(min(last, n_frames), 0)] = True
    return rest


def spectral_tilt_db(audio: np.ndarray, sample_rate: int, hops: int) -> NDArray[np.float32]:
    """High-band over low-band energy (dB) per hop: high for "ee", low for "oo"."""
    n_fft = 1 << max(8, int(math.ceil(math.log2(WINDOW_S * sample_rate))))
    hop = HOP_S * sample_rate
    padded = np.pad(np.asarray(audio, dtype=np.float32), (n_fft // 2, n_fft))
    starts = np.round(np.arange(hops) * hop + hop / 2).astype(np.int64)  # window centred on the hop centre
    frames = padded[starts[:, None] + np.arange(n_fft)[None, :]] * np.hanning(n_fft).astype(np.float32)
    spectrum = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    low = spectrum[:, (freqs >= LOW_BAND_HZ[0]) & (freqs < LOW_BAND_HZ[1])].sum(axis=1)
    high = spectrum[:, (freqs >= HIGH_BAND_HZ[0]) & (freqs < HIGH_BAND_HZ[1])].sum(axis=1)
    tilt: NDArray[np.float32] = 10.0 * np.log10((high + 1e-12) / (low + 1e-12))
    return tilt


def mouth_track(
    audio: np.ndarray,
    sample_rate: int,
    fps: int,
    n_frames: int,
    *,
    dynamic_scale: float = 1.0,
    smooth_motion: float = 0.5,
) -> MouthTrack:
    """Per-frame mouth controls for this audio (exactly ``n_frames``)."""
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    levels = level_db(audio, sample_rate)
    gate = silence_gate_db(levels)
    loudness = np.clip((levels - gate) / (LOUD_DB - gate), 0.0, 1.0) ** OPEN_GAMMA
    tilt = spectral_tilt_db(audio, sample_rate, len(levels))
    width = np.clip((tilt - TILT_NEUTRAL_DB) / TILT_SPAN_DB, -1.0, 1.0) * np.minimum(1.0, 2.0 * loudness)

    sigma_hops = (SMOOTH_BASE_S + SMOOTH_PER_UNIT_S * smooth_motion) / HOP_S
    loudness = gaussian_filter1d(loudness, sigma_hops, mode="nearest")
    width = gaussian_filter1d(width, sigma_hops, mode="nearest")

    open_ = _per_frame(loudness, fps, n_frames) * dynamic_scale
    width_f = np.clip(_per_frame(width, fps, n_frames) * min(dynamic_scale, 1.0), -1.0, 1.0)
    rest = rest_frames(pauses(levels, gate), fps, n_frames)
    if dynamic_scale == 0.0:
        rest[:] = True
    open_ = np.where(rest, 0.0, np.minimum(open_, MAX_OPEN)).astype(np.float32)
    width_f = np.where(rest, 0.0, width_f).astype(np.float32)
    return MouthTrack(open=open_, width=width_f, rest=rest)


def _per_frame(track: np.ndarray, fps: int, n_frames: int) -> NDArray[np.float64]:
    """Mean of the hop track over each frame's interval (a box filter, centred)."""
    if n_frames == 0:
        return np.zeros(0)
    edges = np.arange(n_frames + 1) / fps / HOP_S  # frame edges, in hops
    cumulative = np.concatenate([[0.0], np.cumsum(track)])
    positions = np.clip(edges, 0, len(track))
    # Linear interpolation of the cumulative sum gives exact fractional-hop box means.
    area = np.interp(positions, np.arange(len(track) + 1), cumulative)
    span = np.maximum(np.diff(positions), 1e-9)
    means = np.diff(area) / span
    # Frames past the end of the audio (rounding) repeat the last value.
    beyond = np.diff(positions) <= 1e-9
    if beyond.any() and len(track):
        means[beyond] = track[-1]
    per_frame: NDArray[np.float64] = means
    return per_frame
