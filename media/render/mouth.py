"""The built-in model's mouth region: where it is, the controls that place the
motion on it, and how the model's coarse fields are applied to its pixels.

Only the region's pixels are touched, and inside it only those the fields
move or cover; the model keeps its outer ring still, so the frame around the
region is unchanged byte for byte.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from media.render import controls as ctl
from media.render.face import PortraitInfo

#: inside the mouth: a dark red-brown, a tongue towards the bottom, off-white teeth;
#: all dimmed or brightened with the face
CAVITY_RGB = np.array([62.0, 24.0, 26.0], dtype=np.float32)
TONGUE_RGB = np.array([150.0, 72.0, 74.0], dtype=np.float32)
TEETH_RGB = np.array([222.0, 214.0, 200.0], dtype=np.float32)
#: lower teeth: their height and opacity relative to the upper teeth
LOWER_TEETH_HEIGHT, LOWER_TEETH_OPACITY = 0.45, 0.55
#: extra room around the motion's support, as a share of the region side
REGION_SLACK = 0.10


@dataclass(frozen=True)
class MouthRegion:
    left: int  # canvas pixels
    top: int
    size: int
    geometry: np.ndarray  # float32 (COUNT,): the controls row with open = width = 0
    palette: np.ndarray  # float32 (3, 3): cavity, tongue and teeth colours, matched to the photo
    face_mask: np.ndarray  # float32 (size, size): 1 inside the face outline; the cavity stays inside

    def controls(self, open_: np.ndarray, width: np.ndarray) -> np.ndarray:
        rows = np.repeat(self.geometry[None, :], len(open_), axis=0)
        rows[:, ctl.INDEX["open"]] = open_
        rows[:, ctl.INDEX["width"]] = width
        return rows


def locate_mouth(info: PortraitInfo, to_canvas, canvas: np.ndarray) -> MouthRegion:
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
    # A portrait that already shows its teeth keeps them; a closed mouth gets drawn ones.
    gap = abs(local(point("upper_lip_inner"))[1])
    teeth = float(np.clip(1.0 - gap / (0.15 * hw), 0.0, 1.0))
    chin = max(local(point("chin"))[1], 0.6 * hw)
    nose = min(local(point("nose_base"))[1], -0.3 * hw)
    jaw_span = abs(local(point("jaw_b"))[0] - local(point("jaw_a"))[0]) / 2
    jaw_half_width = max(0.85 * jaw_span, 1.3 * hw)
    chin_falloff = 0.45 * chin
    lip_band = 1.3 * max(local(point("lower_lip_bottom"))[1], -local(point("upper_lip_top"))[1], 0.3 * hw)

    # The support of the motion, in the local frame, rotated back to canvas pixels.
    reach_x = max(jaw_half_width, 1.6 * hw)
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
        "teeth": teeth,
        "mouth_x": centre[0] - left,
        "mouth_y": centre[1] - top,
        "cos_roll": cos,
        "sin_roll": sin,
        "half_width": hw,
        "lower_curve": lower_curve,
        "chin": chin,
        "chin_falloff": chin_falloff,
        "nose": nose,
        "jaw_half_width": jaw_half_width,
        "lip_band": lip_band,
        "grid_step": size / ctl.GRID,
    }
    geometry = np.zeros(ctl.COUNT, dtype=np.float32)
    for name, value in values.items():
        geometry[ctl.INDEX[name]] = value
    return MouthRegion(left, top, size, geometry, _palette(info, to_canvas, canvas),
                       _face_mask(info, to_canvas, left, top, size))


def _palette(info: PortraitInfo, to_canvas, canvas: np.ndarray) -> np.ndarray:
    """Mouth colours lit like the face (its level relative to 170) and as
    colourful as it (a grayscale photo gets a gray mouth)."""
    nose, cheek_a, cheek_b = (to_canvas(info.points[name]) for name in ("nose_tip", "cheek_a", "cheek_b"))
    cx, cy = np.round(nose).astype(int)
    r = max(2, int(0.1 * abs(cheek_b[0] - cheek_a[0])))
    skin = canvas[max(cy - r, 0):cy + r, max(cx - r, 0):cx + r, :3].reshape(-1, 3).astype(np.float32)
    if len(skin) == 0:
        skin = np.full((1, 3), 170.0, dtype=np.float32)
    brightness = float(np.clip(skin.mean() / 170.0, 0.4, 1.1))
    chroma = float((skin.max(axis=1) - skin.min(axis=1)).mean())
    colourful = float(np.clip(chroma / 30.0, 0.0, 1.0))
    palette = np.stack([CAVITY_RGB, TONGUE_RGB, TEETH_RGB]) * brightness
    gray = palette.mean(axis=1, keepdims=True)
    return (gray + (palette - gray) * colourful).astype(np.float32)


def _face_mask(info: PortraitInfo, to_canvas, left: int, top: int, size: int) -> np.ndarray:
    outline = np.round((to_canvas(info.face_outline) - (left, top)) * 4).astype(np.int32)
    mask = np.zeros((size, size), dtype=np.uint8)
    cv2.fillPoly(mask, [outline], 255, lineType=cv2.LINE_AA, shift=2)
    return (cv2.GaussianBlur(mask, (0, 0), 1.0).astype(np.float32) / 255.0)


class FieldApplier:
    """Applies the model's fields to regions of one size; holds the pixel lattice."""

    def __init__(self, size: int):
        self.size = size
        self.step = size / ctl.GRID
        coords = np.arange(size, dtype=np.float32)
        self.xs = np.broadcast_to(coords[None, :], (size, size))
        self.ys = np.broadcast_to(coords[:, None], (size, size))

    def apply(self, region: np.ndarray, fields: np.ndarray, palette: np.ndarray, face_mask: np.ndarray):
        """Re-render a region (S, S, 4) uint8 under lattice fields (GRID, GRID, C).

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
        # The first four fields move pixels and place the opening, the rest colour it.
        motion = _upsample(np.ascontiguousarray(fields[..., :4]), self.size, window)
        map_x = self.xs[y0:y1, x0:x1] - motion[..., f["shift_x"]]
        map_y = self.ys[y0:y1, x0:x1] - motion[..., f["shift_y"]]
        pixels = cv2.remap(region, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

        inner = self._window(covered)
        if inner is not None:
            cx0, cy0, cx1, cy1 = (max(inner[0], x0), max(inner[1], y0), min(inner[2], x1), min(inner[3], y1))
            look = _upsample(np.ascontiguousarray(fields[..., 4:]), self.size, (cx0, cy0, cx1, cy1))
            part = motion[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
            below_top, above_bottom = part[..., f["below_top"]], part[..., f["above_bottom"]]
            alpha = _unit(below_top + 0.5) * _unit(above_bottom + 0.5) * look[..., 0] * face_mask[cy0:cy1, cx0:cx1]
            weights = _cavity_weights(below_top, above_bottom, look) * alpha[..., None]
            # The covered colour, premultiplied by alpha: weights of (cavity, tongue, teeth) times the palette.
            colour = cv2.transform(weights, palette.T)
            target = pixels[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0, :3]
            blended = target.astype(np.float32) * (1.0 - alpha)[..., None] + colour
            target[...] = np.rint(blended).clip(0, 255).astype(np.uint8)
        return x0, y0, pixels

    def _window(self, cells: np.ndarray) -> tuple[int, int, int, int] | None:
        """Region pixels (x0, y0, x1, y1) covering these lattice cells and one more around."""
        rows, cols = np.flatnonzero(cells.any(axis=1)), np.flatnonzero(cells.any(axis=0))
        if len(rows) == 0:
            return None
        step, size = self.step, self.size
        return (
            max(int((cols[0] - 1) * step), 0), max(int((rows[0] - 1) * step), 0),
            min(int(math.ceil((cols[-1] + 2) * step)), size), min(int(math.ceil((rows[-1] + 2) * step)), size),
        )


def _unit(x: np.ndarray) -> np.ndarray:
    """Clip to 0..1 in place (x is a temporary)."""
    return np.minimum(np.maximum(x, 0.0, out=x), 1.0, out=x)


def _cavity_weights(below_top: np.ndarray, above_bottom: np.ndarray, look: np.ndarray) -> np.ndarray:
    """How much of the palette's cavity, tongue and teeth colours each covered
    pixel shows (H, W, 3): dark inside, a tongue towards the bottom, upper teeth
    under the upper lip and a fainter row of lower teeth above the lower lip."""
    above_teeth_edge, teeth_strength, shade = look[..., 1], look[..., 2], look[..., 3]
    depth = _unit(below_top / np.maximum(below_top + above_bottom, 1e-3))
    tongue = _unit((depth - 0.55) / 0.4) * 0.6
    teeth_height = above_teeth_edge + below_top
    upper = _unit(above_teeth_edge + 0.5) * teeth_strength
    lower = _unit(LOWER_TEETH_HEIGHT * teeth_height - above_bottom + 0.5) * (teeth_strength * LOWER_TEETH_OPACITY)
    # Teeth darken a little towards their edge, away from the light.
    shading = 1.0 - 0.15 * _unit(below_top / np.maximum(teeth_height, 1e-3))
    # Layered back to front: cavity, tongue over it, upper teeth, lower teeth.
    behind_teeth = (1.0 - upper) * (1.0 - lower)
    return np.stack(
        [shade * (1.0 - tongue) * behind_teeth, tongue * behind_teeth, shading * upper * (1.0 - lower) + 0.8 * lower],
        axis=-1,
    )


def _upsample(fields: np.ndarray, size: int, window: tuple[int, int, int, int]) -> np.ndarray:
    """cv2.resize(fields, (size, size), INTER_LINEAR)[y0:y1, x0:x1], computing only the window.

    At most four channels per call: OpenCV's vectorised paths stop there."""
    x0, y0, x1, y1 = window
    scale = fields.shape[0] / size
    # Output pixel p samples the lattice at (p + 0.5) * scale - 0.5, as cv2.resize does.
    matrix = np.array([[scale, 0.0, (x0 + 0.5) * scale - 0.5], [0.0, scale, (y0 + 0.5) * scale - 0.5]], dtype=np.float64)
    return cv2.warpAffine(fields, matrix, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)
