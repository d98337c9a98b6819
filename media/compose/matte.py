"""The presenter cut out of their photo, once per portrait.

mediapipe's selfie segmentation (its model ships inside the mediapipe 0.10.14
wheel, Apache-2.0) sees the photo at 256×256 (or 144×256 landscape), so its
mask is soft and blocky at full resolution. A guided filter (He et al.,
2010) on the full-resolution photo snaps that coarse mask to the photo's own
edges — hair, collar, shoulders — without a second model. The matte is a
still image, like the photo; the renderer carries it through the same warp as
the face (the canvas's alpha channel), so head motion moves its edge too.
"""

from __future__ import annotations

import io
import threading

import numpy as np
from PIL import Image
from scipy.ndimage import uniform_filter

#: bumped when the matte's recipe changes; cached mattes of another version are made again
MATTE_VERSION = 1
#: the guided filter's window radius as a share of the photo's short side, and its regulariser
GUIDE_RADIUS_SHARE = 0.012
GUIDE_EPS = 1e-3

_segment_lock = threading.Lock()


def portrait_matte(rgb: np.ndarray) -> np.ndarray:
    """The person's opacity, uint8 (H, W): 255 on the person, 0 on the photo's background."""
    coarse = _segmentation(rgb)
    guide = rgb.astype(np.float32).mean(axis=2) / 255.0
    radius = max(2, round(GUIDE_RADIUS_SHARE * min(rgb.shape[:2])))
    refined = guided_filter(guide, coarse, radius, GUIDE_EPS)
    # a little contrast: the segmenter's 0.5 is the edge; far from it, fully in or out
    alpha = np.clip((refined - 0.5) * 1.6 + 0.5, 0.0, 1.0)
    return np.rint(alpha * 255.0).astype(np.uint8)


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He's guided filter with a grey guide: ``src`` smoothed, but keeping ``guide``'s edges.

    Box means by ``scipy.ndimage.uniform_filter`` (O(1) per pixel whatever the
    radius); float32 (H, W) in, float32 (H, W) out."""
    size = 2 * radius + 1

    def mean(x: np.ndarray) -> np.ndarray:
        out: np.ndarray = uniform_filter(x, size=size, mode="reflect")
        return out

    mean_i, mean_p = mean(guide), mean(src)
    cov_ip = mean(guide * src) - mean_i * mean_p
    var_i = mean(guide * guide) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    result: np.ndarray = mean(a) * guide + mean(b)
    return result.astype(np.float32)


def _segmentation(rgb: np.ndarray) -> np.ndarray:
    """mediapipe's person mask at the photo's size, float32 0..1 (bilinear from the model's grid)."""
    import mediapipe as mp

    height, width = rgb.shape[:2]
    landscape = width > height * 1.2
    with (
        _segment_lock,
        mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=1 if landscape else 0) as seg,
    ):
        mask = seg.process(np.ascontiguousarray(rgb)).segmentation_mask
    mask = np.asarray(mask, dtype=np.float32)
    if mask.shape != (height, width):
        mask = np.asarray(Image.fromarray(mask, mode="F").resize((width, height), Image.Resampling.BILINEAR))
    clipped: np.ndarray = np.clip(mask, 0.0, 1.0)
    return clipped


def matte_png(matte: np.ndarray) -> bytes:
    """The matte as a greyscale PNG, to store beside the portrait."""
    buffer = io.BytesIO()
    Image.fromarray(matte, mode="L").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def matte_from_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))
