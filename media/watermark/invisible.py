"""Invisible watermark: a keyed 64-bit payload hidden in the luma of every frame.

Payload: 64 bits (48-bit job code, 16-bit tenant code) + CRC-16, coded by a
rate-1/3 constraint-length-7 convolutional code (258 coded bits, ``coding``),
spread with keyed signs over the data frequencies of one keyed tile
(``pattern``), beside a keyed pilot that the detector synchronises on.

Embedding adds the tile, repeated over the frame and the same in every frame,
times a per-frame strength map that follows what the eye forgives
(``masking``), to R, G and B alike: luma changes, colour does not. It costs
about a millisecond per 512² frame. A frame the worker converts to the
encoder's yuv420p itself gets the same offset on its luma plane alone
(``apply_to_luma``).

Detection decodes up to ``max_frames`` frames into stretches of a few frames,
re-finds the tile's period (undoing scaling) and offset (undoing cropping) on
their average, and also follows the pattern where a re-encoder's motion
compensation dragged it (``sync``). A payload is accepted only if the Viterbi
decode passes its CRC-16 and both the pilot's peak and the codeword's
correlation clear thresholds set from clean videos.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import av
import cv2
import numpy as np

from media.encode.yuv import Rect
from media.errors import MediaError
from media.watermark import coding
from media.watermark.masking import AmplitudeMaps, amplitude_map
from media.watermark.pattern import KeyedLayout, tile_side_for
from media.watermark.sync import (
    MAX_PERIOD_SHARE,
    TileReading,
    aligned,
    candidate_periods,
    fold,
    high_pass,
    line_power,
    locate,
    read_tile,
    soft_bits,
)

log = logging.getLogger(__name__)

#: Pilot peak, in standard deviations of what noise alone gives at one offset,
#: below which a reading is not accepted. The search takes the best of 16384
#: offsets, so noise alone peaks at about 4.5; what keeps false positives out is
#: the CRC together with MIN_CONFIDENCE.
MIN_SYNC_SCORE = 5.0
#: Best-synchronised readings of the average that are decoded; any that passes all checks wins.
DECODE_ATTEMPTS = 3
#: Correlation between the soft bits and the decoded codeword required to accept
#: it. Viterbi always finds some best codeword; read as the best of all its
#: readings, never-watermarked video and watermarked video under a wrong key
#: (farm and moving pictures, whole, cut, re-encoded, scaled, cropped) reached
#: mean 0.575, sd 0.010, max 0.62 over 300+ tries, so 0.68 is 10 sd clear of
#: the mean; in the robustness benchmark every payload that decoded scored 0.73 or more.
MIN_CONFIDENCE = 0.68
#: The period found is refined within ±3 steps of 0.1%.
PERIOD_REFINE_STEP, PERIOD_REFINE_STEPS = 0.001, 3
#: Frames averaged into one stretch for motion-compensated reading (0.2 s at 25 fps).
STRETCH_FRAMES = 5
#: Periods taken from the stretches' added spectra for motion-compensated reading.
MOVING_PERIOD_CANDIDATES = 3
#: A stretch counts towards the motion-compensated reading by how far its pilot
#: peak rises above this (clean stretches peak at about 4.5).
STRETCH_SYNC_FLOOR = 4.5
JOB_CODE_BITS = 48
TENANT_CODE_BITS = 16
#: Detection works on at most this many frames and on luma at most this many
#: pixels on its longer side (larger frames are area-averaged down as they are
#: decoded). The farm's tile scales with the frame (pattern.tile_side_for), so a
#: 2048² render read at 768² looks like a 768² render. Together these set a
#: memory ceiling that does not grow with the clip's resolution or length:
#: ``DETECT_MAX_FRAMES / STRETCH_FRAMES`` stretches of at most DETECT_MAX_SIDE².
DETECT_MAX_FRAMES = 100
DETECT_MAX_SIDE = 768
#: Frames whose header states more pixels than this are refused before any decode
#: (``clip_too_large``): a decoder holds a few whole frames, whatever we keep.
DETECT_MAX_FRAME_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class Payload:
    """What the watermark carries: a 48-bit per-job code and a 16-bit tenant code."""

    job_code: int
    tenant_code: int

    def __post_init__(self) -> None:
        if not 0 <= self.job_code < 1 << JOB_CODE_BITS:
            raise ValueError(f"job_code must fit in {JOB_CODE_BITS} bits")
        if not 0 <= self.tenant_code < 1 << TENANT_CODE_BITS:
            raise ValueError(f"tenant_code must fit in {TENANT_CODE_BITS} bits")

    def to_int(self) -> int:
        return (self.job_code << TENANT_CODE_BITS) | self.tenant_code

    @classmethod
    def from_int(cls, value: int) -> Payload:
        return cls(job_code=value >> TENANT_CODE_BITS, tenant_code=value & ((1 << TENANT_CODE_BITS) - 1))


@dataclass(frozen=True)
class Detection:
    """What ``detect`` read; ``payload`` is set only when ``found``."""

    found: bool
    payload: Payload | None
    #: Correlation of the soft bits with the decoded codeword, 0..1 (clean videos stay well below MIN_CONFIDENCE).
    confidence: float
    #: Pilot peak in standard deviations; how sure the tile's position is.
    sync_score: float = 0.0
    #: Tile period found, in pixels of the video as decoded.
    period: float | None = None
    frames_used: int = 0
    #: Which reading this is: [] for the plain average, else "motion-compensated" or "strongest stretch".
    notes: list[str] = field(default_factory=list)


class WatermarkEmbedder:
    """Adds one job's watermark to frames; build once per job, ``apply`` (or ``apply_to_luma``) per frame."""

    def __init__(self, pattern: np.ndarray, strength: float = 1.0):
        self._pattern = np.ascontiguousarray(pattern, dtype=np.float32)
        self._negated = -self._pattern
        self._strength = strength
        self._scaled: dict[float, tuple[np.ndarray, np.ndarray]] = {}
        self._maps = AmplitudeMaps(strength)
        self._signs: tuple[float, tuple[np.ndarray, np.ndarray]] | None = None

    def _check(self, frame: np.ndarray) -> None:
        if frame.shape[:2] != self._pattern.shape or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f"frame shape {frame.shape} does not match the embedder's {self._pattern.shape + (3,)}")

    def apply(self, frame: np.ndarray, frame_index: int = 0) -> np.ndarray:
        """A watermarked copy of ``frame`` (H, W, 3 uint8 RGB).

        The pattern is the same in every frame, so it cannot flicker; only its
        strength follows the picture (``masking.amplitude_map``), so a still
        picture gets a still watermark. ``frame_index`` is not used.
        """
        self._check(frame)
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        # Rounded to whole levels; the same offset on R, G and B changes luma only.
        # The offset's positive and negative parts, each as uint8 (saturated), added
        # and subtracted with saturation: the same result as adding the signed offset
        # and clipping, in half the time (OpenCV's mixed uint8 + int16 add is slow).
        amplitude = amplitude_map(frame, self._strength)
        up = cv2.multiply(amplitude, self._pattern, dtype=cv2.CV_8U)
        down = cv2.multiply(amplitude, self._negated, dtype=cv2.CV_8U)
        return cv2.subtract(cv2.add(frame, cv2.merge([up, up, up])), cv2.merge([down, down, down]))

    def _luma_pattern(self, levels: float) -> tuple[np.ndarray, np.ndarray]:
        """The pattern and its negation in luma levels (``levels`` per RGB level), made once per scale."""
        if levels not in self._scaled:
            scaled = self._pattern * np.float32(levels)
            self._scaled[levels] = (scaled, -scaled)
        return self._scaled[levels]

    def apply_to_luma(self, frame: np.ndarray, luma: np.ndarray, levels: float) -> None:
        """Add the watermark ``apply`` would add to ``frame`` (H, W, 3 uint8 RGB) straight to its luma plane
        ``luma`` (H, W uint8, changed in place), for a frame already converted to the encoder's yuv420p.

        ``apply`` adds the same offset to R, G and B, which moves luma alone, by the offset times ``levels``
        (luma levels per RGB level: 219/255 in the limited range); here that move is made on the one plane,
        so the detector reads the same pattern at the same strength, for a third of the work and no RGB
        copy. The strength map is the same (from ``frame``; computed again only where the frame changed since the
        last one given here, ``masking.AmplitudeMaps``, so give one stream's frames in order to one embedder); only
        the rounding differs (to whole luma levels instead of whole RGB levels), and luma never clips, where R, G or
        B alone could.
        """
        self._check(frame)
        if luma.shape != self._pattern.shape or luma.dtype != np.uint8:
            raise ValueError(
                f"luma plane {luma.shape} {luma.dtype} does not match the embedder's {self._pattern.shape}"
            )
        pattern, negated = self._luma_pattern(levels)
        amplitude = self._maps(np.ascontiguousarray(frame, dtype=np.uint8))
        cv2.add(luma, cv2.multiply(amplitude, pattern, dtype=cv2.CV_8U), dst=luma)
        cv2.subtract(luma, cv2.multiply(amplitude, negated, dtype=cv2.CV_8U), dst=luma)

    def apply_to_luma_in(
        self,
        frame: np.ndarray,
        clean: np.ndarray,
        luma: np.ndarray,
        levels: float,
        rects: list[Rect] | None,
    ) -> None:
        """``apply_to_luma`` for a stream whose frames change in parts: ``luma`` holds the last frame's marked
        plane and is brought up to date where it can differ — in ``rects`` (where ``frame`` differs from the
        last frame given here; None: anywhere) and where the strength map changed — from ``clean``, the
        frame's unmarked luma. The same plane ``apply_to_luma`` gives on ``clean``, for the changed parts'
        work: each pixel's mark depends on its own strength and pattern value only."""
        self._check(frame)
        if luma.shape != self._pattern.shape or clean.shape != luma.shape:
            raise ValueError(
                f"luma planes {clean.shape}, {luma.shape} do not match the embedder's {self._pattern.shape}"
            )
        amplitude = self._maps(np.ascontiguousarray(frame, dtype=np.uint8), rects)
        height, width = luma.shape
        changed = self._maps.changed
        regions = [(0, 0, width, height)] if rects is None or changed == (0, 0, width, height) else list(rects)
        if changed is not None and rects is not None:
            regions.append(changed)
        magnitude, negative = self._luma_pattern_signs(levels)
        # each pixel once (the rectangles overlap: the last and this frame's presenter, the map's changed part)
        for x0, y0, x1, y1 in _disjoint(regions):
            part = (slice(y0, y1), slice(x0, x1))
            # The step, round(amplitude × |pattern|) saturated, is what multiplying the amplitude (positive) by
            # the pattern where it is positive, or by its negation where it is negative, gives: rounding to even
            # is symmetric. Added where the pattern is positive; where it is negative, subtracted as
            # 255 - ((255 - clean) + step), both with saturation: clean - step, saturated, as apply_to_luma's
            # add and subtract give it. 255 - v is v ^ 255, so three passes over the part after the product.
            step = cv2.multiply(amplitude[part], magnitude[part], dtype=cv2.CV_8U)
            out, flip = luma[part], negative[part]
            cv2.bitwise_xor(clean[part], flip, dst=out)
            cv2.add(out, step, dst=out)
            cv2.bitwise_xor(out, flip, dst=out)

    def _luma_pattern_signs(self, levels: float) -> tuple[np.ndarray, np.ndarray]:
        """|pattern| in luma levels (float32), and where the pattern is negative (uint8: 255 there, else 0)."""
        if self._signs is None or self._signs[0] != levels:
            pattern, _ = self._luma_pattern(levels)
            self._signs = (levels, (np.abs(pattern), np.where(pattern < 0, 255, 0).astype(np.uint8)))
        return self._signs[1]


class InvisibleWatermark:
    """The farm's invisible watermark under one secret key."""

    def __init__(self, key: bytes | str, *, strength: float = 1.0):
        """``strength`` scales the perceptual amplitude (1.0 is the farm's; the PSNR budget still caps it)."""
        self._layout = KeyedLayout.from_key(key)
        self._strength = strength

    def pattern(self, payload: Payload, width: int, height: int) -> np.ndarray:
        """The keyed tile for this payload repeated over the frame: float32, unit RMS.

        Each frame gets this times its own amplitude map."""
        coded = coding.encode(coding.message_bits(payload.to_int()))
        side = tile_side_for(width, height)
        tile = self._layout.draw_tile(self._layout.spectrum_values(coded), side)
        reps = (-(-height // side), -(-width // side))
        return np.tile(tile, reps)[:height, :width].astype(np.float32)

    def embedder(self, payload: Payload, width: int, height: int, fps: float | None = None) -> WatermarkEmbedder:
        """``fps`` is accepted for the render loop's convenience; the pattern is the same in every frame."""
        return WatermarkEmbedder(self.pattern(payload, width, height), self._strength)

    def detect(
        self, video_path: str | Path, *, max_frames: int = DETECT_MAX_FRAMES, max_side: int | None = DETECT_MAX_SIDE
    ) -> Detection:
        """Read the payload from a video file; only its first ``max_frames`` frames are
        decoded, streaming, each brought down to ``max_side`` pixels at most.

        A file PyAV cannot decode as video raises ``MediaError("video_unreadable", …)``;
        frames larger than DETECT_MAX_FRAME_PIXELS raise ``MediaError("clip_too_large", …)``.
        """
        stretches, frames = luma_stretches(video_path, max_frames, STRETCH_FRAMES, max_side)
        if frames == 0:
            return Detection(found=False, payload=None, confidence=0.0, notes=["no decodable video frames"])
        detection = self.detect_in_stretches(stretches, frames_used=frames)
        if detection.found:
            return detection
        # a clip flipped left to right (a mirrored selfie-style repost) carries the pattern mirrored: read it back
        mirrored = self.detect_in_stretches([np.ascontiguousarray(s[:, ::-1]) for s in stretches], frames_used=frames)
        if not mirrored.found:
            return detection
        return replace(mirrored, notes=[*mirrored.notes, "read from the clip flipped left to right"])

    def detect_in_luma(self, luma: np.ndarray, *, frames_used: int = 1) -> Detection:
        """Read the payload from one picture (e.g. an average of frames)."""
        return self.detect_in_stretches([np.asarray(luma, dtype=np.float32)], frames_used=frames_used)

    def detect_in_stretches(self, stretches: list[np.ndarray], *, frames_used: int) -> Detection:
        """Read the payload from the mean luma of consecutive stretches of a video.

        The average of all of them is read first (best for the farm's nearly
        still portraits). Then each stretch is read on its own at the period
        found, and the stretches where the pilot stands out are moved onto one
        offset and added, weighted by how much it stands out: a re-encoder's
        motion compensation drags the pattern along with moving content, so
        the plain average smears it.
        """
        mean_residual = high_pass(np.mean(stretches, axis=0))
        shape = mean_residual.shape
        periods = candidate_periods(line_power(mean_residual), shape, self._layout)
        readings = [self._refine_period(mean_residual, p) for p in _with_doubles(periods, shape)]
        residuals = [high_pass(stretch) for stretch in stretches] if len(stretches) > 1 else []
        # Where the pattern moved, the average smears it and may hide even its
        # period; the stretches' spectra, added, show it wherever each found it.
        moving_periods: list[float] = []
        if residuals:
            moving_power = sum(line_power(r) for r in residuals)
            assert isinstance(moving_power, np.ndarray)  # a sum of spectra, not sum()'s empty 0
            moving_periods = _with_doubles(
                candidate_periods(moving_power, shape, self._layout, count=MOVING_PERIOD_CANDIDATES), shape
            )
        if not readings and not moving_periods:
            return Detection(
                found=False, payload=None, confidence=0.0, frames_used=frames_used, notes=["frame too small to search"]
            )
        readings.sort(key=lambda pair: pair[0].sync_score, reverse=True)
        decisions = [self._decide(reading, period, frames_used) for reading, period in readings[:DECODE_ATTEMPTS]]
        for period in _distinct([p for _, p in readings[:1]] + moving_periods):
            for reading, note in self._motion_compensated(residuals, period):
                decisions.append(self._decide(reading, period, frames_used, note=note))
        if not decisions:
            return Detection(
                found=False, payload=None, confidence=0.0, frames_used=frames_used, notes=["no tile period found"]
            )
        return max(decisions, key=lambda d: (d.found, d.confidence))

    def _refine_period(self, residual: np.ndarray, period: float) -> tuple[TileReading, float]:
        """The reading at the period near ``period`` where the pilot peaks highest.

        The search's grid is coarse for folding many copies (an error of 0.3 px
        over four copies already blurs the finest frequencies), so step finely
        around it and fit a parabola to the best three.
        """

        def read(p: float) -> tuple[TileReading, float]:
            return read_tile(fold(residual, p), self._layout), p

        steps = np.arange(-PERIOD_REFINE_STEPS, PERIOD_REFINE_STEPS + 1) * PERIOD_REFINE_STEP
        tried = [read(period * (1.0 + d)) for d in steps]
        scores = [reading.sync_score for reading, _ in tried]
        i = int(np.argmax(scores))
        best = tried[i]
        if 0 < i < len(tried) - 1:
            a, b, c = scores[i - 1], scores[i], scores[i + 1]
            denom = a - 2 * b + c
            if denom < 0:
                fitted = read(period * (1.0 + steps[i] + 0.5 * (a - c) / denom * PERIOD_REFINE_STEP))
                if fitted[0].sync_score > best[0].sync_score:
                    best = fitted
        return best

    def _motion_compensated(self, residuals: list[np.ndarray], period: float) -> list[tuple[TileReading, str]]:
        """The stretches' readings at ``period``, each moved onto offset zero and
        weighted by how far its pilot rises above what noise reaches, added;
        and the strongest stretch alone, which is better when the pattern was
        only whole for a moment (just after a key frame of a busy picture)."""
        total, weights, strongest, contributing = None, 0.0, None, 0
        for residual in residuals:
            reading = read_tile(fold(residual, period), self._layout)
            if strongest is None or reading.sync_score > strongest.sync_score:
                strongest = reading
            weight = reading.sync_score - STRETCH_SYNC_FLOOR
            if weight <= 0:
                continue
            part = weight * aligned(reading)
            total = part if total is None else total + part
            weights += weight * weight
            contributing += 1
        if total is None:
            return []
        assert strongest is not None  # set by the first residual, which total shows was read
        combined = [(locate(total / np.sqrt(weights), self._layout), "motion-compensated")]
        return combined + [(strongest, "strongest stretch")] if contributing > 1 else combined

    def _decide(self, reading: TileReading, period: float, frames_used: int, note: str | None = None) -> Detection:
        soft = soft_bits(reading, self._layout)
        bits = coding.viterbi_decode(soft)
        codeword = coding.encode(bits)
        norm = np.linalg.norm(soft) * np.sqrt(len(codeword))
        confidence = float(max(0.0, soft @ codeword / norm)) if norm > 0 else 0.0
        value = coding.check_message(bits)
        found = value is not None and reading.sync_score >= MIN_SYNC_SCORE and confidence >= MIN_CONFIDENCE
        return Detection(
            found=found,
            payload=Payload.from_int(value) if found and value is not None else None,
            confidence=confidence,
            sync_score=reading.sync_score,
            period=period,
            frames_used=frames_used,
            notes=[note] if note else [],
        )


def _disjoint(rects: list[Rect]) -> list[Rect]:
    """Rectangles that cover the pixels of ``rects`` (x0, y0, x1, y1) once each: the union cut into bands
    between the rectangles' top and bottom edges, each band's overlapping spans merged (and a span that
    continues the one of the band above joined to it)."""
    rects = [r for r in rects if r[2] > r[0] and r[3] > r[1]]
    edges = sorted({y for r in rects for y in (r[1], r[3])})
    out: list[Rect] = []
    for top, bottom in zip(edges, edges[1:]):
        spans: list[list[int]] = []
        for x0, _, x1, _ in sorted(r for r in rects if r[1] <= top and bottom <= r[3]):
            if spans and x0 <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], x1)
            else:
                spans.append([x0, x1])
        above = {(r[0], r[2]): i for i, r in enumerate(out) if r[3] == top}
        for x0, x1 in spans:
            i = above.get((x0, x1))
            if i is None:
                out.append((x0, top, x1, bottom))
            else:
                out[i] = (x0, out[i][1], x1, bottom)
    return out


def _with_doubles(periods: list[float], shape: tuple[int, int]) -> list[float]:
    """Each period, then twice it where that still fits: the tile's frequencies
    whose coordinates are both even also line up at half its period, so a busy
    picture can make the half period look best."""
    out = []
    for p in periods:
        out.append(p)
        if 2 * p <= MAX_PERIOD_SHARE * min(shape):
            out.append(2 * p)
    return _distinct(out)


def _distinct(periods: list[float], tolerance: float = 0.003) -> list[float]:
    """``periods`` in order, without any within ``tolerance`` (relative) of an earlier one."""
    kept: list[float] = []
    for p in periods:
        if all(abs(p - q) > tolerance * q for q in kept):
            kept.append(p)
    return kept


#: Pixel formats whose first plane is 8-bit luma, read as is rather than converted.
_LUMA_FIRST_FORMATS = frozenset(
    {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"}
)


def _luma(frame: av.VideoFrame) -> np.ndarray:
    """The frame's luma as uint8 (the decoder's own plane where it has one: no conversion)."""
    if frame.format.name in _LUMA_FIRST_FORMATS:
        plane = frame.planes[0]
        # memoryview: the plane is a buffer, but numpy's stubs (for Python 3.11) list only bytes-like types
        rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(plane.height, plane.line_size)
        return rows[:, : plane.width]
    return frame.to_ndarray(format="gray")


def _bounded(luma: np.ndarray, max_side: int | None) -> np.ndarray:
    """The luma as float32, area-averaged down so its longer side is at most ``max_side``."""
    h, w = luma.shape
    if max_side is not None and max(h, w) > max_side:
        scale = max_side / max(h, w)
        luma = cv2.resize(luma, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return luma.astype(np.float32)


def video_frame_size(video_path: str | Path) -> tuple[int, int]:
    """(width, height) the first video stream's header states, without decoding a frame."""
    try:
        with av.open(str(video_path)) as container:
            if not container.streams.video:
                raise MediaError("video_unreadable", "The file has no video stream.")
            context = container.streams.video[0].codec_context
            return int(context.width or 0), int(context.height or 0)
    except av.FFmpegError as exc:
        raise _undecodable(video_path, exc) from exc


def _undecodable(video_path: str | Path, exc: Exception) -> MediaError:
    """``video_unreadable`` in words of ours: FFmpeg's (an errno, the server's temporary path) go to the log."""
    log.warning("video %s does not decode: %s", video_path, exc)
    return MediaError(
        "video_unreadable",
        "The file does not decode as video: it is cut short, damaged or not a video. Send it as it was downloaded.",
    )


def luma_stretches(
    video_path: str | Path, max_frames: int, stretch: int, max_side: int | None = None
) -> tuple[list[np.ndarray], int]:
    """Mean luma (float32) of each run of ``stretch`` consecutive frames among
    the first ``max_frames`` decoded, and how many frames were used. With
    ``max_side``, each frame is brought down to it as it is decoded, so what is
    kept does not grow with the frame size."""
    width, height = video_frame_size(video_path)
    if width * height > DETECT_MAX_FRAME_PIXELS:
        raise MediaError(
            "clip_too_large",
            f"The clip's frames are {width}x{height}; at most {DETECT_MAX_FRAME_PIXELS} pixels a frame are read.",
        )
    stretches: list[np.ndarray] = []
    total, in_stretch, count = None, 0, 0
    try:
        with av.open(str(video_path)) as container:
            if not container.streams.video:
                raise MediaError("video_unreadable", "The file has no video stream.")
            stream = container.streams.video[0]
            # slice threads, not frame threads: frame threading holds a whole frame per thread in flight
            stream.thread_type = "SLICE"
            for frame in container.decode(stream):
                luma = _bounded(_luma(frame), max_side)
                total = luma if total is None else total + luma
                in_stretch += 1
                count += 1
                if in_stretch == stretch:
                    stretches.append(total / in_stretch)
                    total, in_stretch = None, 0
                if count >= max_frames:
                    break
    except av.FFmpegError as exc:
        raise _undecodable(video_path, exc) from exc
    # A short last run still counts unless a full one exists to carry it.
    if total is not None and (in_stretch * 2 >= stretch or not stretches):
        stretches.append(total / in_stretch)
    return stretches, count
