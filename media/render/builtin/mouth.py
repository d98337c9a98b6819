"""The built-in model's mouth region: where it is, the controls that place the
motion on it, and how the model's coarse fields are applied to its pixels.

Only the region's pixels are touched, and inside it only those the fields
move or cover; the model keeps its outer ring still, so the frame around the
region is unchanged byte for byte.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from media.render import controls as ctl
from media.render.builtin.mouth_interior import UPPER_DISPLAY, Interior, paint
from media.render.builtin.teeth import TeethStrip
from media.render.builtin.white_balance import teeth_white
from media.render.face import PortraitInfo
from media.render.framing import ToCanvas

#: inside the mouth: a dark red-brown and a tongue, dimmed or brightened with the
#: face (``mouth_interior`` shades them; the teeth are real, ``teeth``)
CAVITY_RGB = np.array([58.0, 22.0, 24.0], dtype=np.float32)
TONGUE_RGB = np.array([168.0, 78.0, 80.0], dtype=np.float32)
#: darkness of the crease where pressed lips meet
CREASE = 0.55
#: a portrait's own teeth fade into the drawn ones over this much of the mouth's half-width
OWN_TEETH_FADE = 0.2
#: the lips' edges carry the portrait's seam (its crease, or its teeth) as they part;
#: the lip's colour is painted over this much of them (mouth half-widths)
SEAM = 0.03
#: extra room around the motion's support, as a share of the region side
REGION_SLACK = 0.06
#: mesh landmarks: the hinge axis's ends (in front of the ears) and the lower face, whose depth shapes the jaw's drop
HINGE_POINTS = (234, 454)
LOWER_FACE_POINTS = (
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    377,
    400,
    378,
    379,
    365,
    397,
    18,
    200,
    199,
    175,
    83,
    313,
    32,
    262,
)
#: the jaw's outline below the mouth (face-outline indices into FACE_OUTLINE order is not needed: mesh ids)
JAW_OUTLINE_POINTS = (152, 148, 176, 149, 150, 136, 172, 58, 377, 400, 378, 379, 365, 397, 288)


@dataclass(frozen=True)
class MouthRegion:
    left: int  # canvas pixels
    top: int
    size: int
    geometry: np.ndarray  # float32 (COUNT,): the controls row with every animation control at 0
    interior: Interior  # what the inside is painted with: real teeth, cavity, tongue and lip colours
    face_mask: np.ndarray  # float32 (size, size): 1 inside the face outline; the inside stays inside

    def controls(self, jaw: np.ndarray, width: np.ndarray, **animation: np.ndarray) -> np.ndarray:
        """Rows for these per-frame animation controls (``controls.ANIMATION_NAMES``; missing ones 0)."""
        rows = np.repeat(self.geometry[None, :], len(jaw), axis=0)
        rows[:, ctl.INDEX["jaw"]] = jaw
        rows[:, ctl.INDEX["width"]] = width
        for name, values in animation.items():
            rows[:, ctl.INDEX[name]] = values
        return rows


def locate_mouth(info: PortraitInfo, to_canvas: ToCanvas, canvas: np.ndarray) -> MouthRegion:
    """The square region the built-in model re-renders, and its geometry controls."""

    def point(name: str) -> np.ndarray:
        return to_canvas(info.points[name])

    corner_a, corner_b = point("mouth_corner_a"), point("mouth_corner_b")
    axis = corner_b - corner_a
    if axis[0] < 0:
        axis = -axis
    half_width = max(float(np.hypot(*axis)) / 2, 2.0)
    cos, sin = axis / (2 * half_width)
    centre = point("lower_lip_inner")

    def local(p: np.ndarray) -> tuple[float, float]:
        rx, ry = p - centre
        return float(rx * cos + ry * sin), float(ry * cos - rx * sin)

    hw = half_width
    # The lower lip's inner edge as y = curve * x² through its centre (least squares).
    edge = np.array([local(p) for p in to_canvas(info.lips_inner[10:] + info.lips_inner[:1])])
    x2 = np.minimum(edge[:, 0] ** 2, hw * hw)
    lower_curve = float(np.clip((x2 * edge[:, 1]).sum() / max((x2 * x2).sum(), 1e-6), -0.6 / hw, 0.6 / hw))
    # A smiling portrait's lips part over its teeth; their edge sits in that gap.
    # Behind closed lips the upper teeth's edge hides just under the lip line.
    gap = max(-local(point("upper_lip_inner"))[1], 0.0)
    own_teeth = float(np.clip((gap - 0.06 * hw) / (0.06 * hw), 0.0, 1.0))
    if gap > 0.06 * hw:
        upper_teeth = _teeth_edge(canvas, centre, (cos, sin), gap, hw)
    else:
        upper_teeth = 0.05 * hw
    chin = max(local(point("chin"))[1], 0.6 * hw)
    nose = min(local(point("nose_base"))[1], -0.3 * hw)
    lip_band = 1.3 * max(local(point("lower_lip_bottom"))[1], -local(point("upper_lip_top"))[1], 0.3 * hw)
    mesh = np.asarray(info.mesh, dtype=np.float64) if len(info.mesh) == 478 else None
    jaw_span = abs(local(point("jaw_b"))[0] - local(point("jaw_a"))[0]) / 2
    if mesh is not None:
        outline = np.array([local(p) for p in to_canvas(mesh[list(JAW_OUTLINE_POINTS), :2])])
        x2 = outline[:, 0] ** 2
        jaw_curve = float((x2 * (chin - outline[:, 1])).sum() / max((x2 * x2).sum(), 1e-6))
        hinge_reach = _hinge_reach(mesh, local, to_canvas, chin)
    else:
        jaw_curve, hinge_reach = 0.5 * chin / jaw_span**2, 1.3 * jaw_span
    jaw_curve = float(np.clip(jaw_curve, 0.1 * chin / jaw_span**2, 2.0 * chin / jaw_span**2))
    hinge_reach = float(np.clip(hinge_reach, 1.6 * hw, 1.6 * jaw_span))
    chin_falloff = 0.35 * chin

    # The support of the motion, in the local frame, rotated back to canvas pixels.
    reach_x = min(hinge_reach, float(np.sqrt(max(chin + chin_falloff - nose, 1.0) / jaw_curve)) + 2.0)
    reach_x = max(reach_x, 1.6 * hw)
    corners = [
        centre + lx * np.array([cos, sin]) + ly * np.array([-sin, cos])
        for lx in (-reach_x, reach_x)
        for ly in (nose, chin + chin_falloff)
    ]
    lo, hi = np.min(corners, axis=0), np.max(corners, axis=0)
    side = canvas.shape[0]
    size = int(min(math.ceil(max(hi - lo) * (1 + 2 * REGION_SLACK)) + 4, side))
    mid = (lo + hi) / 2
    left = int(min(max(round(mid[0] - size / 2), 0), side - size))
    top = int(min(max(round(mid[1] - size / 2), 0), side - size))

    values = {
        "mouth_x": centre[0] - left,
        "mouth_y": centre[1] - top,
        "cos_roll": cos,
        "sin_roll": sin,
        "half_width": hw,
        "lower_curve": lower_curve,
        "rest_gap": gap,
        "upper_teeth": upper_teeth,
        "own_teeth": own_teeth,
        "chin": chin,
        "jaw_curve": jaw_curve,
        "chin_falloff": chin_falloff,
        "nose": nose,
        "hinge_reach": hinge_reach,
        "lip_band": lip_band,
        "grid_step": size / ctl.GRID,
    }
    geometry = np.zeros(ctl.COUNT, dtype=np.float32)
    for name, value in values.items():
        geometry[ctl.INDEX[name]] = value
    return MouthRegion(
        left,
        top,
        size,
        geometry,
        _interior(info, to_canvas, canvas, gap > 0.12 * hw, hw),
        _face_mask(info, to_canvas, left, top, size),
    )


def _teeth_edge(canvas: np.ndarray, centre: np.ndarray, axis: tuple[float, float], gap: float, hw: float) -> float:
    """Local y of the upper teeth's edge in a portrait that shows them: going
    down the middle of the lips' gap, where the bright teeth give way most
    steeply to the darker mouth or lower lip (a third of the gap above the lower
    lip if no step stands out)."""
    cos, sin = axis
    ys = np.linspace(-0.9 * gap, -0.05 * gap, 18)
    xs = np.linspace(-0.3 * hw, 0.3 * hw, 9)
    lx, ly = np.meshgrid(xs, ys)
    px = centre[0] + lx * cos - ly * sin
    py = centre[1] + lx * sin + ly * cos
    gray = cv2.cvtColor(np.ascontiguousarray(canvas[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    profile = cv2.remap(gray, px.astype(np.float32), py.astype(np.float32), cv2.INTER_LINEAR).mean(axis=1)
    steps = np.diff(np.convolve(profile, np.ones(3) / 3, mode="same"))[1:-1]
    if len(steps) == 0 or steps.min() > -4.0:
        return -gap / 3
    i = int(np.argmin(steps)) + 1
    return float((ys[i] + ys[i + 1]) / 2)


def _hinge_reach(
    mesh: np.ndarray, local: Callable[[np.ndarray], tuple[float, float]], to_canvas: ToCanvas, chin: float
) -> float:
    """Where the jaw's drop falls to zero across the face: its lower face's
    forward distance from the hinge axis (mesh depth) fitted as f0 (1 - x²/R²)."""
    scale = float(np.hypot(*(to_canvas(mesh[1, :2]) - to_canvas(mesh[0, :2])))) / max(
        float(np.hypot(*(mesh[1, :2] - mesh[0, :2]))), 1e-6
    )
    hinge_depth = mesh[list(HINGE_POINTS), 2].mean()
    points = mesh[list(LOWER_FACE_POINTS)]
    xs = np.array([local(p)[0] for p in to_canvas(points[:, :2])])
    forward = (hinge_depth - points[:, 2]) * scale
    f0 = float(forward[0])  # the chin
    x2 = xs**2
    a = float((x2 * (f0 - forward)).sum() / max((x2 * x2).sum(), 1e-9))
    if f0 <= 0 or a <= 0:
        return 0.0  # the fit failed; the caller clips to a sane reach
    return float(np.sqrt(f0 / a))


def _interior(
    info: PortraitInfo, to_canvas: ToCanvas, canvas: np.ndarray, shows_teeth: bool, half_width: float
) -> Interior:
    """The mouth's inside for this portrait: cavity and tongue lit like the face
    (its level relative to 170) and as colourful as it (a grayscale photo gets
    a gray mouth), the lips' own colour, and real teeth whose white is the
    portrait's (``white_balance``)."""
    nose, cheek_a, cheek_b = (to_canvas(info.points[name]) for name in ("nose_tip", "cheek_a", "cheek_b"))
    cx, cy = np.round(nose).astype(int)
    r = max(2, int(0.1 * abs(cheek_b[0] - cheek_a[0])))
    skin = canvas[max(cy - r, 0) : cy + r, max(cx - r, 0) : cx + r, :3].reshape(-1, 3).astype(np.float32)
    if len(skin) == 0:
        skin = np.full((1, 3), 170.0, dtype=np.float32)
    brightness = float(np.clip(skin.mean() / 170.0, 0.4, 1.1))
    chroma = float((skin.max(axis=1) - skin.min(axis=1)).mean())
    colourful = float(np.clip(chroma / 30.0, 0.0, 1.0))
    palette = np.stack([CAVITY_RGB, TONGUE_RGB]) * brightness
    gray = palette.mean(axis=1, keepdims=True)
    palette = (gray + (palette - gray) * colourful).astype(np.float32)
    white, source = teeth_white(info, to_canvas, canvas, shows_teeth)
    display = 0.0 if shows_teeth else UPPER_DISPLAY * half_width
    return Interior(
        TeethStrip.for_mouth(half_width, white),
        palette[0],
        palette[1],
        _lip_colour(info, to_canvas, canvas, palette[1]),
        half_width,
        display,
        source,
    )


def _lip_colour(
    info: PortraitInfo, to_canvas: ToCanvas, canvas: np.ndarray, fallback: np.ndarray
) -> NDArray[np.float32]:
    """The median colour between the outer and inner lip lines."""
    mask = np.zeros(canvas.shape[:2], dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(to_canvas(info.lips_outer) * 4).astype(np.int32)], 255, shift=2)
    cv2.fillPoly(mask, [np.round(to_canvas(info.lips_inner) * 4).astype(np.int32)], 0, shift=2)
    pixels = canvas[..., :3][mask > 0]
    if len(pixels) < 12:
        return np.asarray(fallback, np.float32)
    colour: NDArray[np.float32] = np.median(pixels, axis=0).astype(np.float32)
    return colour


def _face_mask(info: PortraitInfo, to_canvas: ToCanvas, left: int, top: int, size: int) -> np.ndarray:
    outline = np.round((to_canvas(info.face_outline) - (left, top)) * 4).astype(np.int32)
    mask = np.zeros((size, size), dtype=np.uint8)
    cv2.fillPoly(mask, [outline], 255, lineType=cv2.LINE_AA, shift=2)
    return cv2.GaussianBlur(mask, (0, 0), 1.0).astype(np.float32) / 255.0


class FieldApplier:
    """Applies the model's fields to regions of one size; holds the pixel lattice.

    ``apply`` runs once per frame on the render's critical path, so it is written
    for speed, every pixel's value the same as the plain formulas give (see
    ``tests/unit/media/render/test_mouth_speed_equivalence.py``): the fields are
    upsampled only where they are used (the motion over the changed window, the
    rest over the opening's box), most of them one channel at a time (OpenCV's
    cheapest call, and a channel comes out the same as in a call with four);
    temporaries are overwritten once no longer needed; and the box is painted as a
    compact RGB copy.
    """

    def __init__(self, size: int):
        self.size = size
        self.step = size / ctl.GRID
        coords = np.arange(size, dtype=np.float32)
        self.xs = np.broadcast_to(coords[None, :], (size, size))
        self.ys = np.broadcast_to(coords[:, None], (size, size))

    def apply(
        self, region: np.ndarray, fields: np.ndarray, interior: Interior, face_mask: np.ndarray, animation: np.ndarray
    ) -> tuple[int, int, np.ndarray] | None:
        """Re-render a region (S, S, 4) uint8 under lattice fields (GRID, GRID, C);
        ``animation`` is the frame's controls row (the tongue and teeth shown).

        Returns ``(x, y, pixels)``: the changed window and where it goes in the
        region, or None if nothing changes.
        """
        f = ctl.FIELD_INDEX
        moving = (fields[..., f["shift_x"]] != 0) | (fields[..., f["shift_y"]] != 0)
        # Cells in or next to the opening (its edges may fall anywhere inside a cell).
        covered = (
            (fields[..., f["cavity_strength"]] > 0)
            & (fields[..., f["below_top"]] > -self.step)
            & (fields[..., f["above_bottom"]] > -self.step)
        )
        window = self._window(moving | covered)
        if window is None:
            return None
        x0, y0, x1, y1 = window

        def field(name: str, where: tuple[int, int, int, int]) -> np.ndarray:
            return _upsample(np.ascontiguousarray(fields[..., f[name]]), self.size, where)

        # The motion over the whole window; the other fields place and colour the opening, in its box.
        shift_x, shift_y = field("shift_x", window), field("shift_y", window)
        inner = self._window(covered)
        if inner is not None:
            cx0, cy0, cx1, cy1 = (max(inner[0], x0), max(inner[1], y0), min(inner[2], x1), min(inner[3], y1))
            box = (cx0, cy0, cx1, cy1)
            # The colour fields, shown to paint as one (h, w, 8) array but stored a field after
            # another: each is then a contiguous plane, far cheaper to read than every eighth float.
            planes = np.empty((8, cy1 - cy0, cx1 - cx0), fields.dtype)
            for i, plane in enumerate(planes):
                _upsample(np.ascontiguousarray(fields[..., 4 + i]), self.size, box, out=plane)
            look = planes.transpose(1, 2, 0)
            below_top, above_bottom = field("below_top", box), field("above_bottom", box)
            lips = below_top + above_bottom
            # Near the lips, the motion per pixel: the upper side's above the opening, the
            # lower side's below it, blended across it (where the inside is drawn).
            share = np.maximum(lips, 0.5)
            share = _unit(np.divide(below_top, share, out=share))
            inside = _unit(below_top + 0.5)
            inside *= _unit(above_bottom + 0.5)
            # The portrait's own upper teeth, between the lip's rest edge and the teeth's
            # edge, stay where they are: neither moved nor drawn over.
            own = _unit(look[..., 7] + 0.5)
            own *= inside
            own *= _unit(look[..., 1] + 0.5)
            # Towards the sides they give way to the drawn teeth gradually, not on a vertical
            # line where the model stops keeping them (0.8 half-widths, less for rounded lips).
            own_reach = 0.8 * (1.0 - 0.35 * max(-float(animation[ctl.INDEX["width"]]), 0.0))
            # (The model's cut is interpolated from its lattice: it may come a cell early.)
            own_reach -= 1.5 * self.step / max(interior.half_width, 1.0)
            own *= _unit((own_reach - np.abs(look[..., 6])) / OWN_TEETH_FADE)
            kept = 1.0 - own
            sides = _upsample(np.ascontiguousarray(fields[..., 12:16]), self.size, box)
            for shift, upper, lower in (
                (shift_x, sides[..., 0], sides[..., 2]),
                (shift_y, sides[..., 1], sides[..., 3]),
            ):
                moved = lower - upper
                moved *= share
                moved += upper
                moved *= kept
                shift[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] = moved
        map_x = np.subtract(self.xs[y0:y1, x0:x1], shift_x, out=shift_x)
        map_y = np.subtract(self.ys[y0:y1, x0:x1], shift_y, out=shift_y)
        pixels = cv2.remap(region, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

        if inner is not None:
            fade = look[..., 0] * face_mask[cy0:cy1, cx0:cx1]
            box_pixels = pixels[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
            # The box's colour channels as a compact copy: paint gathers and scatters the pixels it
            # reaches several times faster there than through a view of three bytes in four.
            target = cv2.cvtColor(box_pixels, cv2.COLOR_RGBA2RGB)
            # Lips pressed together (their edges past each other: lips < 0) meet in a dark crease.
            if (lips < 0).any():
                crease = _unit(1.0 - np.abs(below_top - above_bottom) * 0.6) * _unit(-lips * 0.5)
                crease *= CREASE * fade * (1.0 - inside)
                if crease.any():
                    darker = target * (1.0 - crease)[..., None] + interior.cavity * crease[..., None]
                    target[...] = np.rint(darker).clip(0, 255).astype(np.uint8)
            # Where the mouth is open the painted inside reaches SEAM over the lips, so their
            # inner edges are the lips' colour, not the portrait's seam stretched along them.
            band = max(SEAM * interior.half_width, 1.0)
            reach = _unit((below_top + band) / band)
            reach *= _unit((above_bottom + band) / band)
            reach *= _unit(lips - 1.0)
            alpha = np.maximum(inside, reach, out=reach)
            alpha *= kept
            paint(target, below_top, above_bottom, look, alpha, fade, animation, interior)
            # Back into the window's colour channels, in place (OpenCV refuses an array it cannot write through).
            cv2.mixChannels([target], [box_pixels], [0, 0, 1, 1, 2, 2])
        return x0, y0, pixels

    def _window(self, cells: np.ndarray) -> tuple[int, int, int, int] | None:
        """Region pixels (x0, y0, x1, y1) covering these lattice cells and one more around."""
        rows, cols = np.flatnonzero(cells.any(axis=1)), np.flatnonzero(cells.any(axis=0))
        if len(rows) == 0:
            return None
        step, size = self.step, self.size
        return (
            max(int((cols[0] - 1) * step), 0),
            max(int((rows[0] - 1) * step), 0),
            min(int(math.ceil((cols[-1] + 2) * step)), size),
            min(int(math.ceil((rows[-1] + 2) * step)), size),
        )


def _unit(x: np.ndarray) -> np.ndarray:
    """Clip to 0..1 in place (x is a temporary)."""
    clipped: np.ndarray = np.clip(x, 0.0, 1.0, out=x)  # one pass: a few times faster than min(max())
    return clipped


def _upsample(
    fields: np.ndarray, size: int, window: tuple[int, int, int, int], out: np.ndarray | None = None
) -> np.ndarray:
    """cv2.resize(fields, (size, size), INTER_LINEAR)[y0:y1, x0:x1], computing only the window
    (into ``out`` if given).

    At most four channels per call: OpenCV's vectorised paths stop there."""
    x0, y0, x1, y1 = window
    scale = fields.shape[0] / size
    # Output pixel p samples the lattice at (p + 0.5) * scale - 0.5, as cv2.resize does.
    matrix = np.array(
        [[scale, 0.0, (x0 + 0.5) * scale - 0.5], [0.0, scale, (y0 + 0.5) * scale - 0.5]], dtype=np.float64
    )
    warped: np.ndarray = cv2.warpAffine(
        fields,
        matrix,
        (x1 - x0, y1 - y0),
        dst=out,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    if out is not None and warped is not out:  # OpenCV made a new array (out's type or shape did not fit)
        out[...] = warped
    return warped
