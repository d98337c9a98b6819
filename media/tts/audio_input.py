"""Narration a caller uploads instead of a script.

Decoded with PyAV (the FFmpeg libraries), so wav, mp3, m4a/aac, ogg/opus,
flac and anything else FFmpeg reads are accepted. ``probe_audio`` is what the
API runs on an upload; ``load_audio`` and ``split_at_silences`` are what the
worker runs to turn narration into segments.
"""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from media.encode.timing import frames_for, samples_for
from media.errors import MediaError
from media.tts.speech import SPEECH_SAMPLE_RATE

#: Analysis window and hop for finding pauses, in seconds.
_WINDOW_S = 0.03
_HOP_S = 0.01
#: A pause is at least this quiet below the loudest window...
_PAUSE_BELOW_PEAK_DB = 30.0
#: ...and at least this long, to count as a place to cut.
_MIN_PAUSE_S = 0.15
#: Decoded audio longer than the container says by at most this is codec padding.
_CODEC_PADDING_S = 0.05
#: what a refusal says of audio that opens but does not decode (FFmpeg's words stay on the error's __cause__)
UNDECODABLE = "The audio does not decode: the file is cut short or damaged."


class NotAudio(MediaError):
    """``asset_unreadable``: the bytes begin as no container FFmpeg knows (a PDF, a text), or hold no sound
    track. The API words it by what the upload was for ("Narration is audio …; this file is a PDF document")."""

    def __init__(self, detail: str = "The file is not audio (WAV, MP3, M4A, Ogg or FLAC).") -> None:
        super().__init__("asset_unreadable", detail)


def load_audio(source: Path | str | bytes, sample_rate: int | None = SPEECH_SAMPLE_RATE) -> tuple[np.ndarray, int]:
    """Mono float32 samples of the first audio stream, at ``sample_rate``
    (the farm's speech rate by default; None keeps the file's own rate)."""
    try:
        with _open(source) as container:
            stream = _audio_stream(container)
            rate = sample_rate or stream.codec_context.sample_rate or stream.rate
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            chunks = []
            for frame in container.decode(stream):
                chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
            stated_s = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None
    except av.FFmpegError as exc:
        raise MediaError("asset_unreadable", UNDECODABLE) from exc
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if stated_s is not None and 0 < len(samples) - stated_s * rate <= _CODEC_PADDING_S * rate:
        # PyAV hands over the encoder's end padding (AAC, Opus) that the
        # container's duration excludes; ffmpeg itself drops it, so do we.
        samples = samples[: round(stated_s * rate)]
    if samples.size == 0:
        raise MediaError("asset_unreadable", "The file has an audio stream but no sound could be decoded from it.")
    return np.clip(samples, -1.0, 1.0), int(rate)


def probe_audio(source: Path | str | bytes) -> float:
    """Duration in seconds of an uploaded audio file; ``NotAudio`` when it is
    no audio at all, ``asset_unreadable`` (422) when its audio does not decode.

    Uses the container's stated duration when it has one; otherwise (raw
    streams, some mp3s) decodes to count the samples.
    """
    try:
        with _open(source) as container:
            stream = _audio_stream(container)
            first = next(container.decode(stream), None)  # proves the codec actually decodes
            if first is None:
                raise MediaError("asset_unreadable", "The audio stream holds no decodable sound.")
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / av.time_base
            samples = first.samples + sum(frame.samples for frame in container.decode(stream))
            return samples / (first.sample_rate or stream.codec_context.sample_rate)
    except av.FFmpegError as exc:
        raise MediaError("asset_unreadable", UNDECODABLE) from exc


def split_at_silences(
    samples: np.ndarray, sample_rate: int, max_s: float = 25.0, min_s: float | None = None, fps: int | None = None
) -> list[tuple[int, int]]:
    """Cut narration into spans of at most ``max_s`` seconds, at its pauses.

    Returns ``(start, end)`` sample indices that cover the audio end to end,
    in order. Each cut is placed in the middle of the longest pause between
    ``min_s`` (default ``max_s * 0.4``) and ``max_s`` after the previous one;
    with no pause there, at the quietest moment. Deterministic.

    With ``fps``, cuts land on frame boundaries (``timing.samples_for``), so
    every span but the last is a whole number of frames and needs no padding:
    the video then lasts as long as the narration, not a frame more per span.
    """
    total = len(samples)
    max_len = int(max_s * sample_rate)
    if total <= max_len:
        return [(0, total)] if total else []
    min_len = int((max_s * 0.4 if min_s is None else min_s) * sample_rate)
    hop = max(1, int(_HOP_S * sample_rate))
    level_db = _window_levels_db(samples, sample_rate, hop)
    quiet = level_db < level_db.max() - _PAUSE_BELOW_PEAK_DB

    spans, start = [], 0
    while total - start > max_len:
        lo = (start + min_len) // hop
        hi = max(lo + 1, (start + max_len) // hop)
        cut = _best_cut(quiet[lo:hi], level_db[lo:hi], int(_MIN_PAUSE_S / _HOP_S))
        cut = min(max((lo + cut) * hop, start + 1), start + max_len)
        if fps:
            cut = _on_frame_boundary(cut, start, max_len, sample_rate, fps)
        spans.append((start, cut))
        start = cut
    spans.append((start, total))
    return spans


def _on_frame_boundary(cut: int, start: int, max_len: int, sample_rate: int, fps: int) -> int:
    """The frame boundary nearest ``cut`` that keeps the span non-empty and within ``max_len``."""
    nearest = samples_for(round(cut * fps / sample_rate), sample_rate, fps)
    if nearest <= start:
        nearest = samples_for(frames_for(start + 1, sample_rate, fps), sample_rate, fps)
    while nearest - start > max_len:
        nearest = samples_for(round(nearest * fps / sample_rate) - 1, sample_rate, fps)
    return nearest


def _window_levels_db(samples: np.ndarray, sample_rate: int, hop: int) -> NDArray[np.float64]:
    """RMS level of the window starting at each hop, in dB (full scale = 0)."""
    window = max(hop, int(_WINDOW_S * sample_rate))
    squared = np.concatenate([[0.0], np.cumsum(np.asarray(samples, np.float64) ** 2)])
    starts = np.arange(0, len(samples), hop)
    ends = np.minimum(starts + window, len(samples))
    power = (squared[ends] - squared[starts]) / np.maximum(ends - starts, 1)
    levels: NDArray[np.float64] = 10 * np.log10(power + 1e-12)
    return levels


def _best_cut(quiet: np.ndarray, level_db: np.ndarray, min_pause: int) -> int:
    """Index (within the window) of the middle of the longest pause; ties go
    to the later pause, which makes fuller segments."""
    best_start, best_len, run_start = -1, 0, None
    for index, is_quiet in enumerate(np.append(quiet, False)):
        if is_quiet and run_start is None:
            run_start = index
        elif not is_quiet and run_start is not None:
            if index - run_start >= best_len:
                best_start, best_len = run_start, index - run_start
            run_start = None
    if best_len >= min_pause:
        return best_start + best_len // 2
    latest_first = level_db[::-1]
    return len(level_db) - 1 - int(np.argmin(latest_first))  # the quietest moment, latest on ties


def _open(source: Path | str | bytes) -> av.container.InputContainer:
    try:
        return av.open(io.BytesIO(source) if isinstance(source, bytes) else str(source), mode="r")
    except av.FFmpegError as exc:  # no container FFmpeg knows begins these bytes
        raise NotAudio() from exc


def _audio_stream(container: av.container.InputContainer) -> av.AudioStream:
    if not container.streams.audio:
        raise NotAudio("The file holds no sound track.")
    return container.streams.audio[0]
