"""A job's sound track brought to one loudness: a target integrated loudness under a true-peak ceiling.

Speech arrives peak-normalised, sentence by sentence (``media.tts``), and a
narration as it was uploaded, so jobs landed anywhere from -18 to -26 LUFS and
music on top pushed the true peak to about 0 dBTP, which clips once a platform
transcodes. Here the job's whole WAV, made once before any encode, is
levelled, so every cut and every format (AAC, Opus, PCM), drafts and finals
alike, carries the same samples.

Measured as ITU-R BS.1770-4 and EBU R128 have it: K-weighting, 400 ms blocks
every 100 ms, an absolute gate at -70 LUFS and a relative one 10 LU below the
blocks it let through; a clip shorter than one block is measured whole as one.
The true peak is the largest magnitude of the signal oversampled to at least
192 kHz (BS.1770's 4x of 48 kHz; 8x of the farm's 24 kHz).

Levelled by one gain over the whole track, never one that rides the level
(ffmpeg's ``loudnorm`` in its dynamic mode would): the speech's dynamics and
the music's ducking depth stay as mixed. Where that gain would take the true
peak past the ceiling, a look-ahead limiter takes the peaks down instead of
the gain giving up loudness; what the limiter costs in loudness is given back
to the gain, a few rounds, until the track measures the target.

The ceiling is the delivered file's, and AAC and Opus overshoot the samples
they are given: the limiter holds the peaks ``ENCODER_MARGIN_DB`` under it, and
``normalise_wav`` encodes the track as it will be delivered, reads the encoded
file's true peak back, and limits harder where the encoder still took it over.
The gain never exceeds ``MAX_GAIN_DB``, and a silent track (nothing over the
absolute gate) is left as it is.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.signal import lfilter, resample_poly

from media.encode.ffmpeg_binary import QUIET, encode_failure, ffmpeg_exe, run_ffmpeg
from media.encode.mux import OUTPUT_SAMPLE_RATE
from media.encode.wav import read_wav, write_wav

#: the web's level (the major platforms normalise speech to about this) and its true-peak ceiling; EBU R128
#: broadcast is -23 LUFS under -1 dBTP
DEFAULT_TARGET_LUFS = -16.0
DEFAULT_CEILING_DBTP = -1.0
#: the most a track is raised: a near-silent narration is brought up this far and no further (its noise with it)
MAX_GAIN_DB = 20.0
#: how far under the ceiling the limiter first holds the samples, for the encoders' overshoot: AAC and Opus at
#: 96 kbit/s added 0.1 to 0.7 dB to limited speech and music (0.5 left a minute of speech's AAC over the ceiling,
#: encoded three times); a hard-edged sound (a square wave, a tone switched on and off) gets up to 5 dB from AAC,
#: which ``normalise_wav`` finds in the encoded file and limits again for
ENCODER_MARGIN_DB = 1.0
#: the encoded file's true peak is held this far under the ceiling (ffmpeg's ebur128 reads it within a tenth)
ENCODED_SLACK_DB = 0.2
#: rounds of level, encode and read back at most, and how much further under the ceiling the next round limits:
#: after the first, at most ``FIRST_MARGIN_STEP_DB``, since ffmpeg's AAC encoder (its default two-loop coder) can
#: turn a frame of speech and music held at -1.5 dBTP into one at +2.7, and 0.1 dB lower does not: taking the whole
#: 4 dB off would limit the track for a glitch; after the next, the whole excess (at least ``MIN_MARGIN_STEP_DB``),
#: as a steady overshoot needs (AAC adds 5 dB to a square wave)
ENCODE_ROUNDS = 5
FIRST_MARGIN_STEP_DB, MIN_MARGIN_STEP_DB = 0.5, 0.1
#: a WebM's sound as ``media.compose.join_and_mux`` encodes it
OPUS_OPTIONS = ("-c:a", "libopus", "-b:a", "96k", "-ar", str(OUTPUT_SAMPLE_RATE))
#: encoded files are read back at the rate the farm delivers
DECODE_RATE = OUTPUT_SAMPLE_RATE
#: the limiter's gain moves at most this fast: into a peak (starting that much ahead of it, the look-ahead) and
#: back out of it after (6 dB of reduction let go in 100 ms)
ATTACK_DB_PER_MS = 1.0
RELEASE_DB_PER_MS = 0.06
#: rounds of gain, limit and measure; the track is done when it measures within ``TOLERANCE_LU`` of the target
ROUNDS = 8
TOLERANCE_LU = 0.05
#: a raise that gains less than this share of itself in loudness is not worth another: the limiter takes the rest
#: (noise, or a target past what the ceiling allows)
MIN_SLOPE = 0.1

#: BS.1770's gating: 400 ms blocks overlapping by 75 %, the absolute gate and the relative gate's distance
BLOCK_S, STEP_S = 0.4, 0.1
ABSOLUTE_GATE_LUFS, RELATIVE_GATE_LU = -70.0, -10.0
#: the true peak is read from the signal oversampled to at least this rate
TRUE_PEAK_RATE = 192000
#: samples oversampled at a time (a 20-minute narration is 230 M samples at 192 kHz), with context on each side
_CHUNK, _CONTEXT = 1 << 16, 64

Samples = NDArray[np.float32]


@dataclass(frozen=True)
class Levelled:
    """What ``normalise`` did: the track's integrated loudness (LUFS) and true peak (dBTP) before and after, the
    gain it applied and the most the limiter took off a peak (dB)."""

    before_lufs: float
    before_dbtp: float
    after_lufs: float
    after_dbtp: float
    gain_db: float
    limited_db: float
    #: the true peak of the track as ``normalise_wav``'s ``encode`` delivers it, when it was given one, and how many
    #: times it was encoded to get it under the ceiling
    delivered_dbtp: float | None = None
    encodes: int = 0


def _k_weighting(rate: int) -> tuple[tuple[NDArray[np.float64], NDArray[np.float64]], ...]:
    """BS.1770's two K-weighting stages (a high shelf, then a high pass) as biquads for ``rate``: its 48 kHz
    coefficients designed again for any rate, as libebur128 does."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (
        np.array([(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]),
        np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]),
    )
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    high_pass = (np.array([1.0, -2.0, 1.0]), np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]))
    return shelf, high_pass


def _block_powers(samples: Samples, rate: int) -> NDArray[np.float64]:
    """The mean square of the K-weighted signal in each gating block (one block of the whole clip when it is
    shorter than a block; none when it is empty). Filtered a piece at a time, keeping only the running energy at
    the blocks' edges: a 20-minute narration is not held again in 64 bits."""
    n = len(samples)
    if not n:
        return np.zeros(0)
    length = min(n, round(BLOCK_S * rate))
    starts = np.round(np.arange(0, n - length + 1, STEP_S * rate)).astype(np.int64)
    starts = starts[starts + length <= n]
    edges = np.concatenate([starts, starts + length])  # energy[i]: the sum of the first i squared samples
    energy_at = np.zeros(len(edges))
    stages = [(b, a, np.zeros(2)) for b, a in _k_weighting(rate)]
    carried = 0.0
    for start in range(0, n, _CHUNK):
        piece = np.asarray(samples[start : start + _CHUNK], dtype=np.float64)
        for index, (b, a, state) in enumerate(stages):
            piece, state = lfilter(b, a, piece, zi=state)
            stages[index] = (b, a, state)
        running = carried + np.cumsum(piece * piece)
        inside = (edges > start) & (edges <= start + len(piece))
        energy_at[inside] = running[edges[inside] - start - 1]
        carried = float(running[-1])
    powers: NDArray[np.float64] = (energy_at[len(starts) :] - energy_at[: len(starts)]) / length
    return powers


def _lufs(power: float | NDArray[np.float64]) -> NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return np.asarray(-0.691 + 10 * np.log10(power), dtype=np.float64)


def integrated_loudness(samples: Samples, rate: int) -> float:
    """The clip's integrated loudness (LUFS, BS.1770-4 gated); ``-inf`` when nothing passes the absolute gate."""
    powers = _block_powers(samples, rate)
    powers = powers[_lufs(powers) > ABSOLUTE_GATE_LUFS]
    if not len(powers):
        return -math.inf
    relative = float(_lufs(float(powers.mean()))) + RELATIVE_GATE_LU
    powers = powers[_lufs(powers) > relative]
    return float(_lufs(float(powers.mean())))


def _peak_envelope(samples: Samples, rate: int) -> Samples:
    """Per sample, the largest magnitude the oversampled signal reaches within one sample's time of it: the
    true peak around each sample, which the limiter keeps under its ceiling. Oversampled a piece at a time."""
    factor = max(1, math.ceil(TRUE_PEAK_RATE / rate))
    x = np.asarray(samples, dtype=np.float32)
    n = len(x)
    envelope = np.abs(x)
    if factor == 1:
        return envelope
    previous = np.float32(0.0)  # the peak between the last sample of the piece before and the first of this one
    for start in range(0, n, _CHUNK):
        end = min(n, start + _CHUNK)
        lo, hi = max(0, start - _CONTEXT), min(n, end + _CONTEXT)
        piece = np.pad(x[lo:hi], (_CONTEXT - (start - lo), _CONTEXT - (hi - end)))
        dense = resample_poly(piece, factor, 1)[_CONTEXT * factor : (_CONTEXT + end - start) * factor]
        between = np.abs(dense).reshape(end - start, factor).max(axis=1)  # from each sample to the next
        around = np.maximum(between, np.concatenate([[previous], between[:-1]]))
        np.maximum(envelope[start:end], around, out=envelope[start:end])
        previous = between[-1]
    return envelope


def true_peak(samples: Samples, rate: int) -> float:
    """The clip's true peak in dBTP (``-inf`` for digital silence)."""
    peak = float(_peak_envelope(samples, rate).max(initial=0.0))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _limiter_reduction(envelope: Samples, rate: int, ceiling: float) -> Samples:
    """Per sample, the dB the limiter takes off so that ``envelope`` stays under ``ceiling``: worked out per
    millisecond, ramped in ahead of each peak at ``ATTACK_DB_PER_MS`` and let go after it at ``RELEASE_DB_PER_MS``
    (both max-plus sweeps, one forward and one back, so no sample loop), then drawn back to the samples between
    each millisecond and the larger of its neighbours, never under what any sample needs."""
    n = len(envelope)
    block = max(1, rate // 1000)
    blocks = -(-n // block)
    loudest = np.pad(envelope, (0, blocks * block - n)).reshape(blocks, block).max(axis=1).astype(np.float64)
    need = np.maximum(0.0, 20 * np.log10(np.maximum(loudest, 1e-12) / ceiling))
    if not need.any():
        return np.zeros(n, dtype=np.float32)
    ms = np.arange(blocks, dtype=np.float64) * (block * 1000 / rate)
    released = np.maximum.accumulate(need + RELEASE_DB_PER_MS * ms) - RELEASE_DB_PER_MS * ms
    ahead = np.maximum.accumulate((released - ATTACK_DB_PER_MS * ms)[::-1])[::-1] + ATTACK_DB_PER_MS * ms
    ahead = np.maximum(ahead, np.maximum(np.roll(ahead, 1), np.roll(ahead, -1)))  # safe to interpolate
    centres = (np.arange(blocks) + 0.5) * block - 0.5
    reduction = np.empty(n, dtype=np.float32)
    for start in range(0, n, _CHUNK):  # a piece at a time: np.interp works in 64 bits
        reduction[start : start + _CHUNK] = np.interp(np.arange(start, min(n, start + _CHUNK)), centres, ahead)
    return reduction


def _gained(samples: Samples, envelope: Samples, rate: int, gain_db: float, ceiling: float) -> tuple[Samples, float]:
    """The samples raised by ``gain_db`` and limited under ``ceiling``; and the most the limiter took off."""
    gain = 10 ** (gain_db / 20)
    reduction = _limiter_reduction(envelope * np.float32(gain), rate, ceiling)
    out: Samples = samples * (np.float32(gain) * np.power(np.float32(10), reduction / np.float32(-20)))
    return out, float(reduction.max(initial=0.0))


def normalise(
    samples: Samples,
    rate: int,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    ceiling_dbtp: float = DEFAULT_CEILING_DBTP,
    margin_db: float = ENCODER_MARGIN_DB,
) -> tuple[Samples, Levelled]:
    """The samples at ``target_lufs`` integrated, their true peak ``margin_db`` under ``ceiling_dbtp``: one gain
    and the look-ahead limiter, the gain corrected for what the limiter took until the loudness is on target
    (within ``TOLERANCE_LU``), the gain at most ``MAX_GAIN_DB``. Silence comes back as it was."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    before, envelope = integrated_loudness(x, rate), _peak_envelope(x, rate)
    peak = float(envelope.max(initial=0.0))
    before_dbtp = 20 * math.log10(peak) if peak > 0 else -math.inf
    ceiling = 10 ** ((ceiling_dbtp - margin_db) / 20)
    if not math.isfinite(before):  # nothing over the absolute gate: no loudness to aim from
        out, limited = _gained(x, envelope, rate, 0.0, ceiling)
        return out, Levelled(before, before_dbtp, integrated_loudness(out, rate), true_peak(out, rate), 0.0, limited)
    gain_db = min(MAX_GAIN_DB, target_lufs - before)
    tried: list[tuple[float, float]] = []  # (gain, loudness) of each round
    for _ in range(ROUNDS):
        out, limited = _gained(x, envelope, rate, gain_db, ceiling)
        tried.append((gain_db, integrated_loudness(out, rate)))
        missing = target_lufs - tried[-1][1]
        if abs(missing) <= TOLERANCE_LU or (gain_db >= MAX_GAIN_DB and missing > 0):
            break
        slope = 1.0  # a dB of gain is a dB of loudness, until the limiter takes a share of it
        if len(tried) > 1 and tried[-1][0] != tried[-2][0]:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            slope = min(1.0, (l1 - l0) / (g1 - g0))
            if slope < MIN_SLOPE:  # the limiter takes what more gain gives: the track is as loud as it goes
                break
        gain_db = min(MAX_GAIN_DB, gain_db + missing / slope)
    # the round nearest the target, and of those as near as makes no difference the one with the least gain
    nearest = min(abs(target_lufs - loudness) for _, loudness in tried)
    applied, loudness = min((g, lu) for g, lu in tried if abs(target_lufs - lu) <= nearest + TOLERANCE_LU)
    if applied != tried[-1][0]:
        out, limited = _gained(x, envelope, rate, applied, ceiling)
    return out, Levelled(before, before_dbtp, loudness, true_peak(out, rate), applied, limited)


def decoded(path: Path | str, rate: int = DECODE_RATE) -> Samples:
    """An audio or video file's sound as the player hears it: decoded by the farm's ffmpeg, mono float at
    ``rate`` (unclipped: an encoder's overshoot past full scale stays)."""
    args = [ffmpeg_exe(), *QUIET, "-i", str(path), "-vn", "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"]
    done = run_ffmpeg(args)
    if done.returncode != 0:
        raise encode_failure("decoding the audio to measure it", done.returncode, done.stderr)
    return np.frombuffer(done.stdout, dtype="<f4").astype(np.float32, copy=False)


def encode_opus(audio_wav_path: Path | str, out_path: Path | str) -> Path:
    """The WAV as a WebM cut's Opus (``OPUS_OPTIONS``), alone in a WebM: a trial that ``normalise_wav`` reads the
    true peak of, since each cut encodes its sound itself (``media.compose.join_and_mux``) and Opus, given the same
    samples, encodes them the same."""
    args = [ffmpeg_exe(), *QUIET, "-y", "-i", str(audio_wav_path), "-vn", *OPUS_OPTIONS, "-f", "webm", str(out_path)]
    done = run_ffmpeg(args)
    if done.returncode != 0:
        raise encode_failure("encoding the audio as Opus", done.returncode, done.stderr)
    return Path(out_path)


def normalise_wav(
    src: Path | str,
    dest: Path | str,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    ceiling_dbtp: float = DEFAULT_CEILING_DBTP,
    encode: Callable[[Path], Path] | None = None,
) -> Levelled:
    """The WAV at ``src`` levelled by ``normalise`` and written to ``dest`` (16-bit mono, its own rate).

    ``encode``: how the track will be delivered (the AAC every MP4 cut copies, a trial of the WebM's Opus, the
    MOV's 48 kHz PCM), called on ``dest``; its file's true peak is read back and, when the encoder took it past
    the ceiling, the track is levelled again under a lower limit, encoded again, until it is under: the ceiling
    holds for the file as delivered."""
    samples, rate = read_wav(src)
    limit_dbtp = ceiling_dbtp - ENCODER_MARGIN_DB  # where the limiter holds the samples' true peak
    for attempt in range(ENCODE_ROUNDS):
        out, levelled = normalise(samples, rate, target_lufs, ceiling_dbtp, ceiling_dbtp - limit_dbtp)
        write_wav(dest, out, rate)
        if encode is None:
            return levelled
        delivered = true_peak(decoded(encode(Path(dest))), DECODE_RATE)
        levelled = dataclasses.replace(levelled, delivered_dbtp=delivered, encodes=attempt + 1)
        over = delivered - (ceiling_dbtp - ENCODED_SLACK_DB)
        if over <= 0 or not math.isfinite(delivered):
            break
        # the first excess may be a glitch that a little more limiting avoids; one that stays is the encoder's own.
        # Limited from the samples' own peak down: one under the limit already gains nothing from a lower limit
        step = max(MIN_MARGIN_STEP_DB, min(over, FIRST_MARGIN_STEP_DB) if attempt == 0 else over)
        limit_dbtp = min(limit_dbtp, levelled.after_dbtp) - step
    return levelled
