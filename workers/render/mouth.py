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

from workers.render import controls as ctl
from workers.render.face import PortraitInfo

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
    brightness: float  # the face's brightness relative to a well-lit face

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
    return MouthRegion(left, top, size, geometry, _face_brightness(info, to_canvas, canvas))


def _face_brightness(info: PortraitInfo, to_canvas, canvas: np.ndarray) -> float:
    """Mean level of the skin around the nose tip, relative to 170 (a well-lit face)."""
    nose, cheek_a, cheek_b = (to_canvas(info.points[name]) for name in ("nose_tip", "cheek_a", "cheek_b"))
    cx, cy = np.round(nose).astype(int)
    r = max(2, int(0.1 * abs(cheek_b[0] - cheek_a[0])))
    patch = canvas[max(cy - r, 0):cy + r, max(cx - r, 0):cx + r].reshape(-1, 3)
    level = float(patch.mean()) if len(patch) else 170.0
    return float(np.clip(level / 170.0, 0.4, 1.1))


class FieldApplier:
    """Applies the model's fields to one region size; holds the pixel lattice."""

    def __init__(self, size: int):
        self.size = size
        coords = np.arange(size, dtype=np.float32)
        self.xs = np.broadcast_to(coords[None, :], (size, size))
        self.ys = np.broadcast_to(coords[:, None], (size, size))

    def apply(self, region: np.ndarray, fields: np.ndarray, brightness: float = 1.0) -> np.ndarray:
        """The region (S, S, 3) uint8 re-rendered under the lattice fields (GRID, GRID, C)."""
        f = ctl.FIELD_INDEX
        # Work only where something moves or is covered, plus one lattice cell.
        active = (fields[..., f["shift_x"]] != 0) | (fields[..., f["shift_y"]] != 0) | (fields[..., f["cavity_strength"]] > 0)
        rows, cols = np.flatnonzero(active.any(axis=1)), np.flatnonzero(active.any(axis=0))
        if len(rows) == 0:
            return region
        step = self.size / ctl.GRID
        y0, y1 = max(int((rows[0] - 1) * step), 0), min(int(math.ceil((rows[-1] + 2) * step)), self.size)
        x0, x1 = max(int((cols[0] - 1) * step), 0), min(int(math.ceil((cols[-1] + 2) * step)), self.size)

        up = _upsample_window(fields, self.size, x0, y0, x1, y1)
        map_x = self.xs[y0:y1, x0:x1] - up[..., f["shift_x"]]
        map_y = self.ys[y0:y1, x0:x1] - up[..., f["shift_y"]]
        warped = cv2.remap(region, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

        alpha = (
            np.clip(up[..., f["below_top"]] + 0.5, 0.0, 1.0)
            * np.clip(up[..., f["above_bottom"]] + 0.5, 0.0, 1.0)
            * up[..., f["cavity_strength"]]
        )
        out = region.copy()
        covered = alpha > 0
        if covered.any():
            colour = self._cavity_colour({name: up[..., i][covered] for name, i in f.items()}) * np.float32(brightness)
            w = warped[covered].astype(np.float32)
            a = alpha[covered][:, None]
            warped[covered] = np.clip(np.rint(w + (colour - w) * a), 0, 255).astype(np.uint8)
        out[y0:y1, x0:x1] = warped
        return out


    @staticmethod
    def _cavity_colour(v: dict[str, np.ndarray]) -> np.ndarray:
        """Inside the opening: dark, a tongue towards the bottom, upper teeth
        under the upper lip and a fainter row of lower teeth above the lower lip."""
        below_top, above_bottom = v["below_top"], v["above_bottom"]
        depth = np.clip(below_top / np.maximum(below_top + above_bottom, 1e-3), 0.0, 1.0)[:, None]
        dark = CAVITY_RGB * v["shade"][:, None]
        tongue = np.clip((depth - 0.55) / 0.4, 0.0, 1.0) * 0.6
        colour = dark + (TONGUE_RGB - dark) * tongue
        teeth_height = v["above_teeth_edge"] + below_top
        upper = np.clip(v["above_teeth_edge"] + 0.5, 0.0, 1.0) * v["teeth_strength"]
        lower = (np.clip(LOWER_TEETH_HEIGHT * teeth_height - above_bottom + 0.5, 0.0, 1.0)
                 * v["teeth_strength"] * LOWER_TEETH_OPACITY)
        # Teeth darken a little towards their edge, away from the light.
        shading = (1.0 - 0.15 * np.clip(below_top / np.maximum(teeth_height, 1e-3), 0.0, 1.0))[:, None]
        colour = colour + (TEETH_RGB * shading - colour) * upper[:, None]
        colour = colour + (TEETH_RGB * 0.8 - colour) * lower[:, None]
        return colour


def _upsample_window(fields: np.ndarray, size: int, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    """cv2.resize(fields, (size, size), INTER_LINEAR)[y0:y1, x0:x1], computing only the window."""
    scale = fields.shape[0] / size
    # Output pixel p samples the lattice at (p + 0.5) * scale - 0.5, as cv2.resize does.
    matrix = np.array([[scale, 0.0, (x0 + 0.5) * scale - 0.5], [0.0, scale, (y0 + 0.5) * scale - 0.5]], dtype=np.float64)
    return cv2.warpAffine(
        np.ascontiguousarray(fields), matrix, (x1 - x0, y1 - y0),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
    )
