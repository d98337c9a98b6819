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
    the box) are computed: they are gathered by their flat indices (several times
    faster than by a boolean mask) into channel planes, coloured, and written
    back. Every step is per pixel except the lips' surround, a blur, which runs on
    those pixels' bounding box widened by its kernel's reach.
    """
    a = alpha * fade
    reached = a > 0
    at = np.flatnonzero(reached)
    if len(at) == 0:
        return
    # Pixels are gathered and scattered through a flat view: a copy if target is not contiguous.
    compact = target if target.flags.c_contiguous else np.ascontiguousarray(target)
    edge = max(LIP_EDGE * max(interior.half_width, 1.0), 1.5)
    lip = _surround(compact, alpha, edge, interior.lip, reached, at)
    colour = _colour(below_top, above_bottom, look, at, lip, edge, animation, interior)
    flat = compact.reshape(-1)
    channels = at * 3 + np.arange(3)[:, None]  # (3, N): each pixel's red, green and blue byte
    blended = np.take(flat, channels).astype(np.float32)
    share = np.take(a, at)
    blended *= 1.0 - share
    colour *= share
    blended += colour
    np.rint(blended, out=blended)
    flat[channels] = np.clip(blended, 0, 255, out=blended).astype(np.uint8)
    if compact is not target:
        target[...] = compact


def _colour(
    below_top: np.ndarray,
    above_bottom: np.ndarray,
    look: np.ndarray,
    at: np.ndarray,
    lip: np.ndarray,
    edge: float,
    animation: np.ndarray,
    interior: Interior,
) -> NDArray[np.float32]:
    """The painted colour (3, N) of the N pixels ``at`` (flat indices into the box), from the
    box's fields (as given to ``paint``) and the pixels' surround colour (3, N).

    Colours are channel planes (3, N), so a per-pixel factor runs along their rows
    (on (N, 3) it would be broadcast over rows of three, several times slower). The
    teeth and the inner lip edges each cover a small share of the pixels: they are
    computed only there (``_mix``)."""
    hw = max(interior.half_width, 1.0)
    below_top, above_bottom = np.take(below_top, at), np.take(above_bottom, at)
    above_upper, below_lower, light, shade, u = (np.take(look[..., i], at) for i in (1, 2, 3, 5, 6))
    above_upper += interior.upper_display
    u2 = u * u
    np.minimum(u2, 1.5, out=u2)
    teeth_bared = _clip01(float(animation[INDEX["teeth"]]))
    tongue_up = _clip01(float(animation[INDEX["tongue"]]))
    jaw = _clip01(float(animation[INDEX["jaw"]]))
    # Signed distance below the lower teeth's edge: on the jaw, just under the lower
    # lip's edge, and up to LOWER_SHOW above it where a sound bares the teeth (the
    # lip drawn down off them: s, ee, ch, th; not a, o, u).
    show = LOWER_SHOW * hw * _clip01((teeth_bared - 0.45) / 0.35)
    lower_edge = below_lower + show
    np.minimum(lower_edge, show - above_bottom, out=lower_edge)

    # Distances from the opening's visible boundaries (lip or teeth), for the gradient.
    to_top = np.minimum(below_top, -above_upper)
    to_bottom = np.minimum(above_bottom, -lower_edge)
    half_height = np.maximum(to_top + to_bottom, 1.0)
    half_height *= 0.5
    depth = np.minimum(to_top, to_bottom)
    depth /= half_height
    level = 1.0 - np.clip(depth, 0.0, 1.0, out=depth)
    level *= level  # nearness to the boundaries, squared
    level *= CAVITY_FRONT - CAVITY_BACK
    level += CAVITY_BACK
    level *= 1.0 - 0.45 * np.clip(u2, 0.0, 1.0)  # the corners
    level *= 0.8 + 0.2 * shade
    mottle = _noise(u, above_bottom / hw)
    mottle *= MOTTLE
    mottle += 1.0
    level *= mottle
    colour: NDArray[np.float32] = interior.cavity[:, None] * level
    np.maximum(colour, CAVITY_FLOOR[:, None], out=colour)

    # The tongue: a dome on the jaw's floor, its tip rising with the tongue control.
    across = u2 / (TONGUE_WIDTH * TONGUE_WIDTH)
    top_share = np.sqrt(np.clip(1.0 - across, 0.0, 1.0))  # the dome
    top_share *= TONGUE_REST * (0.5 + 0.5 * jaw)
    tip = np.clip(1.0 - u2 / (TONGUE_TIP_WIDTH * TONGUE_TIP_WIDTH), 0.0, 1.0)
    tip *= tip
    tip *= TONGUE_TIP * tongue_up
    top_share += tip
    lips_height = np.maximum(below_top + above_bottom, 1.0)
    tongue_height = top_share * lips_height
    below_surface = tongue_height - above_bottom  # > 0 inside the tongue
    soft = max(0.02 * hw, 1.0)
    tongue = _smooth(below_surface / (2.0 * soft) + 0.5)
    # Lit most on its front (low in the opening, near the lower lip), falling away
    # towards its upper contour (further back) and its sides.
    lit = np.maximum(tongue_height, 1.0)
    lit = np.clip(np.divide(below_surface, lit, out=lit), 0.0, 1.0, out=lit)  # the front
    lit *= 0.4
    lit += 0.6
    lit *= 1.0 - 0.45 * np.clip(across, 0.0, 1.0)
    lit *= mottle
    layer = interior.tongue[:, None] * lit
    layer -= colour
    layer *= tongue
    colour += layer

    # The teeth: the lower row (behind the lower lip), then the upper row in front.
    strip = interior.strip
    # Rounded, pushed-out lips narrow the opening and shade its sides sooner.
    rounding = _clip01(-float(animation[INDEX["width"]]))
    reach = _smooth((TEETH_REACH * (1.0 - 0.45 * rounding) - np.abs(u)) / TEETH_FADE)
    narrowed = np.clip(u2 / (1.0 - 0.45 * rounding) ** 2, 0.0, 1.0)
    sides = 1.0 - 0.6 * narrowed
    sides *= 0.85 + 0.15 * light
    lower_alpha = _smooth(lower_edge / 1.2 - 0.3)
    lower_alpha *= reach
    at = np.flatnonzero(lower_alpha != 0)
    if len(at):
        lower_v = np.maximum(lower_edge[at], 0.0) / (TEETH_HEIGHT * hw)
        lower = _sample(strip, u[at] * LOWER_NARROWING, lower_v)
        lower_shade = 0.8 * sides[at]
        lower_shade *= 0.75 + 0.25 * _smooth(above_bottom[at] / (0.08 * hw))
        lower *= lower_shade
        _mix(colour, at, lower, lower_alpha[at])
    upper_alpha = _smooth(above_upper / 1.2 + 0.5)
    upper_alpha *= reach
    at = np.flatnonzero(upper_alpha != 0)
    if len(at):
        upper_v = np.maximum(above_upper[at], 0.0) / (TEETH_HEIGHT * hw)
        upper = _sample(strip, u[at], upper_v)
        # Where the upper lip lifts past the teeth's height, the gum shows: the lip's colour, darker.
        gum = np.take(lip, at, axis=1)
        gum *= 0.8
        gum -= upper
        gum *= _smooth((upper_v - GUM_FROM) / 0.3)
        upper += gum
        upper_shade = sides[at]
        upper_shade *= 0.75 + 0.25 * _smooth(below_top[at] / (0.12 * hw))  # under the lip
        upper *= upper_shade
        _mix(colour, at, upper, upper_alpha[at])

    # The lips turn inward: their colour carried into the opening, darkening as it goes.
    # Their colour is the local one (the lip, or the skin at the corners): the pixels
    # around the opening, away from the seam, spread inwards by a normalised blur.
    # Over the upper teeth the lip is thin: its edge carries less of its colour.
    for distance, over in ((below_top, upper_alpha), (above_bottom, None)):
        t = np.clip(distance / edge, 0.0, 1.0)
        at = np.flatnonzero(t < 1.0)  # elsewhere the weight is 0
        if len(at) == 0:
            continue
        t = t[at]
        weight = np.power(1.0 - t, 1.5)
        if over is not None:
            weight *= 1.0 - 0.6 * over[at] * (distance[at] > 0)
        else:
            # This edge's blend has always run in float64; kept, so frames stay bit-identical
            # (in float32 an odd pixel would come out one level apart).
            weight = weight.astype(np.float64)
        layer = np.take(lip, at, axis=1)
        layer *= 0.95 - 0.45 * t
        _mix(colour, at, layer, weight)
    return colour


def _mix(colour: np.ndarray, at: np.ndarray, layer: np.ndarray, weight: np.ndarray) -> None:
    """``colour += (layer - colour) * weight`` for colour (3, N), computed at the K pixels ``at``
    only, where ``layer`` (3, K, a temporary: overwritten) and ``weight`` (K,) are given: the
    weight is 0 everywhere else, where the sum would leave the colour as it is."""
    part = np.take(colour, at, axis=1)
    layer -= part
    part += layer * weight
    colour[:, at] = part


def _clip01(x: float) -> float:
    """A control clipped to 0..1 (np.clip on one number costs microseconds)."""
    return min(max(x, 0.0), 1.0)


def _surround_at(
    target: np.ndarray, alpha: np.ndarray, reach: float, fallback: np.ndarray, at: np.ndarray
) -> NDArray[np.float32]:
    """The colour of the pixels around the painted area (``alpha`` under 0.02), spread over
    it by a normalised blur, at the pixels ``at`` (N, 3); ``fallback`` where nothing is near."""
    surround: NDArray[np.float32] = _surround(target, alpha, reach, fallback, at, np.flatnonzero(at)).T
    return surround


def _surround(
    target: np.ndarray, alpha: np.ndarray, reach: float, fallback: np.ndarray, reached: np.ndarray, at: np.ndarray
) -> NDArray[np.float32]:
    """``_surround_at`` as channel planes (3, N), at the pixels ``reached`` whose flat indices are ``at``.

    Only those pixels' bounding box and the blur's reach around it are blurred (cut at the
    target's edges, where the border rule then applies as on the whole target)."""
    height, width = reached.shape
    cols = np.flatnonzero(reached.any(axis=0))
    sigma = 0.8 * reach + 1.0
    margin = _blur_reach(sigma) + 1
    y0, x0 = max(int(at[0]) // width - margin, 0), max(int(cols[0]) - margin, 0)
    y1, x1 = min(int(at[-1]) // width + 1 + margin, height), min(int(cols[-1]) + 1 + margin, width)
    # The pixels' flat indices in the blurred box (the common case: it spans whole rows).
    if x0 == 0 and x1 == width:
        inner = at - y0 * width
    else:
        ys, xs = np.divmod(at, width)
        inner = (ys - y0) * (x1 - x0) + (xs - x0)
    outside = alpha[y0:y1, x0:x1] < 0.02
    weight = np.take(cv2.GaussianBlur(outside.astype(np.float32), (0, 0), sigma), inner)
    # The surround's colours, zero where the paint reaches: masked while still bytes (the
    # same numbers as multiplying the floats by the 0/1 mask, a good deal cheaper).
    box = target[y0:y1, x0:x1]
    kept = cv2.bitwise_and(box, box, mask=outside.view(np.uint8)).astype(np.float32)
    spread = cv2.GaussianBlur(kept, (0, 0), sigma)
    colour: NDArray[np.float32] = np.take(spread, inner * 3 + np.arange(3)[:, None])
    near = weight > 1e-3
    colour /= np.maximum(weight, 1e-3)
    if not near.all():
        colour[:, ~near] = np.asarray(fallback, np.float32)[:, None]
    return colour


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
    """Smoothstep of x clipped to 0..1, computed in x (a temporary)."""
    t: np.ndarray = np.clip(x, 0.0, 1.0, out=x)
    rise = 3.0 - 2.0 * t
    t *= t
    t *= rise
    return t


def _sample(strip: TeethStrip, u: np.ndarray, v: np.ndarray) -> NDArray[np.float32]:
    """The strip's colour (3, N) at (u across, v up the teeth), bilinear, edges replicated."""
    map_x = (strip.centre + u * strip.px_per_hw).astype(np.float32)
    map_y = (strip.edge_row - np.minimum(v, TEETH_TOP) * strip.teeth_rows).astype(np.float32)
    return np.ascontiguousarray(_remap_flat(strip.pixels, map_x, map_y, cv2.BORDER_REPLICATE).T)


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
