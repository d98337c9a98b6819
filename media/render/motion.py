"""Head motion and blinks: functions of the absolute frame index only.

A job's sentences are rendered separately and concatenated, so nothing here
looks at the audio or at the previous segment: the pose and the eyelids at
frame ``i`` of a job are the same whichever segment frame ``i`` falls in, and
segment boundaries are seamless. ``motion_scale = 0`` holds the head still and
the eyes open.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from media.render.face import EyeInfo

#: (share of the resolution or degrees, frequency Hz, phase) of each sinusoid
SWAY_X = ((0.0035, 0.13, 0.4), (0.0015, 0.31, 2.1))
SWAY_Y = ((0.0025, 0.11, 1.3), (0.0010, 0.27, 4.0))
ROLL_DEG = ((0.9, 0.09, 0.7), (0.4, 0.23, 3.3))
#: blinks: about one every BLINK_EVERY_S seconds, jittered by ±BLINK_JITTER_S
BLINK_FIRST_S, BLINK_EVERY_S, BLINK_JITTER_S = 1.8, 4.2, 1.4
BLINK_CLOSE_S, BLINK_HOLD_S, BLINK_OPEN_S = 0.09, 0.04, 0.14
#: how far above the upper lid (in eye widths) the skin stretches as the lid closes
LID_REACH = 0.35


@dataclass(frozen=True)
class HeadPose:
    dx: float  # canvas pixels
    dy: float
    roll_deg: float

    @property
    def still(self) -> bool:
        return self.dx == 0.0 and self.dy == 0.0 and self.roll_deg == 0.0


def _sway(terms, t: float, speed: float) -> float:
    return sum(amplitude * math.sin(2.0 * math.pi * freq * speed * t + phase) for amplitude, freq, phase in terms)


def head_pose(frame_index: int, fps: int, resolution: int, motion_scale: float, smooth_motion: float) -> HeadPose:
    if motion_scale == 0.0:
        return HeadPose(0.0, 0.0, 0.0)
    t = frame_index / fps
    speed = 1.25 - 0.5 * smooth_motion  # smoother motion is also slower
    return HeadPose(
        dx=motion_scale * resolution * _sway(SWAY_X, t, speed),
        dy=motion_scale * resolution * _sway(SWAY_Y, t, speed),
        roll_deg=motion_scale * _sway(ROLL_DEG, t, speed),
    )


def _unit_hash(k: int) -> float:
    """A fixed pseudo-random number in [0, 1) for blink number k."""
    return ((k * 2654435761 + 0x9E3779B9) % 2**32) / 2**32


def blink_amount(frame_index: int, fps: int, motion_scale: float) -> float:
    """How closed the eyelids are at this frame: 0 open .. 1 shut."""
    if motion_scale == 0.0:
        return 0.0
    t = frame_index / fps
    nearest = round((t - BLINK_FIRST_S) / BLINK_EVERY_S)
    amount = 0.0
    for k in (nearest - 1, nearest, nearest + 1):
        if k < 0:
            continue
        start = BLINK_FIRST_S + k * BLINK_EVERY_S + BLINK_JITTER_S * (2.0 * _unit_hash(k) - 1.0)
        amount = max(amount, _blink_shape(t - start))
    return amount


def _blink_shape(s: float) -> float:
    def smooth(u: float) -> float:
        u = min(max(u, 0.0), 1.0)
        return u * u * (3.0 - 2.0 * u)

    if s <= 0.0:
        return 0.0
    if s < BLINK_CLOSE_S:
        return smooth(s / BLINK_CLOSE_S)
    s -= BLINK_CLOSE_S
    if s < BLINK_HOLD_S:
        return 1.0
    s -= BLINK_HOLD_S
    return 1.0 - smooth(s / BLINK_OPEN_S)


def pose_frame(canvas: np.ndarray, pose: HeadPose, margin: int, resolution: int, pivot: tuple[float, float]) -> np.ndarray:
    """The output frame, RGB: the RGBA canvas's centre square, moved by the pose about the pivot."""
    if pose.still:
        return cv2.cvtColor(canvas[margin:margin + resolution, margin:margin + resolution], cv2.COLOR_RGBA2RGB)
    theta = math.radians(pose.roll_deg)
    cos, sin = math.cos(theta), math.sin(theta)
    px, py = pivot
    # Inverse map: output (u, v) samples the canvas at R(-θ)·((u, v) + margin - pivot - d) + pivot.
    ox, oy = margin - px - pose.dx, margin - py - pose.dy
    inverse = np.array(
        [
            [cos, sin, cos * ox + sin * oy + px],
            [-sin, cos, -sin * ox + cos * oy + py],
        ],
        dtype=np.float64,
    )
    moved = cv2.warpAffine(
        canvas, inverse, (resolution, resolution),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
    )
    return cv2.cvtColor(moved, cv2.COLOR_RGBA2RGB)


@dataclass(frozen=True)
class EyePatch:
    """One eye's neighbourhood in canvas pixels and its lids in the patch's local frame."""

    left: int
    top: int
    width: int
    height: int
    centre: tuple[float, float]
    axis: tuple[float, float]  # unit vector from one corner to the other
    half_width: float
    upper: float  # local y of the upper lid edge at the centre (< 0)
    lower: float  # local y of the lower lid edge (> 0)

    @classmethod
    def around(cls, eye: EyeInfo, to_canvas, canvas_side: int) -> "EyePatch":
        outer, inner, upper, lower = (to_canvas(p) for p in (eye.outer, eye.inner, eye.upper, eye.lower))
        axis = inner - outer
        if axis[0] < 0:
            axis = -axis
        span = float(np.hypot(*axis))
        ux, uy = axis / max(span, 1e-6)
        centre = (outer + inner) / 2

        def local_y(p):
            r = p - centre
            return float(r[1] * ux - r[0] * uy)

        up, low = min(local_y(upper), -0.5), max(local_y(lower), 0.5)
        half = span / 2
        reach = up - LID_REACH * span - 2
        corners = [
            centre + a * np.array([ux, uy]) + b * np.array([-uy, ux])
            for a in (-1.25 * half, 1.25 * half)
            for b in (reach, low + 0.3 * span)
        ]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        left, top = max(int(math.floor(min(xs))), 0), max(int(math.floor(min(ys))), 0)
        right, bottom = min(int(math.ceil(max(xs))) + 1, canvas_side), min(int(math.ceil(max(ys))) + 1, canvas_side)
        return cls(left, top, max(right - left, 1), max(bottom - top, 1), (float(centre[0]), float(centre[1])),
                   (float(ux), float(uy)), half, up, low)

    def close(self, canvas: np.ndarray, amount: float) -> None:
        """Lower the upper lid by ``amount`` (0..1) of the eye's opening, in place."""
        ys, xs = np.mgrid[self.top:self.top + self.height, self.left:self.left + self.width].astype(np.float32)
        ux, uy = self.axis
        rx, ry = xs - self.centre[0], ys - self.centre[1]
        lx = rx * ux + ry * uy
        ly = ry * ux - rx * uy
        across = np.clip(1.0 - (lx / (1.1 * self.half_width)) ** 2, 0.0, 1.0)
        upper_lid = self.upper * across
        lower_lid = self.lower * across
        travel = amount * (lower_lid - upper_lid)
        reach = LID_REACH * self.half_width * 2
        # The skin above the lid stretches down, up to below the brow; nothing
        # below the lower lid moves.
        weight = np.clip((ly - (upper_lid - reach)) / reach, 0.0, 1.0)
        weight = weight * weight * (3.0 - 2.0 * weight)
        weight *= np.clip(lower_lid - ly + 0.5, 0.0, 1.0)
        shift = travel * weight
        map_x = xs + shift * uy
        map_y = ys - shift * ux
        patch = cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        canvas[self.top:self.top + self.height, self.left:self.left + self.width] = patch
