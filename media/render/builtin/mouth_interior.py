"""The inside of the built-in mouth, painted per frame from the model's fields.

What used to be drawn (a flat grey-white bar cut by evenly spaced lines, a flat
black or maroon cavity, a hard band of dark red at the lip) is replaced by:

- **teeth** sampled from a real photograph (``teeth.TeethStrip``, colour-matched
  at prepare) at each pixel's place across the mouth (the ``across`` field) and
  its height above the upper teeth's edge (fixed to the skull) or below the
  lower teeth's edge (riding on the jaw): the strip bends and moves with the
  mouth. They darken towards the corners, under the upper lip and further back
  (the lower row); no outline is drawn. The lower lip covers the lower teeth
  except where a sound bares them (the ``teeth`` control);
- a **cavity** that is a dark warm gradient: lightest next to the lips and
  teeth, deepest in the middle of the opening and at the corners, never black;
- a **tongue** on the jaw's floor, a low dome that shows once the mouth opens
  (open vowels, l, n, th), its tip rising towards the upper teeth with the
  ``tongue`` control (l, n, th, t, d);
- **inner lip edges**: the lip's own colour carried a few pixels into the
  opening and fading, so the lip turns inward instead of ending on a line.

All of it is arithmetic on the frame's own fields and controls, so a frame
paints the same alone or in any batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from numpy.typing import NDArray

from media.render.builtin.teeth import TEETH_HEIGHT, TeethStrip
from media.render.controls import INDEX

#: the cavity next to the lips and at its deepest, relative to the palette's cavity colour
CAVITY_FRONT, CAVITY_BACK = 1.9, 0.55
#: the cavity never goes below this (RGB): a mouth's inside is never pure black
CAVITY_FLOOR = np.array([14.0, 6.0, 6.0], np.float32)
#: the lower teeth show at most this far above the lower lip (mouth half-widths), times
#: the ``teeth`` control: on most sounds the lower lip covers them
LOWER_SHOW = 0.10
#: the lower incisors are narrower: the strip is read this much faster across
LOWER_NARROWING = 1.25
#: the teeth reach this far from the centre (half-widths), fading out over the last FADE
TEETH_REACH, TEETH_FADE = 0.86, 0.25
#: drawn teeth higher than this (share of their height) repeat this row: above it the
#: photograph shows the shadow under her upper lip, not more tooth
TEETH_TOP = 0.45
#: above this share of the teeth's height the gum shows (a smiling portrait's lifted lip)
GUM_FROM = 0.6
#: the tongue's dome at rest, as a share of the opening; how high its tip rises (share) and how wide it is (half-widths)
TONGUE_REST, TONGUE_TIP, TONGUE_TIP_WIDTH, TONGUE_WIDTH = 0.26, 0.46, 0.42, 0.78
#: the inner lip edge: the lip's colour carried this far into the opening (half-widths, at least 1.5 px)
LIP_EDGE = 0.08
#: drawn upper incisors show this much more below the upper lip than the model's edge
#: (half-widths; about 1-2 mm, the display of relaxed adult lips)
UPPER_DISPLAY = 0.05
#: the cavity and tongue are mottled (the palate's ridges, the tongue's surface, uneven
#: shadow) by this much, from a fixed noise pattern that moves with the mouth
MOTTLE = 0.14
#: flat remaps are laid out in rows this long (see ``_remap_flat``)
REMAP_ROW = 1024


@dataclass(frozen=True)
class Interior:
    """What one portrait's mouth is painted with."""

    strip: TeethStrip  # colour-matched teeth
    cavity: NDArray[np.float32]  # RGB, the palette's cavity colour (lit like the face)
    tongue: NDArray[np.float32]  # RGB
    lip: NDArray[np.float32]  # RGB, the lips' own colour
    half_width: float  # px
    upper_display: float  # px the drawn upper teeth reach below the model's edge (0 for a portrait's own)
    white_source: str  # where the teeth's white came from (own teeth, eye whites, skin)


def paint(
    target: np.ndarray,
    below_top: np.ndarray,
    above_bottom: np.ndarray,
    look: np.ndarray,
    alpha: np.ndarray,
    fade: np.ndarray,
    animation: np.ndarray,
    interior: Interior,
) -> None:
    """Paint the mouth's inside over ``target`` (H, W, 3 uint8, in place).

    ``below_top``/``above_bottom``: signed distances to the opening's edges (px);
    ``look``: the fields from ``cavity_strength`` on (``controls.FIELD_NAMES`` 4..11);
    ``alpha``: how much of each pixel is inside and not the portrait's own teeth;
    ``fade``: the opening's fade-in; ``animation``: the frame's controls row.

    Only the pixels the paint reaches (``alpha * fade > 0``, typically a fifth of
    the box) are computed: they are gathered into flat arrays, coloured, and
    written back. Every step is per pixel except the lips' surround, a blur,
    which runs on those pixels' bounding box widened by its kernel's reach.
    """
    a = alpha * fade
    reached = a > 0
    if not reached.any():
        return
    edge = max(LIP_EDGE * max(interior.half_width, 1.0), 1.5)
    lip = _surround_at(target, alpha, edge, interior.lip, reached)
    colour = _colour(below_top[reached], above_bottom[reached], look[reached], lip, edge, animation, interior)
    blended = target[reached].astype(np.float32) * (1.0 - a[reached])[:, None] + colour * a[reached][:, None]
    target[reached] = np.rint(blended).clip(0, 255).astype(np.uint8)


def _colour(
    below_top: np.ndarray,
    above_bottom: np.ndarray,
    look: np.ndarray,
    lip: np.ndarray,
    edge: float,
    animation: np.ndarray,
    interior: Interior,
) -> NDArray[np.float32]:
    """The painted colour (N, 3) of N pixels, from their fields (N,), their ``look`` (N, 8) and surround colour (N, 3)."""
    hw = max(interior.half_width, 1.0)
    above_upper, below_lower, light, _below_tongue, shade, across = (
        np.ascontiguousarray(look[:, i]) for i in range(1, 7)
    )
    above_upper = above_upper + interior.upper_display
    u = across
    u2 = np.minimum(u * u, 1.5)
    teeth_bared = float(np.clip(animation[INDEX["teeth"]], 0.0, 1.0))
    tongue_up = float(np.clip(animation[INDEX["tongue"]], 0.0, 1.0))
    jaw = float(np.clip(animation[INDEX["jaw"]], 0.0, 1.0))
    # Signed distance below the lower teeth's edge: on the jaw, just under the lower
    # lip's edge, and up to LOWER_SHOW above it where a sound bares the teeth (the
    # lip drawn down off them: s, ee, ch, th; not a, o, u).
    show = LOWER_SHOW * hw * float(np.clip((teeth_bared - 0.45) / 0.35, 0.0, 1.0))
    lower_edge = np.minimum(below_lower + show, show - above_bottom)

    # Distances from the opening's visible boundaries (lip or teeth), for the gradient.
    to_top = np.minimum(below_top, -above_upper)
    to_bottom = np.minimum(above_bottom, -lower_edge)
    height = np.maximum(to_top + to_bottom, 1.0)
    depth = np.clip(np.minimum(to_top, to_bottom) / (0.5 * height), 0.0, 1.0)
    near = (1.0 - depth) ** 2
    corner = 1.0 - 0.45 * np.clip(u2, 0.0, 1.0)
    lips_height = np.maximum(below_top + above_bottom, 1.0)
    mottle = 1.0 + MOTTLE * _noise(u, above_bottom / hw)
    level = (CAVITY_BACK + (CAVITY_FRONT - CAVITY_BACK) * near) * corner * (0.8 + 0.2 * shade) * mottle
    colour: NDArray[np.float32] = np.maximum(interior.cavity * level[..., None], CAVITY_FLOOR).astype(np.float32)

    # The tongue: a dome on the jaw's floor, its tip rising with the tongue control.
    dome = np.sqrt(np.clip(1.0 - u2 / (TONGUE_WIDTH * TONGUE_WIDTH), 0.0, 1.0))
    tip = np.clip(1.0 - u2 / (TONGUE_TIP_WIDTH * TONGUE_TIP_WIDTH), 0.0, 1.0) ** 2
    top_share = TONGUE_REST * (0.5 + 0.5 * jaw) * dome + TONGUE_TIP * tongue_up * tip
    below_surface = top_share * lips_height - above_bottom  # > 0 inside the tongue
    soft = max(0.02 * hw, 1.0)
    tongue = _smooth(below_surface / (2.0 * soft) + 0.5)
    # Lit most on its front (low in the opening, near the lower lip), falling away
    # towards its upper contour (further back) and its sides.
    front = np.clip(below_surface / np.maximum(top_share * lips_height, 1.0), 0.0, 1.0)
    lit = (0.6 + 0.4 * front) * (1.0 - 0.45 * np.clip(u2 / (TONGUE_WIDTH * TONGUE_WIDTH), 0.0, 1.0))
    tongue_colour = interior.tongue * (lit * mottle)[..., None]
    colour += (tongue_colour - colour) * tongue[..., None]

    # The teeth: the lower row (behind the lower lip), then the upper row in front.
    strip = interior.strip
    # Rounded, pushed-out lips narrow the opening and shade its sides sooner.
    rounding = float(np.clip(-animation[INDEX["width"]], 0.0, 1.0))
    reach = _smooth((TEETH_REACH * (1.0 - 0.45 * rounding) - np.abs(u)) / TEETH_FADE)
    narrowed = np.clip(u2 / (1.0 - 0.45 * rounding) ** 2, 0.0, 1.0)
    sides = (1.0 - 0.6 * narrowed) * (0.85 + 0.15 * light)
    lower_v = np.maximum(lower_edge, 0.0) / (TEETH_HEIGHT * hw)
    lower = _sample(strip, u * LOWER_NARROWING, lower_v)
    lower_shade = 0.8 * sides * (0.75 + 0.25 * _smooth(above_bottom / (0.08 * hw)))
    lower_alpha = _smooth(lower_edge / 1.2 - 0.3) * reach
    colour += (lower * lower_shade[..., None] - colour) * lower_alpha[..., None]
    upper_v = np.maximum(above_upper, 0.0) / (TEETH_HEIGHT * hw)
    upper = _sample(strip, u, upper_v)
    # Where the upper lip lifts past the teeth's height, the gum shows: the lip's colour, darker.
    gum = _smooth((upper_v - GUM_FROM) / 0.3)[..., None]
    upper += (lip * 0.8 - upper) * gum
    under_lip = 0.75 + 0.25 * _smooth(below_top / (0.12 * hw))
    upper_alpha = _smooth(above_upper / 1.2 + 0.5) * reach
    colour += (upper * (sides * under_lip)[..., None] - colour) * upper_alpha[..., None]

    # The lips turn inward: their colour carried into the opening, darkening as it goes.
    # Their colour is the local one (the lip, or the skin at the corners): the pixels
    # around the opening, away from the seam, spread inwards by a normalised blur.
    # Over the upper teeth the lip is thin: its edge carries less of its colour.
    for distance, over in ((below_top, 0.6 * upper_alpha), (above_bottom, 0.0)):
        t = np.clip(distance / edge, 0.0, 1.0)
        weight = (1.0 - t) ** 1.5 * (1.0 - over * (distance > 0))
        colour += (lip * (0.95 - 0.45 * t)[..., None] - colour) * weight[..., None]
    return colour


def _surround_at(
    target: np.ndarray, alpha: np.ndarray, reach: float, fallback: np.ndarray, at: np.ndarray
) -> NDArray[np.float32]:
    """The colour of the pixels around the painted area (``alpha`` under 0.02), spread over
    it by a normalised blur, at the pixels ``at`` (N, 3); ``fallback`` where nothing is near.

    Only those pixels' bounding box and the blur's reach around it are blurred (cut at the
    target's edges, where the border rule then applies as on the whole target)."""
    rows, cols = np.flatnonzero(at.any(axis=1)), np.flatnonzero(at.any(axis=0))
    sigma = 0.8 * reach + 1.0
    margin = _blur_reach(sigma) + 1
    y0, x0 = max(int(rows[0]) - margin, 0), max(int(cols[0]) - margin, 0)
    y1, x1 = min(int(rows[-1]) + 1 + margin, at.shape[0]), min(int(cols[-1]) + 1 + margin, at.shape[1])
    outside = (alpha[y0:y1, x0:x1] < 0.02).astype(np.float32)
    inner = at[y0:y1, x0:x1]
    weight = cv2.GaussianBlur(outside, (0, 0), sigma)[inner]
    spread = cv2.GaussianBlur(target[y0:y1, x0:x1].astype(np.float32) * outside[..., None], (0, 0), sigma)[inner]
    colour = np.where((weight > 1e-3)[:, None], spread / np.maximum(weight, 1e-3)[:, None], fallback)
    return np.asarray(colour, np.float32)


def _blur_reach(sigma: float) -> int:
    """How far OpenCV's GaussianBlur on float32 looks for ``ksize=(0, 0)``: half its kernel, ``round(8 sigma + 1) | 1``."""
    return (int(round(sigma * 8 + 1)) | 1) // 2


@lru_cache(maxsize=1)
def _noise_pattern() -> NDArray[np.float32]:
    """A fixed pattern of soft blotches, -1..1, 64 × 64, the same in every process."""
    rng = np.random.default_rng(22)
    blurred = cv2.GaussianBlur(
        rng.standard_normal((64, 64)).astype(np.float32), (0, 0), 2.0, borderType=cv2.BORDER_REFLECT
    )
    pattern = np.asarray(blurred / max(float(np.abs(blurred).max()), 1e-6), np.float32)
    pattern.setflags(write=False)
    return pattern


def _noise(u: np.ndarray, v: np.ndarray) -> NDArray[np.float32]:
    """The pattern at (u across, v up from the lower lip), both in mouth half-widths:
    it rides on the lips, so it moves with the mouth and does not swim."""
    map_x = ((u + 1.2) * 24.0).astype(np.float32)
    map_y = (v * 24.0 + 8.0).astype(np.float32)
    return _remap_flat(_noise_pattern(), map_x, map_y, cv2.BORDER_REFLECT)


def _smooth(x: np.ndarray) -> np.ndarray:
    t = np.clip(x, 0.0, 1.0)
    out: np.ndarray = t * t * (3.0 - 2.0 * t)
    return out


def _sample(strip: TeethStrip, u: np.ndarray, v: np.ndarray) -> NDArray[np.float32]:
    """The strip's colour at (u across, v up the teeth), bilinear, edges replicated."""
    map_x = (strip.centre + u * strip.px_per_hw).astype(np.float32)
    map_y = (strip.edge_row - np.minimum(v, TEETH_TOP) * strip.teeth_rows).astype(np.float32)
    return _remap_flat(strip.pixels, map_x, map_y, cv2.BORDER_REPLICATE)


def _remap_flat(source: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, border: int) -> NDArray[np.float32]:
    """``cv2.remap`` at N points given as flat maps (N,): laid out in rows of REMAP_ROW, as OpenCV
    refuses maps 32767 or more wide or tall."""
    n = len(map_x)
    rows = -(-n // REMAP_ROW)
    grid_x, grid_y = np.zeros(rows * REMAP_ROW, np.float32), np.zeros(rows * REMAP_ROW, np.float32)
    grid_x[:n], grid_y[:n] = map_x, map_y
    shape = (rows, REMAP_ROW)
    sampled = cv2.remap(source, grid_x.reshape(shape), grid_y.reshape(shape), cv2.INTER_LINEAR, borderMode=border)
    flat = sampled.reshape(rows * REMAP_ROW, *source.shape[2:])[:n]
    return np.asarray(flat, np.float32)
