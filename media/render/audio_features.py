"""Audio features that bring-your-own face models take, computed here with
numpy and scipy (no librosa, no Whisper at run time).

Two recipes, one per adapter kind:

- ``wav2lip_mel``: Wav2Lip's own normalised log-mel (its ``hparams.py``):
  80 bands, 16 kHz, hop 200 (80 frames per second), values in -4..4.
- ``log_mel``: the ``face_crop`` contract's features, Whisper's log-mel front
  end with a fixed floor: 80 Slaney mel bands of 0..8 kHz, 16 kHz audio,
  25 ms Hann window (400 samples), hop 10 ms (100 frames per second, frame
  ``k`` centred on sample ``160 k``), ``(max(log10(power), -8) + 4) / 4``,
  so silence is exactly -1 and a full-scale tone reaches about +1.6. Whisper
  floors at 8 below the clip's loudest value instead; a fixed floor keeps a
  frame's features independent of the rest of its segment. ``log_mel_windows``
  gives each video frame the ``steps`` frames centred on its middle.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import lfilter, resample_poly

SAMPLE_RATE = 16000
N_MELS = 80

# Wav2Lip's hparams.py
W2L_N_FFT, W2L_HOP = 800, 200
W2L_FMIN, W2L_FMAX = 55.0, 7600.0
W2L_PREEMPHASIS = 0.97
W2L_REF_LEVEL_DB, W2L_MIN_LEVEL_DB, W2L_MAX_ABS = 20.0, -100.0, 4.0
W2L_MEL_PER_SECOND = SAMPLE_RATE / W2L_HOP  # 80

# The face_crop contract (Whisper's front end, fixed floor)
LOG_MEL_N_FFT, LOG_MEL_HOP = 400, 160
LOG_MEL_PER_SECOND = SAMPLE_RATE / LOG_MEL_HOP  # 100
LOG_MEL_FLOOR = -8.0
#: the value of a silent frame, and of frames before the start or after the end of a segment
LOG_MEL_SILENCE = (LOG_MEL_FLOOR + 4.0) / 4.0


@lru_cache(maxsize=4)
def mel_filterbank(
    sample_rate: int = SAMPLE_RATE,
    n_fft: int = W2L_N_FFT,
    n_mels: int = N_MELS,
    fmin: float = W2L_FMIN,
    fmax: float = W2L_FMAX,
) -> np.ndarray:
    """Slaney-style mel filters, as librosa.filters.mel(htk=False, norm='slaney') builds them."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0

    def hz_to_mel(hz: Any) -> np.ndarray:
        f = np.asarray(hz, dtype=np.float64)
        mel: np.ndarray = np.where(
            f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-9) / min_log_hz) / logstep, f / f_sp
        )
        return mel

    def mel_to_hz(mel: Any) -> np.ndarray:
        m = np.asarray(mel, dtype=np.float64)
        hz: np.ndarray = np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)
        return hz

    fft_freqs = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    mel_freqs = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_freqs)
    ramps = mel_freqs[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_freqs[2 : n_mels + 2] - mel_freqs[:n_mels]))[:, None]
    filters: np.ndarray = weights.astype(np.float32)
    return filters


def resampled_to_16k(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float64).reshape(-1)
    if sample_rate != SAMPLE_RATE:
        g = math.gcd(int(sample_rate), SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // g, int(sample_rate) // g)
    return audio


def stft_magnitude(audio: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """|STFT| as librosa.stft(center=True) computes it: reflect-pad half a
    window, periodic Hann window of ``n_fft``; (1 + n_fft // 2, frames)."""
    padded = np.pad(audio, n_fft // 2, mode="reflect" if len(audio) > n_fft // 2 else "constant")
    count = 1 + max(0, (len(padded) - n_fft) // hop)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop][:count]
    window = np.hanning(n_fft + 1)[:-1]  # periodic Hann, as scipy.signal.get_window('hann')
    return np.abs(np.fft.rfft(frames * window, axis=1)).T


def wav2lip_mel(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Wav2Lip's normalised log-mel spectrogram, (80, frames) at 80 frames per second."""
    emphasised = lfilter([1.0, -W2L_PREEMPHASIS], [1.0], resampled_to_16k(audio, sample_rate))
    mel = mel_filterbank() @ stft_magnitude(emphasised, W2L_N_FFT, W2L_HOP)
    min_level = math.pow(10.0, W2L_MIN_LEVEL_DB / 20.0)
    db = 20.0 * np.log10(np.maximum(min_level, mel)) - W2L_REF_LEVEL_DB
    normalised = 2.0 * W2L_MAX_ABS * ((db - W2L_MIN_LEVEL_DB) / -W2L_MIN_LEVEL_DB) - W2L_MAX_ABS
    clipped: np.ndarray = np.clip(normalised, -W2L_MAX_ABS, W2L_MAX_ABS).astype(np.float32)
    return clipped


def wav2lip_mel_windows(mel: np.ndarray, fps: int, n_frames: int, shift_frames: int = 0, steps: int = 16) -> np.ndarray:
    """One ``steps``-long window per video frame, ``[n, 1, 80, steps]``, starting
    where Wav2Lip's inference starts it (``int(i * 80 / fps)``), clamped to the clip."""
    if mel.shape[1] < steps:
        mel = np.pad(mel, ((0, 0), (0, steps - mel.shape[1])), constant_values=-W2L_MAX_ABS)
    last = mel.shape[1] - steps
    starts = [min(max(int((i + shift_frames) * W2L_MEL_PER_SECOND / fps), 0), last) for i in range(n_frames)]
    if not n_frames:
        return np.zeros((0, 1, mel.shape[0], steps), np.float32)
    return np.stack([mel[:, s : s + steps] for s in starts])[:, None, :, :].astype(np.float32)


def log_mel(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The face_crop contract's log-mel, (80, frames) at 100 frames per second, -1..~1."""
    power = stft_magnitude(resampled_to_16k(audio, sample_rate), LOG_MEL_N_FFT, LOG_MEL_HOP) ** 2
    mel = mel_filterbank(SAMPLE_RATE, LOG_MEL_N_FFT, N_MELS, 0.0, SAMPLE_RATE / 2) @ power
    floored = np.maximum(np.log10(np.maximum(mel, 1e-10)), LOG_MEL_FLOOR)
    scaled: np.ndarray = ((floored + 4.0) / 4.0).astype(np.float32)
    return scaled


def log_mel_windows(mel: np.ndarray, fps: int, n_frames: int, steps: int, shift_frames: int = 0) -> np.ndarray:
    """``[n, 80, steps]``: for video frame ``i`` (shown from ``i / fps`` to
    ``(i + 1) / fps``), the ``steps`` log-mel frames centred on its middle,
    frames ``round((i + shift + 0.5) * 100 / fps) - steps // 2`` onwards.
    Frames outside the segment read as silence."""
    pad = steps + int(math.ceil(LOG_MEL_PER_SECOND / max(fps, 1))) * (abs(shift_frames) + 1)
    padded = np.pad(mel, ((0, 0), (pad, pad + steps)), constant_values=LOG_MEL_SILENCE)
    out = np.empty((n_frames, mel.shape[0], steps), np.float32)
    for i in range(n_frames):
        start = int(math.floor((i + shift_frames + 0.5) * LOG_MEL_PER_SECOND / fps + 0.5)) - steps // 2
        start = min(max(start + pad, 0), padded.shape[1] - steps)
        out[i] = padded[:, start : start + steps]
    return out
