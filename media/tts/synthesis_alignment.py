"""Narration timing for the languages pocketsphinx does not know, from the
transcript: espeak-ng speaks the transcript (and says when each of its phones
and words sounds), and dynamic time warping maps that speech onto the
narration, frame by frame. Each phone and word then takes the narration's time
of the frames it was mapped to. aeneas aligns subtitles to audio the same way.

The frames are compared by their MFCCs (cepstral mean and variance normalised
per recording, so the two voices' levels and timbres matter less than what is
said). The warp is found coarse-to-fine: first on 0.2 s frames in a wide band
around the straight line from start to end, then on 20 ms frames within
``FINE_RADIUS_S`` of the coarse path, so 20 minutes of narration cost seconds
and megabytes, not a full matrix.

A transcript that is not what the narration says still warps somewhere, so
the warp's mean frame distance is compared with that of a warp onto the same
synthetic speech played backwards (the same voices and sounds, in no order a
sentence has). Measured on four Piper sentences against espeak-ng's reading
of each of the four transcripts, and on espeak-ng narration in other voice
variants (Mandarin, Cantonese, German), the right transcript cost 0.82–0.91
of the backwards warp and every wrong one 0.94–1.05 (``MISMATCH_RATIO``): a
thin margin. On Piper's English the bilabials (m, b, p) fell within a video
frame (40 ms) of Piper's own timing as often as with pocketsphinx's forced
alignment, or more often (``benchmarks/phoneme_timing.py``). That is
synthetic speech against synthetic speech: a human narrator differs more
from espeak-ng, and no figure for human speech was measured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.fft import dct

from domain.errors import JobFailure
from media.errors import MediaError
from media.phonemes import Phone, PhoneTrack, TimingSource, Word
from media.tts.alignment import is_silent
from media.tts.engines import engine_for
from media.tts.script_check import without_pictures
from media.tts.voices import espeak_voice_for

#: the mel bands span 0 to this (what a 16 kHz recording holds; telephone-band audio less)
TOP_HZ = 8000.0
HOP_S = 0.02
WINDOW_S = 0.04
N_MELS, N_CEPSTRA = 26, 13
#: frames analysed at once (bounds memory to a few tens of MB)
BLOCK_FRAMES = 2000
#: coarse frames pool this many fine ones
COARSE = 10
#: the coarse band: this share of the longer recording either side of the straight line, at least BAND_MIN_S
BAND_SHARE, BAND_MIN_S = 0.25, 20.0
#: the fine pass looks this far either side of the coarse path
FINE_RADIUS_S = 0.6
#: a warp costing more than this share of the backwards warp's cost is not of what was said
MISMATCH_RATIO = 0.93

_INF = 1e30
Matrix = NDArray[np.float64]


@dataclass(frozen=True)
class Warp:
    """The frame mapping: ``narration_frame[j]`` is the first narration frame mapped to synthetic frame ``j``."""

    narration_frame: NDArray[np.int64]
    cost_per_step: float

    def narration_time(self, synthetic_s: float) -> float:
        j = min(max(int(round(synthetic_s / HOP_S)), 0), len(self.narration_frame) - 1)
        return float(self.narration_frame[j] * HOP_S)


def align_through_speech(samples: np.ndarray, sample_rate: int, transcript: str, language: str) -> PhoneTrack | str:
    """The transcript's phones and words fitted to narration in ``language``,
    or why they cannot be (a note for the document; then recognise instead)."""
    ref = espeak_voice_for(language)
    if ref is None:
        return f"no espeak-ng voice speaks {language!r} on this worker, so the transcript could not be aligned"
    if is_silent(samples):
        return "the narration is silent"
    try:
        speech = engine_for(ref).speak(without_pictures(transcript))  # a narrator does not say "red circle"
    except (JobFailure, MediaError) as exc:
        return f"espeak-ng could not read the transcript aloud ({exc}), so it could not be aligned"
    return align_by_synthesis(samples, sample_rate, speech.phones, speech.samples, speech.sample_rate)


def align_by_synthesis(
    samples: np.ndarray, sample_rate: int, synthetic: PhoneTrack, synthetic_samples: np.ndarray, synthetic_rate: int
) -> PhoneTrack | str:
    """``synthetic`` (espeak-ng's phones and words for the transcript, timed in
    ``synthetic_samples``) moved onto the narration's clock; or why not (a note)."""
    narration = mfcc(samples, sample_rate)
    spoken = mfcc(synthetic_samples, synthetic_rate)
    if len(narration) < 2 or len(spoken) < 2:
        return "the narration or the transcript is too short to align"
    warp = warp_frames(narration, spoken)
    backwards = warp_frames(narration, spoken[::-1].copy())
    ratio = warp.cost_per_step / max(backwards.cost_per_step, 1e-9)
    if ratio > MISMATCH_RATIO:
        return (
            f"the transcript does not match the narration (read aloud by espeak-ng, it fits the narration "
            f"at {ratio:.2f} of the cost of the same speech backwards; the limit is {MISMATCH_RATIO:g})"
        )
    phones = []
    for phone in synthetic.phones:
        start, end = warp.narration_time(phone.start_s), warp.narration_time(phone.end_s)
        if end > start:
            phones.append(Phone(phone.symbol, start, end, phone.stress))
    words = []
    for word in synthetic.words:
        start, end = warp.narration_time(word.start_s), warp.narration_time(word.end_s)
        words.append(Word(word.text, start, max(end, start + HOP_S)))
    return PhoneTrack(
        TimingSource.ALIGNED,
        tuple(phones),
        tuple(words),
        "aligned through espeak-ng speech of the transcript (dynamic time warping)",
    )


def mfcc(samples: np.ndarray, sample_rate: int) -> Matrix:
    """(frames, N_CEPSTRA - 1) MFCCs every HOP_S, without c0, normalised to zero mean and unit variance.

    Computed at the recording's own rate, over the band both recordings share
    (up to ``TOP_HZ``), so nothing is resampled and memory stays at one block."""
    audio = np.asarray(samples, dtype=np.float32)
    hop, window = int(round(sample_rate * HOP_S)), int(round(sample_rate * WINDOW_S))
    if len(audio) < window:
        return np.zeros((0, N_CEPSTRA - 1))
    n_fft = 1 << (window - 1).bit_length()
    count = 1 + (len(audio) - window) // hop
    views = np.lib.stride_tricks.sliding_window_view(audio, window)[::hop][:count]
    filters, taper = _mel_filters(n_fft, sample_rate).T, np.hamming(window - 1)
    cepstra = np.empty((count, N_CEPSTRA - 1))
    for start in range(0, count, BLOCK_FRAMES):
        block = views[start : start + BLOCK_FRAMES].astype(np.float64)
        emphasised = (block[:, 1:] - 0.97 * block[:, :-1]) * taper  # pre-emphasis, frame by frame
        power = np.abs(np.fft.rfft(emphasised, n=n_fft)) ** 2
        energies = np.log(power @ filters + 1e-10)
        cepstra[start : start + BLOCK_FRAMES] = dct(energies, type=2, norm="ortho", axis=1)[:, 1:N_CEPSTRA]
    spread = cepstra.std(axis=0)
    normalised: Matrix = (cepstra - cepstra.mean(axis=0)) / np.where(spread > 1e-8, spread, 1.0)
    return normalised


def _mel_filters(n_fft: int, sample_rate: int) -> Matrix:
    def mel(hz: Matrix | float) -> Matrix | float:
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    top = min(TOP_HZ, sample_rate / 2)
    edges = 700.0 * (10 ** (np.linspace(0.0, float(mel(top)), N_MELS + 2) / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    filters = np.zeros((N_MELS, len(bins)))
    for k in range(N_MELS):
        left, centre, right = edges[k : k + 3]
        rising = (bins - left) / (centre - left)
        falling = (right - bins) / (right - centre)
        filters[k] = np.maximum(0.0, np.minimum(rising, falling))
    return filters


def warp_frames(narration: Matrix, spoken: Matrix) -> Warp:
    """The warp of ``spoken`` onto ``narration``, coarse to fine."""
    n, m = len(narration), len(spoken)
    coarse_n, coarse_m = _pool(narration), _pool(spoken)
    cn, cm = len(coarse_n), len(coarse_m)
    band = max(BAND_MIN_S / (HOP_S * COARSE), BAND_SHARE * max(cn, cm))
    centre = np.arange(cn) * (cm - 1) / max(cn - 1, 1)
    lo = np.clip(np.floor(centre - band), 0, cm - 1).astype(np.int64)
    hi = np.clip(np.ceil(centre + band) + 1, 1, cm).astype(np.int64)
    coarse_path, _ = banded_dtw(_distance(coarse_n, coarse_m), cn, cm, _monotone(lo, hi, cm))

    # the fine window: every fine column of the coarse cells on the path, widened by the radius
    radius = int(round(FINE_RADIUS_S / HOP_S))
    lo_f = np.full(n, m, dtype=np.int64)
    hi_f = np.zeros(n, dtype=np.int64)
    for ci, cj in coarse_path:
        rows = slice(ci * COARSE, min((ci + 1) * COARSE, n))
        lo_f[rows] = np.minimum(lo_f[rows], cj * COARSE - radius)
        hi_f[rows] = np.maximum(hi_f[rows], (cj + 1) * COARSE + radius)
    lo_f, hi_f = np.clip(lo_f, 0, m - 1), np.clip(hi_f, 1, m)
    path, total = banded_dtw(_distance(narration, spoken), n, m, _monotone(lo_f, hi_f, m))

    first = np.full(m, -1, dtype=np.int64)
    for i, j in path:
        if first[j] < 0:
            first[j] = i
    return Warp(first, total / len(path))


def _pool(features: Matrix) -> Matrix:
    count = max(1, len(features) // COARSE)
    pooled: Matrix = (
        features[: count * COARSE].reshape(count, COARSE, -1).mean(axis=1)
        if len(features) >= COARSE
        else features.mean(axis=0, keepdims=True)
    )
    return pooled


def _distance(a: Matrix, b: Matrix) -> Callable[[int, int, int], Matrix]:
    def row(i: int, lo: int, hi: int) -> Matrix:
        distances: Matrix = np.sqrt(((b[lo:hi] - a[i]) ** 2).sum(axis=1)) / np.sqrt(a.shape[1])
        return distances

    return row


def _monotone(lo: NDArray[np.int64], hi: NDArray[np.int64], m: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row windows a path can cross: starting at column 0, ending at m, each
    row's window overlapping the one before (so the path is never cut)."""
    lo, hi = lo.copy(), hi.copy()
    lo[0], hi[-1] = 0, m
    lo = np.minimum.accumulate(lo[::-1])[::-1]  # never further right than a later row's start
    hi = np.maximum.accumulate(hi)
    hi = np.maximum(hi, np.concatenate([lo[1:] + 1, [m]]))  # reach the next row's window
    return lo, hi


def banded_dtw(
    cost_row: Callable[[int, int, int], Matrix], n: int, m: int, window: tuple[NDArray[np.int64], NDArray[np.int64]]
) -> tuple[list[tuple[int, int]], float]:
    """The cheapest monotone path from (0, 0) to (n-1, m-1) through cells
    ``window[0][i] <= j < window[1][i]`` of row i, with steps right, down and
    diagonal; returns it (from the start) and its total cost.

    Each row is one vectorised pass: a cell's best predecessor in the row
    before is ``min(up, diagonal)``, and the moves along the row are a running
    minimum over prefix sums, so no Python loop runs over columns."""
    lo, hi = window
    moves: list[NDArray[np.int8]] = []  # per row: 0 diagonal, 1 up, 2 left
    previous = np.zeros(0)
    for i in range(n):
        a, b = int(lo[i]), int(hi[i])
        cost = cost_row(i, a, b)
        if i == 0:
            enter = np.full(b - a, _INF)
            enter[0] = 0.0
            from_diagonal = np.zeros(b - a, dtype=bool)
        else:
            pa = int(lo[i - 1])
            up = _take(previous, pa, a, b)
            diagonal = _take(previous, pa, a - 1, b - 1)
            from_diagonal = diagonal <= up
            enter = np.where(from_diagonal, diagonal, up)
        prefix = np.cumsum(cost)
        before = prefix - cost
        row = prefix + np.minimum.accumulate(enter - before)
        move = np.where(from_diagonal, 0, 1).astype(np.int8)
        move[1:][row[:-1] < enter[1:]] = 2
        moves.append(move)
        previous = row
    total = float(previous[m - 1 - int(lo[n - 1])])
    path = []
    i, j = n - 1, m - 1
    while True:
        path.append((i, j))
        if i == 0 and j == 0:
            break
        step = moves[i][j - int(lo[i])]
        if step == 2 or i == 0:
            j -= 1
        elif step == 0:
            i, j = i - 1, j - 1
        else:
            i -= 1
    path.reverse()
    return path, total


def _take(row: Matrix, row_lo: int, a: int, b: int) -> Matrix:
    """``row[a:b]`` in absolute columns, where ``row`` starts at column ``row_lo``; outside it, infinity."""
    out = np.full(b - a, _INF)
    start, stop = max(a, row_lo), min(b, row_lo + len(row))
    if stop > start:
        out[start - a : stop - a] = row[start - row_lo : stop - row_lo]
    return out
