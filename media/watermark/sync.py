"""Finding the watermark tile in a picture that may have been scaled, cropped and moved.

Steps, on an average of decoded luma frames:
1. high-pass it, so the picture's smooth shading does not swamp the pattern;
2. measure the tile's period from where its spectral lines are (a repeated
   tile has lines at multiples of one over its period, whatever its offset,
   so cropping does not hide them);
3. resample so the period is exactly the canonical tile and fold every copy of
   the tile onto one (their sum grows with the number of copies, the picture
   under them does not);
4. express every frequency of the folded tile in units of the noise of its
   ring (``read_tile``), find the tile's offset by correlating with the keyed
   pilot, and read the data frequencies with that offset removed
   (``soft_bits``).

Readings of several stretches of a video can be moved onto one offset and
added (``aligned``): a re-encoder's motion compensation drags the pattern
along with moving content, so each stretch may find it somewhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import scipy.fft
from numpy.typing import NDArray
from scipy import ndimage

from media.watermark.coding import CODED_BITS
from media.watermark.pattern import CANONICAL_TILE, RING_HIGH, RING_LOW, KeyedLayout

#: Shortest and longest tile period searched, in pixels of the video as found.
MIN_PERIOD = 40.0
#: Longest period as a share of the frame's shorter side: two copies must overlap.
MAX_PERIOD_SHARE = 0.72
#: Relative step of the period search; folding four copies tolerates about 0.3%.
PERIOD_STEP = 0.002
#: Largest whitened power one point of the spectrum adds to a period's score.
LINE_LIMIT = 8.0
#: Largest size, in noise standard deviations, one frequency may contribute.
OUTLIER_LIMIT = 2.5
#: Variance (luma levels²) added to the local picture variance: the noise
#: compression leaves even in flat areas, so flat areas are trusted, not worshipped.
NOISE_FLOOR = 1.0
#: Gaussian widths (pixels) of the high-pass and of the local-strength estimate.
DETAIL_SIGMA, STRENGTH_SIGMA = 4.0, 6.0
#: Each pixel is weighted by its local detail variance to this power. The
#: picture's detail is the noise the pattern must be read through, so flat
#: areas count more; the power is below 1 because the embedder puts more of
#: the pattern where there is texture (``masking``).
WEIGHT_POWER = 0.75


def high_pass(luma: np.ndarray) -> NDArray[np.float32]:
    """The luma's fine detail (float32), each pixel weighted down where the picture is busy.

    Textured areas bury the pattern and flat areas show it, so the weight is
    the inverse of the local detail variance (to ``WEIGHT_POWER``).
    """
    luma = np.asarray(luma, dtype=np.float32)
    detail = luma - cv2.GaussianBlur(luma, (0, 0), DETAIL_SIGMA, borderType=cv2.BORDER_REFLECT)
    local = cv2.GaussianBlur(detail * detail, (0, 0), STRENGTH_SIGMA, borderType=cv2.BORDER_REFLECT)
    weighted: NDArray[np.float32] = detail * (local + NOISE_FLOOR) ** -WEIGHT_POWER
    return weighted


def line_power(residual: NDArray[np.float32]) -> NDArray[np.float32]:
    """The residual's power spectrum (Hann window, zero-padded to twice the size,
    so each line's peak is sampled finely), in which the tile's lines are sought.

    Spectra of several stretches of a video may be added: unlike the pictures,
    their sum does not care where each stretch found the pattern.
    """
    h, w = residual.shape
    window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    # scipy.fft keeps single precision: the float32 residual gives a float32 spectrum
    power: NDArray[np.float32] = np.abs(scipy.fft.rfft2(residual * window, s=(2 * h, 2 * w))) ** 2
    return power


def candidate_periods(
    power: np.ndarray, frame_shape: tuple[int, int], layout: KeyedLayout, count: int = 3
) -> list[float]:
    """The likeliest tile periods, best first, from a ``line_power`` spectrum.

    A tile repeated with period p puts spectral lines at (m/p, n/p) cycles per
    pixel for every frequency (m, n) of the ring. For each candidate p the
    score is the mean whitened power at those points: about 1 on a picture
    without the tile, higher where the lines are. Whitening (power over its
    local mean) keeps the picture's own strong frequencies from posing as
    lines, and taking all the ring's frequencies, not only the pilot's few,
    keeps a picture's own repeating structure (spokes, grilles, tiles) from
    matching them at some wrong period.
    """
    h, w = frame_shape
    max_period = MAX_PERIOD_SHARE * min(h, w)
    if max_period <= MIN_PERIOD:
        return []
    size_h, size_w = 2 * h, 2 * w
    whitened = power / (ndimage.uniform_filter(power, 15, mode="wrap") + 1e-12)
    # One strong line of the picture's own counts no more than LINE_LIMIT lines of noise.
    np.minimum(whitened, LINE_LIMIT, out=whitened)
    periods = MIN_PERIOD * np.exp(np.arange(0.0, np.log(max_period / MIN_PERIOD), PERIOD_STEP))
    bins = layout.all_bins.astype(np.float64)
    # rfft2 keeps kx >= 0, the half-plane the ring's bins are taken from.
    rows = (bins[None, :, 0] * size_h / periods[:, None]) % size_h
    cols = bins[None, :, 1] * size_w / periods[:, None]
    values = ndimage.map_coordinates(whitened, [rows.ravel(), cols.ravel()], order=1, mode="grid-wrap")
    score = values.reshape(len(periods), -1).mean(axis=1)
    is_peak = np.r_[False, (score[1:-1] >= score[:-2]) & (score[1:-1] > score[2:]), False]
    best = np.flatnonzero(is_peak)
    best = best[np.argsort(score[best])[::-1][:count]]
    # A parabola through each peak and its neighbours places it between grid steps.
    found = []
    for i in best:
        a, b, c = score[i - 1], score[i], score[i + 1]
        offset = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c < 0 else 0.0
        found.append(float(periods[i] * np.exp(np.clip(offset, -0.5, 0.5) * PERIOD_STEP)))
    return found


def fold(residual: np.ndarray, period: float) -> NDArray[np.float64]:
    """Resample so ``period`` becomes the canonical tile, then average the copies onto one tile."""
    t = CANONICAL_TILE
    h, w = residual.shape
    if abs(period - t) > 1e-6:
        scale = t / period
        out_h, out_w = int(h * scale), int(w * scale)
        to_canonical = np.array([[1 / scale, 0, 0], [0, 1 / scale, 0]], dtype=np.float32)
        residual = cv2.warpAffine(
            np.asarray(residual, dtype=np.float32),
            to_canonical,
            (out_w, out_h),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        h, w = out_h, out_w
    pad_h, pad_w = -h % t, -w % t
    padded = np.pad(residual, ((0, pad_h), (0, pad_w)))
    counts = np.pad(np.ones((h, w), dtype=np.float32), ((0, pad_h), (0, pad_w)))
    tiles = padded.reshape(padded.shape[0] // t, t, padded.shape[1] // t, t).sum(axis=(0, 2), dtype=np.float64)
    n = counts.reshape(counts.shape[0] // t, t, counts.shape[1] // t, t).sum(axis=(0, 2), dtype=np.float64)
    tile: NDArray[np.float64] = tiles / np.maximum(n, 1.0)
    return tile


@dataclass(frozen=True)
class TileReading:
    """One folded tile, every frequency in units of its ring's noise."""

    spectrum: np.ndarray  # (t, t) complex; about unit power per bin where there is no pattern
    sync_score: float  # pilot peak over the spread the noise alone would give
    shift: tuple[float, float]  # where the tile's origin was found, in tile pixels, each in [-t/2, t/2)


@lru_cache(maxsize=4)
def _rings(t: int) -> list[np.ndarray]:
    """Flat indices of the bins of each whole-number radius the layout uses (and one either side)."""
    k = np.fft.fftfreq(t, 1.0 / t)
    radius = np.rint(np.hypot(k[:, None], k[None, :])).astype(np.int64).ravel()
    return [np.flatnonzero(radius == r) for r in range(RING_LOW - 1, RING_HIGH + 2)]


def normalized_spectrum(tile: np.ndarray) -> np.ndarray:
    """The tile's spectrum, each bin divided by its ring's noise amplitude and capped.

    Dividing by the noise amplitude (not its power) weights each frequency by
    what it carries as well as by how noisy it is: re-encoding takes the most
    from the high rings, where the picture is also weakest, so inverse-power
    weights would trust exactly the rings the pattern has left. The cap stops a
    few frequencies where the picture itself is strong (stripes, edges) from
    outvoting the rest. Bins outside the layout's rings are zero.
    """
    t = tile.shape[0]
    spectrum = np.fft.fft2(tile).ravel()
    out = np.zeros_like(spectrum)
    for idx in _rings(t):
        power = np.abs(spectrum[idx]) ** 2
        # median/ln 2: the mean of exponentially distributed power, without its outliers
        noise = np.sqrt(max(float(np.median(power)) / np.log(2.0), 1e-24))
        values = spectrum[idx] / noise
        magnitude = np.abs(values)
        out[idx] = values * np.minimum(1.0, OUTLIER_LIMIT / np.maximum(magnitude, 1e-12))
    return out.reshape(t, t)


def read_tile(tile: np.ndarray, layout: KeyedLayout) -> TileReading:
    return locate(normalized_spectrum(tile), layout)


def locate(spectrum: np.ndarray, layout: KeyedLayout) -> TileReading:
    """Find the tile's offset from the pilot: the peak of the correlation over all offsets."""
    t = spectrum.shape[0]
    py, px = layout.pilot_bins[:, 0] % t, layout.pilot_bins[:, 1] % t
    reference = layout.pilot_phase
    matched = np.zeros((t, t), dtype=np.complex128)
    matched[py, px] = spectrum[py, px] * np.conj(reference)
    matched[-py % t, -px % t] = np.conj(matched[py, px])
    surface = np.fft.ifft2(matched).real * t * t
    peak = np.unravel_index(np.argmax(surface), surface.shape)
    # Each pilot line adds a term of unit noise power and random phase; their
    # sum over both half-planes has variance 2 × lines. (The surface's own
    # spread would cap the score: 32 lines cannot stand out by more than about
    # 8 of their own standard deviations.)
    noise_std = np.sqrt(2.0 * len(py))
    shift = tuple(p + _parabolic_offset(surface, peak, axis) for axis, p in enumerate(peak))
    dy, dx = ((s + t / 2) % t - t / 2 for s in shift)
    return TileReading(spectrum=spectrum, sync_score=float(surface[peak] / noise_std), shift=(float(dy), float(dx)))


def soft_bits(reading: TileReading, layout: KeyedLayout) -> np.ndarray:
    """One value per coded bit (positive means +1), read with the tile's offset undone."""
    t = reading.spectrum.shape[0]
    dy, dx = reading.shift
    ky, kx = layout.data_bins[:, 0], layout.data_bins[:, 1]
    aligned_values = reading.spectrum[ky % t, kx % t] * np.exp(2j * np.pi * (ky * dy + kx * dx) / t)
    slots = np.empty(2 * len(aligned_values))
    slots[0::2], slots[1::2] = aligned_values.real, aligned_values.imag
    return np.bincount(layout.slot_bit, weights=slots * layout.slot_sign, minlength=CODED_BITS)


def aligned(reading: TileReading) -> NDArray[np.complex128]:
    """The reading's spectrum moved so the tile's origin is at offset zero."""
    t = reading.spectrum.shape[0]
    k = np.fft.fftfreq(t, 1.0 / t)
    dy, dx = reading.shift
    moved: NDArray[np.complex128] = reading.spectrum * np.exp(2j * np.pi * (k[:, None] * dy + k[None, :] * dx) / t)
    return moved


def _parabolic_offset(surface: np.ndarray, peak: tuple[np.intp, ...], axis: int) -> float:
    before, after = list(peak), list(peak)
    before[axis] = (peak[axis] - 1) % surface.shape[axis]
    after[axis] = (peak[axis] + 1) % surface.shape[axis]
    a, b, c = surface[tuple(before)], surface[peak], surface[tuple(after)]
    denom = a - 2 * b + c
    return float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5)) if denom < 0 else 0.0
