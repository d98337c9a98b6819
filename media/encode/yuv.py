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


#: a rectangle of a frame: (x0, y0, x1, y1), ends excluded
Rect = tuple[int, int, int, int]


def even_rect(rect: Rect, width: int, height: int) -> Rect | None:
    """``rect`` grown to even corners (whole 2×2 chroma blocks) and clipped to the frame; None when empty."""
    x0, y0, x1, y1 = rect
    x0, y0 = max(x0 // 2 * 2, 0), max(y0 // 2 * 2, 0)
    x1, y1 = min(-(-x1 // 2) * 2, width), min(-(-y1 // 2) * 2, height)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def covering_rects(rects: list[Rect]) -> list[Rect]:
    """``rects`` without repeats and without those inside another: the same pixels, each drawn once fewer
    times (a presenter's box is both where the last frame drew and where this one draws)."""
    unique = sorted(set(rects), key=lambda r: (r[2] - r[0]) * (r[3] - r[1]), reverse=True)
    kept: list[Rect] = []
    for x0, y0, x1, y1 in unique:
        if not any(k[0] <= x0 and k[1] <= y0 and x1 <= k[2] and y1 <= k[3] for k in kept):
            kept.append((x0, y0, x1, y1))
    return kept


def rgb_to_yuv420_into(rgb: np.ndarray, out: np.ndarray, rects: list[Rect] | None = None) -> None:
    """``rgb_to_yuv420(rgb)`` written into ``out`` (an earlier frame's yuv420p), but only in ``rects``
    (all of it when None): when a frame differs from the one before only there (a presenter over a still
    background), the rest of ``out`` is already right. Each pixel and each 2×2 chroma block comes out as the
    whole frame's conversion gives it (per pixel and per block, so a part converts as the whole does)."""
    height, width = rgb.shape[:2]
    if out.shape != yuv420_shape(width, height) or out.dtype != np.uint8:
        raise ValueError(f"expected a {yuv420_shape(width, height)} uint8 yuv420p frame, got {out.shape} {out.dtype}")
    if rects is None:
        out[...] = rgb_to_yuv420(rgb)
        return
    y_out, u_out, v_out = _planes(out, width, height)
    for rect in rects:
        even = even_rect(rect, width, height)
        if even is None:
            continue
        x0, y0, x1, y1 = even
        part = rgb_to_yuv420(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
        y_part, u_part, v_part = _planes(part, x1 - x0, y1 - y0)
        y_out[y0:y1, x0:x1] = y_part
        u_out[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = u_part
        v_out[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = v_part


def _planes(yuv420: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Y, U and V planes of a yuv420p frame as 2-D views."""
    flat = yuv420.reshape(-1)
    quarter = (height // 2) * (width // 2)
    u = flat[height * width : height * width + quarter].reshape(height // 2, width // 2)
    v = flat[height * width + quarter :].reshape(height // 2, width // 2)
    return yuv420[:height], u, v
