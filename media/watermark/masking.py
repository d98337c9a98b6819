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
with the content, and costs well under a millisecond at 512².
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
    amplitude = cv2.GaussianBlur(np.minimum(amplitude, headroom), (0, 0), 1.5) * strength
    # The pattern has unit RMS and is unrelated to the picture, so the frame's
    # watermark RMS is the RMS of this map.
    rms = float(np.sqrt(np.mean(amplitude * amplitude)))
    if rms > MAX_RMS:
        amplitude *= MAX_RMS / rms
    full_size: NDArray[np.float32] = cv2.resize(amplitude, (w, h), interpolation=cv2.INTER_LINEAR)
    return full_size
