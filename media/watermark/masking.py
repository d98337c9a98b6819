"""How strong the watermark may be at each pixel of a frame without being seen.

A pattern of the same strength everywhere shows as a faint grain on smooth
skin and plain backgrounds long before it shows in hair, fabric or shadow.
So the pattern's amplitude follows a visibility threshold, after the
just-noticeable-difference model of Chou and Li (1995): the eye forgives more
in dark areas (luminance adaptation) and where the picture already has detail
(texture masking). Flat areas get a share of their threshold, textured ones a
little more, and a frame's total stays within a PSNR budget.

The map is computed at half resolution (it only needs to be smooth) from
each frame itself, so it is the same wherever the frame is rendered, moves
with the content, and costs well under a millisecond at 512². Over a video
whose frames change only in part (a presenter on a still background),
``AmplitudeMaps`` computes again only around what changed.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

#: Share of the luminance-adaptation threshold used in flat areas: the
#: pattern's peaks (about 3.5 × its RMS) then stay near the threshold. Deep
#: shadows, where the threshold is highest, are held to FLAT_MAX so that they
#: do not take the whole PSNR budget.
FLAT_SHARE, FLAT_MAX = 0.35, 4.0
#: RMS added per level of local gradient (levels per pixel), up to
#: TEXTURE_MAX: texture hides noise, but a strong edge is not texture, and the
#: detector, which reads mostly the flat areas, would gain little there.
TEXTURE_GAIN, TEXTURE_MAX = 0.1, 1.5
#: Highest RMS a frame's pattern may have: 20·log10(255 / 2.45) = 40.35 dB PSNR.
MAX_RMS = 2.45
#: The amplitude never exceeds this share of the distance to black or white,
#: so the pattern is not clipped away in deep shadows and highlights.
HEADROOM_SHARE = 1 / 3


def _luminance_threshold() -> np.ndarray:
    """Chou-Li's visibility threshold of a flat area, in luma levels, by background level."""
    bg = np.arange(256, dtype=np.float64)
    dark = 17.0 * (1.0 - np.sqrt(bg / 127.0)) + 3.0
    bright = 3.0 / 128.0 * (bg - 127.0) + 3.0
    return np.where(bg <= 127, dark, bright).astype(np.float32)


_FLAT_AMPLITUDE = np.minimum(FLAT_SHARE * _luminance_threshold(), FLAT_MAX)


def amplitude_map(frame: np.ndarray, strength: float = 1.0) -> NDArray[np.float32]:
    """The pattern's RMS amplitude at each pixel (float32, frame size), from an RGB uint8 frame."""
    h, w = frame.shape[:2]
    luma = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return _full_size(_capped(_half_size_map(luma, strength)), w, h)


def _half_size_map(luma: np.ndarray, strength: float) -> NDArray[np.float32]:
    """The amplitude at half resolution, before the PSNR cap, from (a part of) the luma; even sides."""
    h, w = luma.shape[:2]
    small = cv2.resize(luma, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    background = cv2.blur(small, (3, 3))
    detail = small.astype(np.float32)
    # Sobel/8 is the gradient in levels per half-resolution pixel.
    gx = cv2.Sobel(detail, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    gy = cv2.Sobel(detail, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    gradient = cv2.blur(cv2.magnitude(gx, gy), (4, 4))
    texture = np.minimum(gradient * TEXTURE_GAIN, TEXTURE_MAX)
    amplitude = cv2.add(texture, cv2.LUT(background, _FLAT_AMPLITUDE))
    headroom = np.minimum(background, 255 - background).astype(np.float32) * HEADROOM_SHARE + 0.5
    blurred: NDArray[np.float32] = cv2.GaussianBlur(np.minimum(amplitude, headroom), (0, 0), 1.5) * strength
    return blurred


def _cap(amplitude: np.ndarray) -> float:
    """The factor that keeps the frame's watermark within the PSNR budget (1.0 when it already is)."""
    # The pattern has unit RMS and is unrelated to the picture, so the frame's
    # watermark RMS is the RMS of this map.
    rms = float(np.sqrt(np.mean(amplitude * amplitude)))
    return MAX_RMS / rms if rms > MAX_RMS else 1.0


def _capped(amplitude: NDArray[np.float32]) -> NDArray[np.float32]:
    factor = _cap(amplitude)
    if factor == 1.0:
        return amplitude
    capped: NDArray[np.float32] = amplitude * factor
    return capped


def _full_size(amplitude: np.ndarray, w: int, h: int) -> NDArray[np.float32]:
    return np.asarray(cv2.resize(amplitude, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.float32)


#: The cap's factor over a video is held from frame to frame while the frame stays within its budget under it
#: and its mark is at most HOLD_SLACK weaker than the budget allows; when it must move, it moves to HOLD_MARGIN
#: under what the frame allows, so the small motions of a presenter do not move it again at once. A held factor
#: leaves the mark of a frame's unchanged part bit-identical to the last frame's: only the changed part is marked
#: again, and the encoder finds the rest unchanged. (A factor that followed every frame rescaled the whole map,
#: and so the mark on every pixel, as a presenter's face moved the frame's total by a few tenths of a per cent.)
#: A frame that changed everywhere (a square video whose head moves, a moving picture) gains nothing from a
#: held factor, and is scaled exactly, as ``amplitude_map`` scales it.
HOLD_MARGIN, HOLD_SLACK = 0.004, 0.012


def _held(held: float | None, allowed: float) -> float:
    """The factor to use: ``held`` while it keeps the frame within budget (``allowed`` is the largest that does)
    and is within HOLD_SLACK of it; else a fresh one a margin under ``allowed`` (1.0 when the cap does not act)."""
    if held is not None and held <= allowed <= held * (1 + HOLD_SLACK):
        return held
    return 1.0 if allowed >= 1.0 else allowed * (1 - HOLD_MARGIN)


#: How far (half-resolution pixels) a change in the luma reaches into the map: the 3×3 blur or Sobel,
#: the 4×4 blur and the Gaussian's 13 taps (9 in all), rounded up.
REACH = 12


class AmplitudeMaps:
    """``amplitude_map`` for a run of frames of one size, as in a video: the same maps, but where a frame
    differs from the one before only in a part (a presenter moving over a still background, a caption
    changing), only that part's neighbourhood is computed again.

    The map is local but for the PSNR cap, which is taken over the whole map each frame and whose factor is
    held while it may be (``HOLD_MARGIN``, ``HOLD_SLACK``); a part is recomputed with a margin wide enough
    (``REACH``, twice) that its filters see what they see on the whole frame, so each map is the one
    ``amplitude_map`` gives, scaled by at most HOLD_SLACK less and never more
    (``tests/unit/media/watermark/test_masking.py``).
    One instance per stream of frames; not for several threads at once. ``__call__`` returns an array it
    keeps and changes on the next call."""

    def __init__(self, strength: float = 1.0):
        self._strength = strength
        self._luma: np.ndarray | None = None
        self._half: NDArray[np.float32] | None = None
        self._factor = 1.0
        self._full: NDArray[np.float32] | None = None
        #: where the last call's map differs from the one before: (x0, y0, x1, y1), the whole frame after a
        #: recompute, None when unchanged
        self.changed: tuple[int, int, int, int] | None = None

    def __call__(
        self, frame: np.ndarray, changed: list[tuple[int, int, int, int]] | None = None
    ) -> NDArray[np.float32]:
        """The frame's map. ``changed``: rectangles (x0, y0, x1, y1) outside which the frame is the last one given
        (None: it may differ anywhere); only they are read to find what changed, instead of the whole frame."""
        h, w = frame.shape[:2]
        previous = self._luma
        x = y = dw = dh = 0
        if changed is not None and previous is not None and previous.shape == (h, w):
            luma, (x, y, dw, dh) = previous, self._update_luma(frame, changed)
        else:
            luma = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            self._luma = luma
            if previous is not None and previous.shape == luma.shape:
                x, y, dw, dh = cv2.boundingRect(cv2.absdiff(luma, previous))
        if previous is None or previous.shape != luma.shape or self._half is None or self._full is None or (h | w) % 2:
            self._half = _half_size_map(luma, self._strength)
            self._factor = _cap(self._half)
            self._full = _full_size(self._half * self._factor if self._factor != 1.0 else self._half, w, h)
            self.changed = (0, 0, w, h)
            return self._full
        if dw == 0:
            self.changed = None
            return self._full
        half, full = self._half, self._full
        hh, hw = half.shape
        # the half-size pixels the change reaches, and the part of the frame that sees all they see
        ox0, oy0 = max(x // 2 - REACH, 0), max(y // 2 - REACH, 0)
        ox1, oy1 = min(-(-(x + dw) // 2) + REACH, hw), min(-(-(y + dh) // 2) + REACH, hh)
        ix0, iy0 = max(ox0 - REACH, 0), max(oy0 - REACH, 0)
        ix1, iy1 = min(ox1 + REACH, hw), min(oy1 + REACH, hh)
        part = _half_size_map(luma[2 * iy0 : 2 * iy1, 2 * ix0 : 2 * ix1], self._strength)
        half[oy0:oy1, ox0:ox1] = part[oy0 - iy0 : oy1 - iy0, ox0 - ix0 : ox1 - ix0]
        # held only where holding it saves work: a frame changed everywhere is scaled exactly, as amplitude_map does
        everywhere = ox0 == 0 and oy0 == 0 and ox1 == hw and oy1 == hh
        factor = _cap(half) if everywhere else _held(self._factor, _cap(half))
        if factor != self._factor:
            self._factor = factor
            self._full = _full_size(half * factor if factor != 1.0 else half, w, h)
            self.changed = (0, 0, w, h)
            return self._full
        # the full-size map from the changed half-size pixels, with a pixel of context around them
        cx0, cy0, cx1, cy1 = max(ox0 - 2, 0), max(oy0 - 2, 0), min(ox1 + 2, hw), min(oy1 + 2, hh)
        source = half[cy0:cy1, cx0:cx1]
        scaled = _full_size(source * factor if factor != 1.0 else source, 2 * (cx1 - cx0), 2 * (cy1 - cy0))
        top, left = 2 * (oy0 - cy0), 2 * (ox0 - cx0)
        full[2 * oy0 : 2 * oy1, 2 * ox0 : 2 * ox1] = scaled[top : top + 2 * (oy1 - oy0), left : left + 2 * (ox1 - ox0)]
        self.changed = (2 * ox0, 2 * oy0, 2 * ox1, 2 * oy1)
        return full

    def _update_luma(self, frame: np.ndarray, changed: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
        """The kept luma brought up to ``frame`` in ``changed``; the bounding box (x, y, w, h) of what differed
        from the last frame's, as the whole frame's difference gives it (nothing differs outside ``changed``)."""
        assert self._luma is not None
        luma = self._luma
        x0 = y0 = 1 << 30
        x1 = y1 = -1
        for rx0, ry0, rx1, ry1 in changed:
            if rx1 <= rx0 or ry1 <= ry0:
                continue
            part = cv2.cvtColor(np.ascontiguousarray(frame[ry0:ry1, rx0:rx1]), cv2.COLOR_RGB2GRAY)
            x, y, dw, dh = cv2.boundingRect(cv2.absdiff(part, luma[ry0:ry1, rx0:rx1]))
            luma[ry0:ry1, rx0:rx1] = part
            if dw:
                x0, y0, x1, y1 = min(x0, rx0 + x), min(y0, ry0 + y), max(x1, rx0 + x + dw), max(y1, ry0 + y + dh)
        return (x0, y0, x1 - x0, y1 - y0) if x1 >= 0 else (0, 0, 0, 0)
