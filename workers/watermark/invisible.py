"""Invisible watermark: a keyed 64-bit payload hidden in the luma of every frame.

Embedding adds one precomputed pattern (the keyed tile, repeated) to R, G and B
alike, which changes luma only and leaves colour alone; it costs one add and
one clip per frame. Detection averages the luma of up to ``max_frames``
decoded frames, re-finds the tile's period and offset (so scaling and cropping
are undone), reads the coded bits, and accepts a payload only if the Viterbi
decode passes its CRC-16 and both the pilot's peak and the codeword's
correlation clear thresholds set from clean videos.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from domain.errors import ProblemError
from workers.watermark import coding
from workers.watermark.pattern import KeyedLayout, tile_side_for
from workers.watermark.sync import candidate_periods, fold, high_pass, read_tile

#: Pattern RMS in 8-bit luma levels; PSNR ≈ 20·log10(255/RMS) ≈ 40.5 dB (less where frames clip).
STRENGTH = 2.4
#: Pilot peak (over the spread noise alone would give) below which no payload is
#: accepted. Clean videos reach about 7 (the search picks their best peak), so
#: what keeps false positives out is the CRC together with MIN_CONFIDENCE.
MIN_SYNC_SCORE = 5.0
#: Best-synchronised readings that are decoded; any that passes all checks wins.
DECODE_ATTEMPTS = 3
#: Correlation between the soft bits and the decoded codeword required to accept
#: it. Noise decodes to about 0.55 (Viterbi always finds some best codeword);
#: clean videos stayed below 0.62, watermarked ones that decode sit at 0.75-0.92.
MIN_CONFIDENCE = 0.68
JOB_CODE_BITS = 48
TENANT_CODE_BITS = 16


@dataclass(frozen=True)
class Payload:
    """What the watermark carries: a 48-bit per-job code and a 16-bit tenant code."""

    job_code: int
    tenant_code: int

    def __post_init__(self):
        if not 0 <= self.job_code < 1 << JOB_CODE_BITS:
            raise ValueError(f"job_code must fit in {JOB_CODE_BITS} bits")
        if not 0 <= self.tenant_code < 1 << TENANT_CODE_BITS:
            raise ValueError(f"tenant_code must fit in {TENANT_CODE_BITS} bits")

    def to_int(self) -> int:
        return (self.job_code << TENANT_CODE_BITS) | self.tenant_code

    @classmethod
    def from_int(cls, value: int) -> "Payload":
        return cls(job_code=value >> TENANT_CODE_BITS, tenant_code=value & ((1 << TENANT_CODE_BITS) - 1))


@dataclass(frozen=True)
class Detection:
    found: bool
    payload: Payload | None
    #: Correlation of the soft bits with the decoded codeword, 0..1 (clean videos stay well below MIN_CONFIDENCE).
    confidence: float
    #: Pilot peak in standard deviations; how sure the tile's position is.
    sync_score: float = 0.0
    #: Tile period found, in pixels of the video as decoded.
    period: float | None = None
    frames_used: int = 0
    notes: list[str] = field(default_factory=list)


class WatermarkEmbedder:
    """Adds one job's watermark to frames; build once per job, ``apply`` per frame."""

    def __init__(self, pattern: np.ndarray):
        self._delta = pattern[:, :, None]  # int16, broadcast over R, G, B
        self._buffer = np.empty(pattern.shape + (3,), dtype=np.int16)

    def apply(self, frame: np.ndarray, frame_index: int = 0) -> np.ndarray:
        """A watermarked copy of ``frame`` (H, W, 3 uint8 RGB). The pattern does not
        depend on ``frame_index``: it is static so it cannot flicker."""
        if frame.shape != self._buffer.shape:
            raise ValueError(f"frame shape {frame.shape} does not match the embedder's {self._buffer.shape}")
        np.add(frame, self._delta, out=self._buffer, dtype=np.int16)
        np.clip(self._buffer, 0, 255, out=self._buffer)
        return self._buffer.astype(np.uint8)


class InvisibleWatermark:
    """The farm's invisible watermark under one secret key."""

    def __init__(self, key: bytes | str, *, strength: float = STRENGTH):
        self._layout = KeyedLayout.from_key(key)
        self._strength = strength

    def pattern(self, payload: Payload, width: int, height: int) -> np.ndarray:
        """The int16 luma offset added to every frame of this size."""
        coded = coding.encode(coding.message_bits(payload.to_int()))
        side = tile_side_for(width, height)
        tile = self._layout.draw_tile(self._layout.spectrum_values(coded), side)
        reps = (-(-height // side), -(-width // side))
        full = np.tile(tile, reps)[:height, :width]
        return np.rint(full * self._strength).astype(np.int16)

    def embedder(self, payload: Payload, width: int, height: int, fps: float | None = None) -> WatermarkEmbedder:
        """``fps`` is accepted for the render loop's convenience; the pattern is the same in every frame."""
        return WatermarkEmbedder(self.pattern(payload, width, height))

    def detect(self, video_path: str | Path, *, max_frames: int = 250) -> Detection:
        """Read the payload from a video file; only its first ``max_frames`` frames are decoded.

        A file PyAV cannot decode as video raises ``ProblemError("video_unreadable", …, 422)``.
        """
        luma, frames = average_luma(video_path, max_frames)
        if frames == 0:
            return Detection(found=False, payload=None, confidence=0.0, notes=["no decodable video frames"])
        return self.detect_in_luma(luma, frames_used=frames)

    def detect_in_luma(self, luma: np.ndarray, *, frames_used: int = 1) -> Detection:
        residual = high_pass(luma)
        readings = [(read_tile(fold(residual, p), self._layout), p)
                    for p in _refined(candidate_periods(residual, self._layout))]
        if not readings:
            return Detection(found=False, payload=None, confidence=0.0, frames_used=frames_used,
                             notes=["frame too small to search"])
        readings.sort(key=lambda pair: pair[0].sync_score, reverse=True)
        decisions = [self._decide(reading, period, frames_used) for reading, period in readings[:DECODE_ATTEMPTS]]
        return next((d for d in decisions if d.found), decisions[0])

    def _decide(self, reading, period: float, frames_used: int) -> Detection:
        soft = reading.soft_bits
        bits = coding.viterbi_decode(soft)
        codeword = coding.encode(bits)
        norm = np.linalg.norm(soft) * np.sqrt(len(codeword))
        confidence = float(max(0.0, soft @ codeword / norm)) if norm > 0 else 0.0
        value = coding.check_message(bits)
        found = value is not None and reading.sync_score >= MIN_SYNC_SCORE and confidence >= MIN_CONFIDENCE
        return Detection(
            found=found,
            payload=Payload.from_int(value) if found else None,
            confidence=confidence,
            sync_score=reading.sync_score,
            period=period,
            frames_used=frames_used,
        )


def _refined(periods: list[float]) -> list[float]:
    """Each candidate and its close neighbours: folding four copies tolerates ~0.3 px of period error."""
    out = []
    for p in periods:
        out.extend(p * (1.0 + d) for d in (0.0, -0.002, 0.002))
    return out


def average_luma(video_path: str | Path, max_frames: int) -> tuple[np.ndarray, int]:
    """Mean luma (float64) over the first ``max_frames`` decoded frames, and how many were used."""
    total = None
    count = 0
    try:
        with av.open(str(video_path)) as container:
            if not container.streams.video:
                raise ProblemError("video_unreadable", "The file has no video stream.", 422)
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                luma = frame.to_ndarray(format="gray").astype(np.float64)
                total = luma if total is None else total + luma
                count += 1
                if count >= max_frames:
                    break
    except av.FFmpegError as exc:
        raise ProblemError("video_unreadable", f"The file cannot be decoded as video: {exc}", 422) from exc
    if total is None:
        return np.zeros((0, 0)), 0
    return total / count, count
