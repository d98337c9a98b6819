"""The Wav2Lip adapter, for operators who bring a Wav2Lip-style ONNX model.

Such a model takes, per video frame, a mel-spectrogram window ``[N, 1, 80, 16]``
(0.2 s of 16 kHz audio, Wav2Lip's own feature recipe) and the face as
``[N, 6, 96, 96]``: the face with its lower half blanked, stacked on a
reference face; it returns the face with the lower half redrawn
``[N, 3, 96, 96]``, values in 0..1. Wav2Lip was trained on BGR frames (OpenCV);
the registry entry's ``options.channel_order`` says which order the model
wants. The redrawn face is pasted back with a feathered mask over its lower
part, so the seam does not show.

talkfarm bundles no such weights (Wav2Lip's are non-commercial); the operator
brings a file they hold a licence for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
from scipy.signal import lfilter, resample_poly

from media.render.speech import frame_count

FACE_SIDE = 96
MEL_STEPS = 16
# Wav2Lip's hparams.py
SAMPLE_RATE = 16000
N_FFT, HOP, WIN = 800, 200, 800
N_MELS, FMIN, FMAX = 80, 55.0, 7600.0
PREEMPHASIS = 0.97
REF_LEVEL_DB, MIN_LEVEL_DB, MAX_ABS = 20.0, -100.0, 4.0
MEL_PER_SECOND = SAMPLE_RATE / HOP  # 80
#: the face box is this much larger than the landmarks' box
BOX_GROWTH = 1.15
#: the pasted region: from this share of the box height down, feathered over FEATHER of the side
PASTE_FROM, FEATHER = 0.45, 0.08

Patch = tuple[int, int, np.ndarray]


@lru_cache(maxsize=4)
def mel_filterbank(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS,
                   fmin: float = FMIN, fmax: float = FMAX) -> np.ndarray:
    """Slaney-style mel filters, as librosa.filters.mel(htk=False, norm='slaney') builds them."""
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0

    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-9) / min_log_hz) / logstep, f / f_sp)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fft_freqs = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    mel_freqs = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_freqs)
    ramps = mel_freqs[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_freqs[2:n_mels + 2] - mel_freqs[:n_mels]))[:, None]
    return weights.astype(np.float32)


def wav2lip_mel(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Wav2Lip's normalised log-mel spectrogram, (80, frames) at 80 frames per second."""
    audio = np.asarray(audio, dtype=np.float64).reshape(-1)
    if sample_rate != SAMPLE_RATE:
        g = math.gcd(int(sample_rate), SAMPLE_RATE)
        audio = resample_poly(audio, SAMPLE_RATE // g, int(sample_rate) // g)
    emphasised = lfilter([1.0, -PREEMPHASIS], [1.0], audio)
    # librosa.stft(center=True): reflect-pad half a window, Hann window, hop 200.
    padded = np.pad(emphasised, N_FFT // 2, mode="reflect" if len(emphasised) > N_FFT // 2 else "constant")
    count = 1 + max(0, (len(padded) - N_FFT) // HOP)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:count]
    window = np.hanning(WIN + 1)[:-1]  # periodic Hann, as scipy.signal.get_window('hann')
    magnitude = np.abs(np.fft.rfft(frames * window, axis=1)).T
    mel = mel_filterbank() @ magnitude
    min_level = math.pow(10.0, MIN_LEVEL_DB / 20.0)
    db = 20.0 * np.log10(np.maximum(min_level, mel)) - REF_LEVEL_DB
    normalised = 2.0 * MAX_ABS * ((db - MIN_LEVEL_DB) / -MIN_LEVEL_DB) - MAX_ABS
    return np.clip(normalised, -MAX_ABS, MAX_ABS).astype(np.float32)


def mel_windows(mel: np.ndarray, fps: int, n_frames: int, shift_frames: int = 0) -> np.ndarray:
    """One 16-step window per video frame, ``[n, 1, 80, 16]``, starting where
    Wav2Lip's inference starts it (``int(i * 80 / fps)``), clamped to the clip."""
    if mel.shape[1] < MEL_STEPS:
        mel = np.pad(mel, ((0, 0), (0, MEL_STEPS - mel.shape[1])), constant_values=-MAX_ABS)
    last = mel.shape[1] - MEL_STEPS
    starts = [min(max(int((i + shift_frames) * MEL_PER_SECOND / fps), 0), last) for i in range(n_frames)]
    windows = np.stack([mel[:, s:s + MEL_STEPS] for s in starts]) if n_frames else np.zeros((0, N_MELS, MEL_STEPS), np.float32)
    return windows[:, None, :, :].astype(np.float32)


@dataclass(frozen=True)
class FaceBox:
    left: int  # canvas pixels
    top: int
    size: int
    face_input: np.ndarray  # float32 (6, 96, 96): masked face + reference, 0..1, model channel order
    paste_mask: np.ndarray  # float32 (size, size, 1)


class Wav2LipMouth:
    adapter = "wav2lip"

    def __init__(self, model: Any, key: str, channel_order: str = "bgr"):
        if channel_order not in ("bgr", "rgb"):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', not {channel_order!r}")
        self.model = model
        self.batch_key = (key, FACE_SIDE)
        self.channel_order = channel_order
        self.mel_input, self.face_input = _input_names(model)

    def locate(self, info, framing, canvas: np.ndarray) -> FaceBox:
        (x0, y0), (x1, y1) = framing.to_canvas([info.face_box[:2], info.face_box[2:]])
        side = int(round(BOX_GROWTH * max(x1 - x0, y1 - y0)))
        side = min(max(side, 8), canvas.shape[0])
        left = int(min(max(round((x0 + x1) / 2 - side / 2), 0), canvas.shape[1] - side))
        top = int(min(max(round((y0 + y1) / 2 - side / 2 + 0.04 * side), 0), canvas.shape[0] - side))
        face = cv2.resize(canvas[top:top + side, left:left + side, :3], (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_AREA)
        if self.channel_order == "bgr":
            face = face[..., ::-1]
        reference = face.astype(np.float32).transpose(2, 0, 1) / 255.0
        masked = reference.copy()
        masked[:, FACE_SIDE // 2:, :] = 0.0
        return FaceBox(left, top, side, np.concatenate([masked, reference]), _paste_mask(side))

    def mouth_box(self, box: FaceBox) -> tuple[int, int, int, int]:
        return box.left, box.top + int(PASTE_FROM * box.size), box.left + box.size, box.top + box.size

    def plan(self, box: FaceBox, audio: np.ndarray, sample_rate: int, params: dict, n_frames: int,
             shift_frames: int) -> np.ndarray:
        assert n_frames == frame_count(len(audio), sample_rate, params["fps"])
        if params["dynamic_scale"] == 0.0:
            return np.zeros((0,), np.float32)  # the mouth stays as in the portrait
        return mel_windows(wav2lip_mel(audio, sample_rate), params["fps"], n_frames, shift_frames)

    def draw(self, box: FaceBox, canvas: np.ndarray, mels: np.ndarray, frames: np.ndarray, runner) -> list[Patch | None]:
        if len(mels) == 0:
            return [None] * len(frames)
        faces = np.repeat(box.face_input[None], len(frames), axis=0)
        (out,) = runner.run(self.batch_key, self.model, {self.mel_input: mels[frames], self.face_input: faces})
        region = canvas[box.top:box.top + box.size, box.left:box.left + box.size, :3].astype(np.float32)
        patches: list[Patch | None] = []
        for face in out:
            rgb = np.clip(face.transpose(1, 2, 0) * 255.0, 0, 255).astype(np.float32)
            if self.channel_order == "bgr":
                rgb = rgb[..., ::-1]
            resized = cv2.resize(np.ascontiguousarray(rgb), (box.size, box.size), interpolation=cv2.INTER_LINEAR)
            blended = region + (resized - region) * box.paste_mask
            patches.append((box.left, box.top, np.clip(np.rint(blended), 0, 255).astype(np.uint8)))
        return patches


def _input_names(model: Any) -> tuple[str, str]:
    """(mel input, face input). Exports name them freely; tell them apart by
    their channel dimension (1 for the mel, 6 for the face), else by position
    as Wav2Lip's forward(audio_sequences, face_sequences) has them."""
    inputs = model.session.get_inputs()
    if len(inputs) != 2:
        raise ValueError(f"a Wav2Lip model takes 2 inputs (mel, face), this one takes {len(inputs)}")
    by_channels = {i.shape[1]: i.name for i in inputs if len(i.shape) == 4}
    if 1 in by_channels and 6 in by_channels:
        return by_channels[1], by_channels[6]
    return inputs[0].name, inputs[1].name


def _paste_mask(side: int) -> np.ndarray:
    """1 over the lower face, 0 above it and at the box's edges, feathered."""
    t = (np.arange(side, dtype=np.float32) + 0.5) / side
    feather = max(FEATHER, 1.0 / side)
    edges = np.clip(np.minimum(t, 1.0 - t) / feather, 0.0, 1.0)
    vertical = np.clip((t - PASTE_FROM) / feather, 0.0, 1.0) * edges
    return (vertical[:, None] * edges[None, :])[..., None].astype(np.float32)
