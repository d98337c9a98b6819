"""How audio samples and video frames line up.

The rule: a segment has ``n_frames = ceil(samples * fps / sr)`` frames (at
least one), and its audio is padded with silence to
``floor(n_frames * sr / fps)`` samples. So the video always covers the audio,
and the audio is never shorter than the video by a sample or more — exactly
equal whenever ``sr`` is a multiple of ``fps`` (always, at the farm's 24 kHz
and the usual frame rates). Segments padded this way concatenate with video
and audio still in step.
"""

from __future__ import annotations

import numpy as np


def frames_for(n_samples: int, sample_rate: int, fps: int) -> int:
    """Frames needed to show ``n_samples`` of audio (at least one)."""
    return max(1, -(-int(n_samples) * int(fps) // int(sample_rate)))


def samples_for(n_frames: int, sample_rate: int, fps: int) -> int:
    """Audio samples that ``n_frames`` of video span (rounded down)."""
    return int(n_frames) * int(sample_rate) // int(fps)


def pad_to_frames(samples: np.ndarray, sample_rate: int, fps: int) -> tuple[np.ndarray, int]:
    """``samples`` with trailing silence up to a whole number of frames, and that number."""
    n_frames = frames_for(len(samples), sample_rate, fps)
    target = samples_for(n_frames, sample_rate, fps)
    padded = np.zeros(target, dtype=np.float32)
    padded[: len(samples)] = samples
    return padded, n_frames
