"""RGB frames as the encoder's own input: planar 4:2:0, BT.709, limited range.

x264 encodes yuv420p. Given RGB, ffmpeg converts each frame with swscale in
its own process, which on a 1080p frame costs more CPU than doing it here with
one OpenCV matrix product and a 2×2 average for the chroma (4:2:0 keeps one
chroma sample per block), and the
pipe then carries half the bytes. It also hands the luma plane — what the
invisible watermark lives in and what its detector reads — to the caller
before the frame is queued (``media.watermark``'s ``apply_to_luma``).

The colours are what ``SegmentEncoder``'s RGB path gives (``scale=
out_color_matrix=bt709:out_range=tv``): the same matrix and range, within a
level of swscale's rounding and chroma filter.
"""

from __future__ import annotations

import cv2
import numpy as np

#: BT.709 luma weights and the limited range's scales (luma 16–235, chroma 16–240 about 128).
KR, KB = 0.2126, 0.0722
KG = 1.0 - KR - KB
LUMA_SCALE, CHROMA_SCALE = 219.0 / 255.0, 224.0 / 255.0

#: rows: Y, U, V from R, G, B (and the offset); one 3×4 product, which OpenCV runs far faster than a 1- or 2-row one
_MATRIX = np.array(
    [
        [KR * LUMA_SCALE, KG * LUMA_SCALE, KB * LUMA_SCALE, 16.0],
        [-KR / (2 - 2 * KB) * CHROMA_SCALE, -KG / (2 - 2 * KB) * CHROMA_SCALE, 0.5 * CHROMA_SCALE, 128.0],
        [0.5 * CHROMA_SCALE, -KG / (2 - 2 * KR) * CHROMA_SCALE, -KB / (2 - 2 * KR) * CHROMA_SCALE, 128.0],
    ],
    np.float32,
)


def yuv420_shape(width: int, height: int) -> tuple[int, int]:
    """The (rows, columns) of a ``rgb_to_yuv420`` frame: the luma plane, then the two chroma planes below it."""
    return height * 3 // 2, width


def rgb_to_yuv420(rgb: np.ndarray) -> np.ndarray:
    """An (H, W, 3) uint8 RGB frame (both sides even) as one (H·3/2, W) uint8 array holding the Y, U and V
    planes back to back (ffmpeg's ``yuv420p``); ``luma_plane`` gives its first H rows."""
    height, width = rgb.shape[:2]
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or height % 2 or width % 2:
        raise ValueError(f"expected an even-sized (H, W, 3) uint8 frame, got {rgb.shape} {rgb.dtype}")
    out = np.empty(yuv420_shape(width, height), np.uint8)
    flat = out.reshape(-1)
    yuv = cv2.transform(rgb, _MATRIX)
    cv2.extractChannel(yuv, 0, dst=out[:height])
    # 4:2:0: one chroma sample per 2×2 block, their mean (the matrix is linear, so this is the blocks' colour)
    half = cv2.resize(yuv, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    quarter = (height // 2) * (width // 2)
    for channel in (1, 2):
        start = height * width + (channel - 1) * quarter
        cv2.extractChannel(half, channel, dst=flat[start : start + quarter].reshape(height // 2, width // 2))
    return out


def luma_plane(yuv420: np.ndarray) -> np.ndarray:
    """The Y plane of a ``rgb_to_yuv420`` frame, as a writable view."""
    return yuv420[: yuv420.shape[0] * 2 // 3]
