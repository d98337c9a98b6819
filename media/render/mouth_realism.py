"""How real the inside of a mouth looks: texture statistics against real mouths.

Simple statistics (the teeth band's periodicity, the cavity's spread and
warmth, the inner edge's width) passed a mouth that reads as drawn: tiles of
teeth, a flat painted cavity, a hard band of one colour. So the measure
compares texture instead, as sample-based face synthesis did: inside the inner
lip line, after normalising scale (the mouth resampled to ``NORM_WIDTH`` px
wide) and light (luminance over the surrounding skin's), it pools over frames

- rotation-invariant uniform local binary patterns at radius 1 and 2 (riu2,
  8 neighbours, 10 bins each): flat paint is all "flat" codes, real teeth and
  shadows a spread of edges and corners;
- a histogram of gradient orientations weighted by magnitude (12 bins over
  0–180°): evenly spaced vertical lines pile into the horizontal bin;
- histograms of gradient magnitude (log-spaced) and of luminance relative to
  the skin: pure black and flat colour fall in one bin.

Each family is a normalised histogram; the distance of two descriptors is the
mean over families of the chi-square distance (0 equal .. 1 disjoint).
Nothing here finds the face: callers pass the inner lip polygon (face-mesh
``face.LIPS_INNER`` points tracked on the frame) and a skin level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

#: the mouth is resampled to this inner-corner width before its texture is read
NORM_WIDTH = 96
#: LBP neighbours must exceed the centre by this share of the skin level to count as brighter
LBP_THRESHOLD = 0.012
ORIENTATION_BINS = 12
MAGNITUDE_EDGES = np.array([0.0, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, np.inf])
LUMA_EDGES = np.array([0.0, 0.05, 0.12, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.25, np.inf])
FAMILIES = ("lbp1", "lbp2", "orientation", "magnitude", "luminance")


@dataclass
class MouthTexture:
    """Pooled texture histograms of one or more mouths (counts, not yet normalised)."""

    counts: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    pixels: int = 0
    frames: int = 0

    def add(self, other: MouthTexture) -> None:
        for name, values in other.counts.items():
            self.counts[name] = self.counts.get(name, np.zeros_like(values)) + values
        self.pixels += other.pixels
        self.frames += other.frames

    def histograms(self) -> dict[str, NDArray[np.float64]]:
        return {name: values / max(float(values.sum()), 1e-12) for name, values in self.counts.items()}


def pooled(textures: Iterable[MouthTexture]) -> MouthTexture:
    total = MouthTexture()
    for texture in textures:
        total.add(texture)
    return total


def distance(a: MouthTexture, b: MouthTexture) -> float:
    """Mean chi-square distance over the histogram families (0 same .. 1 disjoint)."""
    ha, hb = a.histograms(), b.histograms()
    values = []
    for name in FAMILIES:
        p, q = ha[name], hb[name]
        total = p + q
        values.append(0.5 * float(np.sum(np.where(total > 0, (p - q) ** 2 / np.maximum(total, 1e-12), 0.0))))
    return float(np.mean(values))


def family_distances(a: MouthTexture, b: MouthTexture) -> dict[str, float]:
    ha, hb = a.histograms(), b.histograms()
    out = {}
    for name in FAMILIES:
        p, q = ha[name], hb[name]
        total = p + q
        out[name] = 0.5 * float(np.sum(np.where(total > 0, (p - q) ** 2 / np.maximum(total, 1e-12), 0.0)))
    return out


def skin_level(rgb: np.ndarray, outer_lips: np.ndarray, inner_lips: np.ndarray) -> float:
    """Median luminance of the skin just outside the lips (a ring one mouth
    height wide): the light the mouth's inside is measured against."""
    gray = _luminance(rgb)
    x0, y0 = np.floor(outer_lips.min(axis=0)).astype(int)
    x1, y1 = np.ceil(outer_lips.max(axis=0)).astype(int)
    pad = max(int(0.35 * (x1 - x0)), 3)
    h, w = gray.shape
    bx0, by0, bx1, by1 = max(x0 - pad, 0), max(y0 - pad, 0), min(x1 + pad, w), min(y1 + pad, h)
    ring = np.zeros((by1 - by0, bx1 - bx0), np.uint8)
    cv2.fillPoly(ring, [np.round(_dilate(outer_lips, 1.35) - (bx0, by0)).astype(np.int32)], 255)
    cv2.fillPoly(ring, [np.round(outer_lips - (bx0, by0)).astype(np.int32)], 0)
    values = gray[by0:by1, bx0:bx1][ring > 0]
    return float(np.median(values)) if len(values) else float(np.median(gray))


def mouth_texture(rgb: np.ndarray, inner_lips: np.ndarray, skin: float) -> MouthTexture:
    """Texture histograms of the mouth's inside in one frame.

    ``inner_lips``: (N, 2) pixel points of the inner lip line, corner to corner
    along the upper lip and back along the lower (``face.LIPS_INNER`` order);
    ``skin``: ``skin_level`` of the frame.
    """
    points = np.asarray(inner_lips, dtype=np.float64)
    width = float(np.linalg.norm(points[0] - points[len(points) // 2]))
    scale = NORM_WIDTH / max(width, 1.0)
    x0, y0 = points.min(axis=0) - 4 / scale
    x1, y1 = points.max(axis=0) + 4 / scale
    out_w, out_h = int(np.ceil((x1 - x0) * scale)), int(np.ceil((y1 - y0) * scale))
    # Only the mouth's box (with room for the blur) is converted and resampled.
    h, w = rgb.shape[:2]
    pad = int(np.ceil(2 / scale)) + 2
    bx0, by0 = max(int(x0) - pad, 0), max(int(y0) - pad, 0)
    bx1, by1 = min(int(np.ceil(x1)) + pad, w), min(int(np.ceil(y1)) + pad, h)
    gray = np.asarray(_luminance(rgb[by0:by1, bx0:bx1]) / max(skin, 1.0), np.float32)
    if scale < 1:  # shrinking: blur first, as an area average would
        gray = np.asarray(cv2.GaussianBlur(gray, (0, 0), 0.45 / scale), np.float32)
    matrix = np.array([[scale, 0.0, (bx0 - x0) * scale], [0.0, scale, (by0 - y0) * scale]])
    norm = cv2.warpAffine(gray, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    polygon = np.zeros((out_h, out_w), np.uint8)
    cv2.fillPoly(polygon, [np.round((points - (x0, y0)) * scale * 4).astype(np.int32)], 255, shift=2)
    # Leave out the two pixels of the lip line itself: the tracker's line wanders that much.
    inside = cv2.erode(polygon, np.ones((3, 3), np.uint8), iterations=1) > 0
    texture = MouthTexture(frames=1, pixels=int(inside.sum()))
    if texture.pixels < 20:
        texture.frames = 0
        texture.counts = {
            name: np.zeros(n)
            for name, n in (
                ("lbp1", 10),
                ("lbp2", 10),
                ("orientation", ORIENTATION_BINS),
                ("magnitude", len(MAGNITUDE_EDGES) - 1),
                ("luminance", len(LUMA_EDGES) - 1),
            )
        }
        return texture
    texture.counts["lbp1"] = np.bincount(_lbp_riu2(norm, 1)[inside], minlength=10).astype(np.float64)
    texture.counts["lbp2"] = np.bincount(_lbp_riu2(norm, 2)[inside], minlength=10).astype(np.float64)
    gx = cv2.Sobel(norm, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(norm, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    magnitude = np.hypot(gx, gy)[inside]
    angle = np.degrees(np.arctan2(gy, gx))[inside] % 180.0
    bins = np.minimum((angle / (180.0 / ORIENTATION_BINS)).astype(int), ORIENTATION_BINS - 1)
    texture.counts["orientation"] = np.bincount(bins, weights=magnitude, minlength=ORIENTATION_BINS).astype(np.float64)
    texture.counts["magnitude"] = np.histogram(magnitude, MAGNITUDE_EDGES)[0].astype(np.float64)
    texture.counts["luminance"] = np.histogram(norm[inside], LUMA_EDGES)[0].astype(np.float64)
    return texture


def _luminance(rgb: np.ndarray) -> NDArray[np.float32]:
    rgb = np.asarray(rgb)[..., :3].astype(np.float32)
    luma: NDArray[np.float32] = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    return luma


def _dilate(points: np.ndarray, factor: float) -> np.ndarray:
    centre = points.mean(axis=0)
    grown: np.ndarray = centre + (points - centre) * factor
    return grown


def _lbp_riu2(gray: np.ndarray, radius: int) -> NDArray[np.intp]:
    """Rotation-invariant uniform LBP codes (0..9) of an image, 8 neighbours at ``radius``."""
    padded = cv2.copyMakeBorder(gray, radius + 1, radius + 1, radius + 1, radius + 1, cv2.BORDER_REPLICATE)
    h, w = gray.shape
    angles = 2 * np.pi * np.arange(8) / 8
    bits = []
    for a in angles:
        dx, dy = radius * np.cos(a), -radius * np.sin(a)
        m = np.array([[1.0, 0.0, dx + radius + 1], [0.0, 1.0, dy + radius + 1]], dtype=np.float64)
        neighbour = cv2.warpAffine(padded, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        bits.append(neighbour - gray >= LBP_THRESHOLD)
    stack = np.stack(bits).astype(np.int8)
    transitions = np.abs(np.diff(np.concatenate([stack, stack[:1]]), axis=0)).sum(axis=0)
    ones = stack.sum(axis=0)
    codes: NDArray[np.intp] = np.where(transitions <= 2, ones, 9).astype(np.intp)
    return codes
