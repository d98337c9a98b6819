"""Lip-sync quality measures, shared by the quality benchmark, the unit tests
and ``lip_sync_correction``.

Conventions: signals are per video frame; a positive offset means the video
is late (the mouth moves ``offset`` frames after the sound).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from media.render.loudness import level_db, pauses, rest_frames, silence_gate_db


def speech_envelope(audio: np.ndarray, sample_rate: int, fps: int, n_frames: int) -> np.ndarray:
    """RMS of the audio over each frame's interval (no smoothing)."""
    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    power = np.concatenate([[0.0], np.cumsum(x * x)])
    edges = np.clip(np.round(np.arange(n_frames + 1) * sample_rate / fps).astype(np.int64), 0, len(x))
    counts = np.maximum(np.diff(edges), 1)
    return np.sqrt(np.diff(power[edges]) / counts)


def pause_frames(audio: np.ndarray, sample_rate: int, fps: int, n_frames: int) -> np.ndarray:
    """Frames wholly inside pauses long enough that the mouth must be at rest."""
    levels = level_db(audio, sample_rate)
    return rest_frames(pauses(levels, silence_gate_db(levels)), fps, n_frames)


def mouth_activity(frames: Iterable[np.ndarray], reference: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Mean absolute difference from the still portrait inside the mouth box, per frame."""
    x0, y0, x1, y1 = box
    still = reference[y0:y1, x0:x1].astype(np.int16)
    return np.array([np.abs(f[y0:y1, x0:x1].astype(np.int16) - still).mean() for f in frames], dtype=np.float64)


def av_offset(video_signal: np.ndarray, audio_signal: np.ndarray, max_lag: int = 5) -> tuple[int, float]:
    """(lag, correlation) at the peak of the normalised cross-correlation.

    lag > 0: the video signal follows the audio by lag frames.
    """
    v = np.asarray(video_signal, dtype=np.float64)
    a = np.asarray(audio_signal, dtype=np.float64)
    n = min(len(v), len(a))
    v, a = v[:n] - v[:n].mean(), a[:n] - a[:n].mean()
    best_lag, best = 0, -math.inf
    for lag in range(-max_lag, max_lag + 1):
        if lag >= 0:
            vv, aa = v[lag:], a[: n - lag]
        else:
            vv, aa = v[: n + lag], a[-lag:]
        denom = math.sqrt(float((vv * vv).sum()) * float((aa * aa).sum()))
        corr = float((vv * aa).sum()) / denom if denom > 0 else 0.0
        # Prefer the smaller lag on ties, so a flat signal reads as in sync.
        if corr > best + 1e-12:
            best_lag, best = lag, corr
    return best_lag, (best if best > -math.inf else 0.0)


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio in dB over the masked pixels (inf when identical)."""
    diff = a.astype(np.float64) - b.astype(np.float64)
    if mask is not None:
        diff = diff[mask]
    mse = float((diff * diff).mean()) if diff.size else 0.0
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


@lru_cache(maxsize=4)
def synthetic_speech(
    sample_rate: int = 16000, seed: int = 7, pattern: tuple[tuple[float, float], ...] | None = None
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """A speech-like test signal: voiced syllables (a buzz through two formant
    resonances, rising and falling in loudness) separated by pauses.

    Returns the audio (read-only: cached) and the (start_s, end_s) of each syllable. The default
    pattern has syllables of 0.12–0.3 s, short gaps and two pauses ≥ 0.4 s.
    """
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    if pattern is None:
        pattern = (
            (0.20, 0.18),
            (0.10, 0.25),
            (0.08, 0.12),
            (0.10, 0.30),
            (0.55, 0.22),
            (0.09, 0.16),
            (0.10, 0.28),
            (0.45, 0.20),
            (0.12, 0.14),
            (0.08, 0.26),
            (0.30, 0.0),
        )
    total = sum(g + d for g, d in pattern)
    audio = np.zeros(int(total * sample_rate), dtype=np.float64)
    syllables, t = [], 0.0
    for gap, duration in pattern:
        t += gap
        if duration > 0:
            n = int(duration * sample_rate)
            f0 = 110 + 30 * rng.random()
            phase = np.cumsum(np.full(n, 2 * np.pi * f0 / sample_rate))
            buzz = np.sign(np.sin(phase)) * 0.5 + 0.05 * rng.standard_normal(n)
            for formant in (500 + 400 * rng.random(), 1200 + 1200 * rng.random()):
                r = math.exp(-math.pi * 120 / sample_rate)
                theta = 2 * math.pi * formant / sample_rate
                buzz = lfilter([1 - r], [1, -2 * r * math.cos(theta), r * r], buzz)
            shape = np.sin(np.linspace(0, np.pi, n)) ** 0.7
            start = int(t * sample_rate)
            audio[start : start + n] += buzz / (np.abs(buzz).max() + 1e-9) * 0.5 * shape
            syllables.append((t, t + duration))
        t += duration
    audio = audio.astype(np.float32)
    audio.setflags(write=False)
    return audio, syllables
