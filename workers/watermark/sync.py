"""Finding the watermark tile in a frame that may have been scaled and cropped.

Steps, on the average luma of the sampled frames:
1. high-pass it, so the picture's smooth shading does not swamp the pattern;
2. measure the tile's period from where the pilot's spectral lines are (a
   repeated tile has lines at multiples of one over its period, whatever
   its offset, so cropping does not hide them);
3. resample so the period is exactly the canonical tile and fold every copy of
   the tile onto one (their sum grows with the number of copies, the picture
   under them does not);
4. find the offset by correlating with the keyed pilot, then read the data
   frequencies with that offset removed.
Correlations are weighted by how noisy each frequency ring is in this very
picture, which is the matched filter for picture content as noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from workers.watermark.coding import CODED_BITS
from workers.watermark.pattern import CANONICAL_TILE, KeyedLayout

#: Shortest and longest tile period searched, in pixels of the video as found.
MIN_PERIOD = 40.0
#: Longest period as a share of the frame's shorter side: two copies must overlap.
MAX_PERIOD_SHARE = 0.72
#: Relative step of the period search; folding four copies tolerates about 0.3%.
PERIOD_STEP = 0.002
#: Largest size, in noise standard deviations, one frequency may contribute.
OUTLIER_LIMIT = 2.5
#: Variance (luma levels²) added to the local picture variance: the noise
#: compression leaves even in flat areas, so flat areas are trusted, not worshipped.
NOISE_FLOOR = 1.0


def high_pass(luma: np.ndarray) -> np.ndarray:
    """The luma's fine detail, each pixel divided by the picture's local strength.

    The pattern is equally strong everywhere but the picture is not: textured
    areas bury it, flat areas show it. Weighting every pixel by the inverse of
    the local detail makes the flat areas count more.
    """
    luma = luma.astype(np.float64)
    detail = luma - ndimage.gaussian_filter(luma, 4.0, mode="reflect")
    local = ndimage.gaussian_filter(detail**2, 6.0, mode="reflect")
    return detail / (local + NOISE_FLOOR)


def candidate_periods(residual: np.ndarray, layout: KeyedLayout, count: int = 3) -> list[float]:
    """The likeliest tile periods, best first.

    A tile repeated with period p puts spectral lines at (m/p, n/p) cycles per
    pixel for the ring's (m, n). For each candidate p the score is the mean
    whitened power at those points: about 1 on a picture without the tile,
    higher where the lines are. Whitening (power over its local mean) keeps the
    picture's own strong frequencies from posing as lines.
    """
    h, w = residual.shape
    max_period = MAX_PERIOD_SHARE * min(h, w)
    if max_period <= MIN_PERIOD:
        return []
    size_h, size_w = 2 * h, 2 * w  # zero padding samples each line's peak more finely
    window = np.outer(np.hanning(h), np.hanning(w))
    power = np.abs(np.fft.rfft2(residual * window, s=(size_h, size_w))) ** 2
    whitened = power / (ndimage.uniform_filter(power, 15, mode="wrap") + 1e-12)
    periods = MIN_PERIOD * np.exp(np.arange(0.0, np.log(max_period / MIN_PERIOD), PERIOD_STEP))
    bins = layout.pilot_bins.astype(np.float64)
    # rfft2 keeps kx >= 0, the half-plane the ring's bins are taken from.
    rows = (bins[None, :, 0] * size_h / periods[:, None]) % size_h
    cols = bins[None, :, 1] * size_w / periods[:, None]
    values = ndimage.map_coordinates(whitened, [rows.ravel(), cols.ravel()], order=1, mode="grid-wrap")
    score = values.reshape(len(periods), -1).mean(axis=1)
    is_peak = np.r_[False, (score[1:-1] >= score[:-2]) & (score[1:-1] > score[2:]), False]
    best = np.flatnonzero(is_peak)
    best = best[np.argsort(score[best])[::-1][:count]]
    return [float(periods[i]) for i in best]


def fold(residual: np.ndarray, period: float) -> np.ndarray:
    """Resample so ``period`` becomes the canonical tile, then sum the copies onto one tile."""
    scale = CANONICAL_TILE / period
    h, w = residual.shape
    out_h, out_w = int(h * scale), int(w * scale)
    resampled = ndimage.affine_transform(
        residual, [1.0 / scale, 1.0 / scale], output_shape=(out_h, out_w), order=1, mode="nearest"
    )
    t = CANONICAL_TILE
    pad_h, pad_w = -out_h % t, -out_w % t
    padded = np.pad(resampled, ((0, pad_h), (0, pad_w)))
    counts = np.pad(np.ones((out_h, out_w)), ((0, pad_h), (0, pad_w)))
    tiles = padded.reshape(padded.shape[0] // t, t, padded.shape[1] // t, t).sum(axis=(0, 2))
    n = counts.reshape(counts.shape[0] // t, t, counts.shape[1] // t, t).sum(axis=(0, 2))
    return tiles / np.maximum(n, 1.0)


@dataclass(frozen=True)
class TileReading:
    sync_score: float  # pilot peak over the spread the noise alone would give
    shift: tuple[float, float]
    soft_bits: np.ndarray  # (CODED_BITS,), positive means +1


def _ring_weights(spectrum: np.ndarray) -> np.ndarray:
    """1/σ² per frequency, σ² its ring's typical power in this spectrum."""
    t = spectrum.shape[0]
    k = np.fft.fftfreq(t, 1.0 / t)
    radius = np.rint(np.hypot(k[:, None], k[None, :])).astype(np.int64)
    power = np.abs(spectrum) ** 2
    ring_power = np.zeros(radius.max() + 1)
    for r in np.unique(radius):
        # median/ln 2: the mean of exponentially distributed power, without its outliers
        ring_power[r] = np.median(power[radius == r]) / np.log(2.0)
    return 1.0 / np.maximum(ring_power[radius], 1e-12)


def read_tile(tile: np.ndarray, layout: KeyedLayout) -> TileReading:
    t = tile.shape[0]
    spectrum = np.fft.fft2(tile)
    weights = _ring_weights(spectrum)
    # Each frequency in units of its ring's noise, capped: a few frequencies
    # where the picture itself is strong (stripes, edges) must not outvote the rest.
    normalized = spectrum * np.sqrt(weights)
    magnitude = np.abs(normalized)
    normalized *= np.minimum(1.0, OUTLIER_LIMIT / np.maximum(magnitude, 1e-12))
    matched_input = normalized * np.sqrt(weights)  # X/σ², the matched filter for noise of power σ²

    py, px = layout.pilot_bins[:, 0] % t, layout.pilot_bins[:, 1] % t
    pilot_reference = layout.pilot_magnitude * layout.pilot_phase
    matched = np.zeros((t, t), dtype=np.complex128)
    matched[py, px] = matched_input[py, px] * np.conj(pilot_reference)
    matched[-py % t, -px % t] = np.conj(matched[py, px])
    surface = np.fft.ifft2(matched).real * t * t
    peak = np.unravel_index(np.argmax(surface), surface.shape)
    # The surface's spread if the picture held no pilot: each line adds a term
    # of random phase whose size the ring's noise power predicts. (The
    # surface's own spread would cap the score: 32 lines cannot stand out by
    # more than about 8 of their own standard deviations.)
    noise_std = 2.0 * np.sqrt(np.sum(np.abs(pilot_reference) ** 2 * weights[py, px]) / 2.0)
    sync_score = float(surface[peak] / noise_std)
    shift = tuple(p + _parabolic_offset(surface, peak, axis) for axis, p in enumerate(peak))
    # Undo the shift: the tile as found is the embedded one moved by ``shift``.
    dy, dx = ((s + t / 2) % t - t / 2 for s in shift)
    ky, kx = layout.data_bins[:, 0], layout.data_bins[:, 1]
    aligned = matched_input[ky % t, kx % t] * np.exp(2j * np.pi * (ky * dy + kx * dx) / t)
    slots = np.empty(2 * len(aligned))
    slots[0::2], slots[1::2] = aligned.real, aligned.imag
    soft = np.bincount(layout.slot_bit, weights=slots * layout.slot_sign, minlength=CODED_BITS)
    return TileReading(sync_score=sync_score, shift=(float(dy), float(dx)), soft_bits=soft)


def _parabolic_offset(surface: np.ndarray, peak: tuple[int, int], axis: int) -> float:
    before, after = list(peak), list(peak)
    before[axis] = (peak[axis] - 1) % surface.shape[axis]
    after[axis] = (peak[axis] + 1) % surface.shape[axis]
    a, b, c = surface[tuple(before)], surface[peak], surface[tuple(after)]
    denom = a - 2 * b + c
    return float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5)) if denom < 0 else 0.0
