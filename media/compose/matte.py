"""The presenter cut out of their photo, once per portrait.

mediapipe's selfie segmentation (its model ships inside the mediapipe 0.10.14
wheel, Apache-2.0) sees the photo at 256×256 (or 144×256 landscape), so its
mask is soft and blocky at full resolution. A guided filter (He et al.,
2010) on the photo snaps that coarse mask to the photo's own edges — hair,
collar, shoulders — without a second model. The matte is a still image, like
the photo; the renderer carries it through the same warp as the face (the
canvas's alpha channel), so head motion moves its edge too.

A large upload is filtered as He and Sun's *fast* guided filter (2015,
arXiv:1505.00996): the filter's coefficients are worked out on the photo
shrunk to about ``GUIDE_WORK_SIDE`` pixels on its short side, then enlarged
and applied to the full-resolution photo, so a 12-megapixel portrait costs
little more than a small one. The coefficients vary slowly (they are box
means), so enlarging them loses little; the edge itself still comes from the
full-resolution guide. The segmenter sees that same shrunk photo: it works at
256 pixels anyway.

Where the segmenter is unsure (its mask between ``SURE_BACKGROUND`` and
``SURE_PERSON``), OpenCV's GrabCut (Rother et al., 2004) decides, from the
colours of what it is sure of: person or background, not a share of each. Left
to the filter, an unsure area stayed half opaque: the cameraman preset's coat
showed the canvas through it, and his camera was smeared into the canvas's
colour. Only the unsure pixels can change; the sure ones stay as the
segmenter saw them.

Small holes in the segmenter's mask, wholly inside the person, are filled
before the filter: it reads a white shirt collar between a dark coat and the
face as background (the cameraman preset showed the canvas colour through his
collar). Only holes smaller than ``HOLE_SHARE`` of the person are filled, so
the background seen between an arm and the body stays background.

Where the matte is partly opaque (hair, a soft edge), the photo's pixel is a
mix of the person and the photo's own background: laid over another
background as it is, it brings a fringe of the old one with it (a white halo
from a studio wall, a grey cloud around a held camera). ``presenter_colours``
estimates the person's own colour there by Forte and Pitié's blur-fusion
(*Approximate fast foreground colour estimation*, ICIP 2021): from box means of
what is surely person and surely background around each pixel, it solves the
compositing equation for the person's colour, twice (a wide window, then a
narrow one). It changes only the partly opaque pixels, and costs a few box
blurs at the guided filter's working size.
"""

from __future__ import annotations

import io
import math
import threading
from typing import Any

import cv2
import numpy as np
from PIL import Image
from scipy.ndimage import binary_fill_holes, label, uniform_filter

#: bumped when the matte's recipe changes; cached mattes of another version are made again
MATTE_VERSION = 4
#: the guided filter's window radius as a share of the photo's short side, and its regulariser
GUIDE_RADIUS_SHARE = 0.012
GUIDE_EPS = 1e-3
#: the short side the filter's coefficients are computed at (a photo this small or smaller is not shrunk)
GUIDE_WORK_SIDE = 512
#: a hole in the person's mask smaller than this share of the person's area is filled (a collar, a badge)
HOLE_SHARE = 0.01
#: the segmenter's mask at or below SURE_BACKGROUND is background, at or above SURE_PERSON the person; between them
#: GrabCut decides, in GRABCUT_ROUNDS rounds; it is not run with fewer than GRABCUT_LEAST pixels on either side
#: (its colour models need samples of both)
SURE_BACKGROUND, SURE_PERSON = 0.1, 0.9
GRABCUT_ROUNDS = 5
GRABCUT_LEAST = 64
#: GrabCut sees at most this many pixels, the segmenter's own grid (256 × 256): its decisions are enlarged, and the
#: guided filter then finds their edges on the full-resolution photo (a 512² photo's matte: 0.14 s; 0.37 s with
#: GrabCut at 512²)
GRABCUT_PIXELS = 256 * 256

#: the blur-fusion's two box widths as shares of the photo's short side (the paper's 90 and 6 pixels on photos
#: of about 1,000 pixels), worked out at the guided filter's working size
FOREGROUND_WIDTHS = (0.09, 0.006)

_REMAP_ROW = 4096
#: the full-size pixels ``presenter_colours`` works on at once (a band of rows holding at most this many)
EDGE_BAND_PIXELS = 1 << 20

_segment_lock = threading.Lock()
#: one selfie-segmentation graph per model (0 general, 1 landscape) per process, used under ``_segment_lock``
_segmenters: dict[int, Any] = {}


def portrait_matte(rgb: np.ndarray) -> np.ndarray:
    """The person's opacity, uint8 (H, W): 255 on the person, 0 on the photo's background."""
    height, width = rgb.shape[:2]
    step = max(1, math.ceil(min(height, width) / GUIDE_WORK_SIDE))
    grey = _grey(rgb)  # 0..255
    small_rgb, small_grey = (rgb, grey) if step == 1 else (_shrunk(rgb, step), _shrunk(grey, step))
    coarse = person_mask(small_rgb)
    radius = max(2, round(GUIDE_RADIUS_SHARE * min(height, width)))
    guide = small_grey.astype(np.float32) * np.float32(1.0 / 255.0)
    a, b = guided_coefficients(guide, coarse, max(1, round(radius / step)), GUIDE_EPS)
    # a little contrast: the segmenter's 0.5 is the edge; far from it, fully in or out. Folded into a and b
    # (alpha = ((a·I + b) − 0.5)·1.6 + 0.5, I = grey / 255, alpha × 255) so full resolution is one multiply-add.
    gain = np.float32(1.6 * 255.0)
    a = a * (gain / np.float32(255.0))
    b = (b - np.float32(0.5)) * gain + np.float32(0.5 * 255.0 + 0.5)  # + 0.5: the cast below then rounds
    if step > 1:
        a, b = _enlarged(a, width, height), _enlarged(b, width, height)
    alpha: np.ndarray = a * grey
    alpha += b
    np.clip(alpha, 0.0, 255.0, out=alpha)
    opacity: np.ndarray = alpha.astype(np.uint8)
    return opacity


def presenter_colours(rgb: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """The photo with the person's own colours where ``matte`` is partly opaque, the photo's background taken out
    of them (blur-fusion, see the module's docstring); every other pixel as it was. uint8 RGB, a new array."""
    edge = (matte > 0) & (matte < 255)
    out = rgb.copy()
    if not edge.any():
        return out
    height, width = matte.shape
    step = max(1, math.ceil(min(height, width) / GUIDE_WORK_SIDE))
    small_rgb, small_matte = (rgb, matte) if step == 1 else (_shrunk(rgb, step), _shrunk(matte, step))
    image = small_rgb.astype(np.float32) * np.float32(1.0 / 255.0)
    alpha = small_matte.astype(np.float32) * np.float32(1.0 / 255.0)
    side = min(alpha.shape)
    wide, narrow = (max(3, round(share * side)) for share in FOREGROUND_WIDTHS)
    person, background = _blurred_sides(image, image, image, alpha, wide)
    person, background = _blurred_sides(image, _unmixed(image, alpha, person, background), background, alpha, narrow)
    # a band of rows at a time: about 80 bytes go to each edge pixel, and a 40-megapixel photo whose matte were
    # partly opaque everywhere would otherwise take 3 GB at once
    band = max(1, EDGE_BAND_PIXELS // width)
    for top in range(0, height, band):
        ys, xs = np.nonzero(edge[top : top + band])
        if not len(ys):
            continue
        ys += top
        if step > 1:  # the means read at the edge's pixels alone, bilinear, as a full-size enlargement gives them
            near, far = _sampled(person, xs, ys, width, height), _sampled(background, xs, ys, width, height)
        else:
            near, far = person[ys, xs], background[ys, xs]
        shown = rgb[ys, xs].astype(np.float32) * np.float32(1.0 / 255.0)
        unmixed = _unmixed(shown, matte[ys, xs].astype(np.float32) / np.float32(255.0), near, far)
        out[ys, xs] = (unmixed * np.float32(255.0) + np.float32(0.5)).astype(np.uint8)
    return out


def _sampled(plane: np.ndarray, xs: np.ndarray, ys: np.ndarray, width: int, height: int) -> np.ndarray:
    """``plane`` (a shrunk image) at full-size pixels (``xs``, ``ys``) of a ``width``×``height`` image: (N, 3)."""
    small_h, small_w = plane.shape[:2]
    count = len(xs)
    rows = -(-count // _REMAP_ROW)  # OpenCV's remap takes maps under 32,767 on a side: the points as rows of them
    map_x = np.zeros(rows * _REMAP_ROW, np.float32)
    map_y = np.zeros(rows * _REMAP_ROW, np.float32)
    map_x[:count] = (xs + 0.5) * (small_w / width) - 0.5
    map_y[:count] = (ys + 0.5) * (small_h / height) - 0.5
    sampled: np.ndarray = cv2.remap(
        plane,
        map_x.reshape(rows, _REMAP_ROW),
        map_y.reshape(rows, _REMAP_ROW),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return sampled.reshape(-1, plane.shape[2])[:count]


def _blurred_sides(
    image: np.ndarray, person: np.ndarray, background: np.ndarray, alpha: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Box means (``width`` wide) of the person's colours weighted by ``alpha``, and of the background's weighted
    by 1 − ``alpha``: what each side looks like around each pixel."""
    kernel = (width, width)
    a = alpha[..., None]
    mean_alpha = cv2.blur(alpha, kernel)[..., None]
    mean_person = cv2.blur(person * a, kernel) / (mean_alpha + np.float32(1e-5))
    mean_background = cv2.blur(background * (np.float32(1.0) - a), kernel) / (
        np.float32(1.0) - mean_alpha + np.float32(1e-5)
    )
    return mean_person, mean_background


def _unmixed(image: np.ndarray, alpha: np.ndarray, person: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The person's colour that, mixed by ``alpha`` with ``background``, gives ``image``: the compositing equation
    solved around the local means (``person`` where alpha is 0, the pixel itself where it is 1), 0..1."""
    a = alpha[..., None]
    unmixed: np.ndarray = person + a * (image - a * person - (np.float32(1.0) - a) * background)
    np.clip(unmixed, 0.0, 1.0, out=unmixed)
    return unmixed


def person_mask(rgb: np.ndarray) -> np.ndarray:
    """The person in the (shrunk) photo, float32 0..1: the segmenter's mask, its small holes filled, and where it
    is unsure, decided by GrabCut (then its small holes filled again)."""
    coarse = fill_small_holes(_segmentation(rgb))
    unsure = (coarse > SURE_BACKGROUND) & (coarse < SURE_PERSON)
    person = coarse >= 0.5
    if not unsure.any() or min(int(person.sum()), int((~person).sum())) < GRABCUT_LEAST:
        return coarse
    labels: np.ndarray = np.where(person, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    labels[coarse >= SURE_PERSON] = cv2.GC_FGD
    labels[coarse <= SURE_BACKGROUND] = cv2.GC_BGD
    height, width = coarse.shape
    work = rgb
    if height * width > GRABCUT_PIXELS:  # a long photo: its costs grow with its pixels
        shrink = math.sqrt(GRABCUT_PIXELS / (height * width))
        size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
        work = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        labels = cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
    # GrabCut's k-means draws from OpenCV's generator for this thread: seeded, the matte is the photo's alone
    cv2.setRNGSeed(0)
    labels, _, _ = cv2.grabCut(
        np.ascontiguousarray(work[..., ::-1]),
        labels,
        (0, 0, 0, 0),  # no rectangle: the labels say what is what (GC_INIT_WITH_MASK)
        np.zeros((1, 65), np.float64),
        np.zeros((1, 65), np.float64),
        GRABCUT_ROUNDS,
        cv2.GC_INIT_WITH_MASK,
    )
    chosen = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.float32)
    if chosen.shape != coarse.shape:
        chosen = (cv2.resize(chosen, (width, height), interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.float32)
    # only the unsure pixels are GrabCut's to decide
    decided = np.where(unsure, chosen, (coarse >= SURE_PERSON).astype(np.float32))
    return fill_small_holes(decided)


def fill_small_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` (float32 0..1) with each enclosed hole in its person (below 0.5, surrounded by 0.5 or more) smaller
    than ``HOLE_SHARE`` of the person's area raised to 1; larger holes and everything else as they were."""
    person = mask >= 0.5
    holes, count = label(binary_fill_holes(person) & ~person)
    if count == 0:
        return mask
    sizes = np.bincount(holes.ravel())
    small = np.flatnonzero(sizes < HOLE_SHARE * int(person.sum()))
    small = small[small > 0]  # label 0 is everything that is not a hole
    if small.size == 0:
        return mask
    filled = mask.copy()
    filled[np.isin(holes, small)] = 1.0
    return filled


def guided_filter(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He's guided filter with a grey guide: ``src`` smoothed, but keeping ``guide``'s edges.

    float32 (H, W) in, float32 (H, W) out."""
    a, b = guided_coefficients(guide, src, radius, eps)
    result: np.ndarray = a * guide + b
    return result.astype(np.float32)


def guided_coefficients(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The guided filter's mean coefficients (ā, b̄), so that the output is ``ā·guide + b̄``.

    Box means by ``scipy.ndimage.uniform_filter`` (O(1) per pixel whatever the
    radius). Apart from the last step so the fast filter can enlarge them."""
    size = 2 * radius + 1

    def mean(x: np.ndarray) -> np.ndarray:
        out: np.ndarray = uniform_filter(x, size=size, mode="reflect")
        return out

    mean_i, mean_p = mean(guide), mean(src)
    cov_ip = mean(guide * src) - mean_i * mean_p
    var_i = mean(guide * guide) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return mean(a).astype(np.float32), mean(b).astype(np.float32)


def _grey(rgb: np.ndarray) -> np.ndarray:
    """The guide: the mean of R, G and B, uint8 (H, W)."""
    grey: np.ndarray = cv2.transform(rgb, np.full((1, 3), 1.0 / 3.0, np.float32))
    return grey


def _shrunk(image: np.ndarray, step: int) -> np.ndarray:
    """An image at 1/``step`` of its size (averaged over areas: no aliasing on fine hair or fabric)."""
    height, width = image.shape[:2]
    size = (max(1, round(width / step)), max(1, round(height / step)))
    shrunk: np.ndarray = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return shrunk


def _enlarged(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    """A float32 plane enlarged to ``width``×``height``, bilinear."""
    enlarged: np.ndarray = cv2.resize(plane, (width, height), interpolation=cv2.INTER_LINEAR)
    return enlarged


def _segmentation(rgb: np.ndarray) -> np.ndarray:
    """mediapipe's person mask at the photo's size, float32 0..1 (bilinear from the model's grid)."""
    height, width = rgb.shape[:2]
    model = 1 if width > height * 1.2 else 0  # landscape
    with _segment_lock:
        mask = _segmenter(model).process(np.ascontiguousarray(rgb)).segmentation_mask
    mask = np.asarray(mask, dtype=np.float32)
    if mask.shape != (height, width):
        mask = np.asarray(Image.fromarray(mask, mode="F").resize((width, height), Image.Resampling.BILINEAR))
    clipped: np.ndarray = np.clip(mask, 0.0, 1.0)
    return clipped


def _segmenter(model: int) -> Any:
    """The process's graph for ``model``, made on first use (call under ``_segment_lock``). The graph keeps no
    state between photos (no tracking, no smoothing), so one serves every portrait."""
    if model not in _segmenters:
        import mediapipe as mp

        _segmenters[model] = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=model)
    return _segmenters[model]


def matte_key(photo_sha256: str) -> str:
    """Where a photo's matte is kept in storage: by the photo's hash (a preset, or the same photo uploaded twice, is
    segmented once) and this recipe's version (a new recipe makes them again)."""
    return f"cache/mattes/v{MATTE_VERSION}/{photo_sha256}.png"


def matte_png(matte: np.ndarray) -> bytes:
    """The matte as a greyscale PNG, to store beside the portrait."""
    buffer = io.BytesIO()
    Image.fromarray(matte, mode="L").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def matte_from_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))
