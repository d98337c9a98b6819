"""Head motion and blinks: functions of the absolute frame index only.

A job's sentences are rendered separately and concatenated, so nothing here
looks at the audio or at the previous segment: the pose and the eyelids at
frame ``i`` of a job are the same whichever segment frame ``i`` falls in, and
segment boundaries are seamless. ``motion_scale = 0`` holds the head still and
the eyes open.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np
from numpy.typing import ArrayLike, NDArray

from media.phonemes import PhoneTrack
from media.render.face import EyeInfo
from media.render.framing import ToCanvas

#: (share of the resolution or degrees, frequency Hz, phase) of each sinusoid
SWAY_X = ((0.0035, 0.13, 0.4), (0.0015, 0.31, 2.1))
SWAY_Y = ((0.0025, 0.11, 1.3), (0.0010, 0.27, 4.0))
ROLL_DEG = ((0.9, 0.09, 0.7), (0.4, 0.23, 3.3))
#: a cut-out presenter drawn with a still body: how much more the head sways (motion_scale still governs it). The
#: square's edges stay put (``NeckTaper``), so neither the shoulders nor the background drag with the head any more
BODY_SWAY = 1.4
#: the share of the square at its top and sides that holds still under a NeckTaper, and the spacing (output
#: pixels) of the grid its displacement field is worked out on
EDGE_HOLD = 0.06
FIELD_STEP = 8
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


def _sway(terms: Iterable[tuple[float, float, float]], t: float, speed: float) -> float:
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


@dataclass(frozen=True)
class NeckTaper:
    """How much of the head's motion each pixel of the output square takes: all of it on the head, none at the
    square's edges and below the neck.

    A cut-out presenter is drawn over a still body (the rest of the photo's person, around and below the square):
    the square's border must then not move, or its bottom edge would slide against the shoulders. So the pose is
    applied as a displacement field, full above the chin and across the head, easing to zero towards the neck's
    base and the square's sides and top: the head sways on its neck and the shoulders stay."""

    resolution: int
    at: np.ndarray  # float64 (n,): the output coordinates the field is worked out at, every FIELD_STEP pixels
    rows: np.ndarray  # float64 (n,): the share of the motion there, by row
    cols: np.ndarray  # float64 (n,): by column
    #: per thread, the two maps' memory, reused frame after frame: a fresh 864² float map costs more in page faults
    #: than in arithmetic
    _scratch: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    @classmethod
    def around(cls, resolution: int, head: tuple[float, float], chin_y: float, neck_y: float) -> NeckTaper:
        """For a square of ``resolution`` whose head spans columns ``head`` (left, right), chin at row ``chin_y``
        and neck's base (the pivot) at ``neck_y``; all in output pixels."""
        n = max(2, -(-resolution // FIELD_STEP))
        # where cv2.resize (n -> resolution, linear) takes its samples from: so the field it spreads is exact there
        at = (np.arange(n, dtype=np.float64) + 0.5) * resolution / n - 0.5
        edge = max(2.0, EDGE_HOLD * resolution)
        v = at + 0.5  # from the square's edge
        neck_y = min(neck_y, float(resolution))
        chin_y = min(chin_y, neck_y - 1.0)
        rows = _smoothstep(v / edge) * (1.0 - _smoothstep((v - chin_y) / (neck_y - chin_y)))
        rows *= _smoothstep((resolution - v) / edge)
        left, right = min(max(head[0], edge), resolution / 2), max(min(head[1], resolution - edge), resolution / 2)
        cols = _smoothstep(v / left) * _smoothstep((resolution - v) / (resolution - right))
        # shares too small to see are 0: float32 denormals would slow the resize tenfold
        return cls(resolution, at, np.where(rows < 1e-4, 0.0, rows), np.where(cols < 1e-4, 0.0, cols))

    def source_maps(self, inverse: np.ndarray, margin: int) -> tuple[np.ndarray, np.ndarray]:
        """The remap's source coordinates for the pose's inverse map (2×3): the pose's own displacement of each
        pixel, times its share, added to where the pixel is at rest.

        The displacement is smooth, so it is worked out on a coarse grid and spread by a linear resize: a few
        times cheaper than per pixel, and off by well under a tenth of a pixel. The maps are this thread's own and
        are overwritten by its next call: use them before."""
        r, at = self.resolution, self.at
        full = np.arange(r, dtype=np.float32) + margin
        maps = getattr(self._scratch, "maps", None)
        if maps is None:
            maps = self._scratch.maps = (np.empty((r, r), np.float32), np.empty((r, r), np.float32))
        for axis, shift in enumerate(maps):
            a, b, c = inverse[axis]
            # inverse(u, v) - (u, v) - margin is affine: a column part plus a row part
            by_col = (a - (axis == 0)) * at
            by_row = (b - (axis == 1)) * at + (c - margin)
            coarse = (np.add.outer(by_row, by_col) * np.outer(self.rows, self.cols)).astype(np.float32)
            cv2.resize(coarse, (r, r), dst=shift, interpolation=cv2.INTER_LINEAR)
            shift += full[None, :] if axis == 0 else full[:, None]
        return maps


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    out: np.ndarray = x * x * (3.0 - 2.0 * x)
    return out


def pose_frame(
    canvas: np.ndarray,
    pose: HeadPose,
    margin: int,
    resolution: int,
    pivot: tuple[float, float],
    keep_alpha: bool = False,
    taper: NeckTaper | None = None,
) -> np.ndarray:
    """The output frame, RGB: the RGBA canvas's centre square, moved by the pose about the pivot.

    ``keep_alpha``: RGBA instead, the canvas's alpha (a presenter's matte) moved with the head.
    ``taper``: the head moves on the neck, the square's edges stay where they are at rest."""
    if pose.still:
        still = canvas[margin : margin + resolution, margin : margin + resolution]
        return still.copy() if keep_alpha else cv2.cvtColor(still, cv2.COLOR_RGBA2RGB)
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
    if taper is not None:
        map_x, map_y = taper.source_maps(inverse, margin)
        moved = cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    else:
        moved = cv2.warpAffine(
            canvas,
            inverse,
            (resolution, resolution),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
    return moved if keep_alpha else cv2.cvtColor(moved, cv2.COLOR_RGBA2RGB)


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
    def around(cls, eye: EyeInfo, to_canvas: ToCanvas, canvas_side: int) -> EyePatch:
        outer, inner, upper, lower = (to_canvas(p) for p in (eye.outer, eye.inner, eye.upper, eye.lower))
        axis = inner - outer
        if axis[0] < 0:
            axis = -axis
        span = float(np.hypot(*axis))
        ux, uy = axis / max(span, 1e-6)
        centre = (outer + inner) / 2

        def local_y(p: NDArray[np.float64]) -> float:
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
        return cls(
            left,
            top,
            max(right - left, 1),
            max(bottom - top, 1),
            (float(centre[0]), float(centre[1])),
            (float(ux), float(uy)),
            half,
            up,
            low,
        )

    def close(self, canvas: np.ndarray, amount: float) -> None:
        """Lower the upper lid by ``amount`` (0..1) of the eye's opening, in place."""
        ys, xs, opening, weight = self._lid_fields
        ux, uy = self.axis
        travel = amount * opening
        shift = travel * weight
        map_x = xs + shift * uy
        map_y = ys - shift * ux
        patch = cv2.remap(canvas, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        canvas[self.top : self.top + self.height, self.left : self.left + self.width] = patch

    @cached_property
    def _lid_fields(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What a blink's every frame shares (worked out once per portrait): the patch's pixel rows and
        columns, the lids' distance apart, and how much each pixel follows the upper lid."""
        ys, xs = np.mgrid[self.top : self.top + self.height, self.left : self.left + self.width].astype(np.float32)
        ux, uy = self.axis
        rx, ry = xs - self.centre[0], ys - self.centre[1]
        lx = rx * ux + ry * uy
        ly = ry * ux - rx * uy
        across = np.clip(1.0 - (lx / (1.1 * self.half_width)) ** 2, 0.0, 1.0)
        upper_lid = self.upper * across
        lower_lid = self.lower * across
        reach = LID_REACH * self.half_width * 2
        # The skin above the lid stretches down, up to below the brow; nothing
        # below the lower lid moves.
        weight = np.clip((ly - (upper_lid - reach)) / reach, 0.0, 1.0)
        weight = weight * weight * (3.0 - 2.0 * weight)
        weight *= np.clip(lower_lid - ly + 0.5, 0.0, 1.0)
        return ys, xs, lower_lid - upper_lid, weight


#: blinks move to the nearest pause within this reach, and always fit inside their segment
BLINK_PULL_S = 1.5
BLINK_S = BLINK_CLOSE_S + BLINK_HOLD_S + BLINK_OPEN_S
#: brows: lift (share of the eye's width) on a stressed vowel, rising and falling over these times
BROW_LIFT = 0.10
BROW_RISE_S, BROW_FALL_S = 0.10, 0.30
#: brows are still this long after a segment starts and before it ends
BROW_EDGE_S = 0.15


def segment_blinks(
    first_frame_index: int, n_frames: int, fps: int, motion_scale: float, rest: np.ndarray
) -> np.ndarray:
    """How closed the eyelids are on each frame of a segment (0 open .. 1 shut).

    The blinks are those of the job's clock (about one every BLINK_EVERY_S) whose
    nominal start falls in this segment. Each moves to the nearest frame of a
    pause in the mouth (``rest``) within BLINK_PULL_S, as people blink between
    phrases, and then inside the segment, so the eyes are open at both of its
    ends: a segment renders the same alone or after any other.
    """
    amount = np.zeros(n_frames)
    if motion_scale == 0.0 or n_frames == 0 or n_frames / fps < BLINK_S + 2 / fps:
        return amount
    start_s, end_s = first_frame_index / fps, (first_frame_index + n_frames) / fps
    resting = np.flatnonzero(np.asarray(rest, dtype=bool)[:n_frames])
    k = max(0, math.floor((start_s - BLINK_FIRST_S - BLINK_JITTER_S) / BLINK_EVERY_S))
    times = (np.arange(n_frames) + 0.5) / fps
    while True:
        nominal = BLINK_FIRST_S + k * BLINK_EVERY_S + BLINK_JITTER_S * (2.0 * _unit_hash(k) - 1.0)
        k += 1
        if nominal >= end_s:
            break
        if nominal < start_s:
            continue
        local = nominal - start_s
        if len(resting):
            nearest = resting[np.argmin(np.abs((resting + 0.5) / fps - local))]
            if abs((nearest + 0.5) / fps - local) <= BLINK_PULL_S:
                local = nearest / fps
        local = min(max(local, 1.0 / fps), n_frames / fps - BLINK_S - 1.0 / fps)
        amount = np.maximum(amount, [_blink_shape(t - local) for t in times])
    return amount


def segment_brows(phones: PhoneTrack | None, n_frames: int, fps: int, motion_scale: float) -> np.ndarray:
    """How far the brows are raised on each frame (0 .. 1): a lift on every
    primary-stressed vowel, still at the segment's ends."""
    lift = np.zeros(n_frames)
    if motion_scale == 0.0 or phones is None or n_frames == 0:
        return lift
    times = (np.arange(n_frames) + 0.5) / fps
    for phone in phones.phones:
        if phone.stress != 1 or phone.end_s - phone.start_s < 0.06:
            continue
        rise = np.clip((times - phone.start_s + BROW_RISE_S) / BROW_RISE_S, 0.0, 1.0)
        fall = np.clip(1.0 - (times - phone.end_s) / BROW_FALL_S, 0.0, 1.0)
        shape = np.minimum(rise, fall)
        lift = np.maximum(lift, shape * shape * (3.0 - 2.0 * shape))
    duration = n_frames / fps
    edge = np.clip(np.minimum(times, duration - times) / BROW_EDGE_S - 0.5, 0.0, 1.0)
    return lift * edge * min(motion_scale, 1.0)


#: mesh landmarks of each brow (upper edge, subject's right then left) and the upper lid below it
BROWS = (
    {"brow": (70, 63, 105, 66, 107, 46, 53, 52, 65, 55), "lid": (246, 161, 160, 159, 158, 157, 173)},
    {"brow": (300, 293, 334, 296, 336, 276, 283, 282, 295, 285), "lid": (466, 388, 387, 386, 385, 384, 398)},
)


@dataclass(frozen=True)
class BrowPatch:
    """One brow's neighbourhood in canvas pixels: the skin between the upper
    lid and the forehead moves up, most at the brow, nothing at the lid."""

    left: int
    top: int
    width: int
    height: int
    brow_y: float  # canvas y of the brow's centre line
    lid_y: float  # canvas y of the upper lid's crease
    centre_x: float
    half_width: float
    lift: float  # canvas pixels at full lift

    @classmethod
    def around(
        cls, mesh: ArrayLike, brow: tuple[int, ...], lid: tuple[int, ...], to_canvas: ToCanvas, canvas_side: int
    ) -> BrowPatch:
        points = np.asarray(mesh, dtype=np.float64)
        b = to_canvas(points[list(brow), :2])
        lid_pts = to_canvas(points[list(lid), :2])
        brow_y, lid_y = float(b[:, 1].mean()), float(lid_pts[:, 1].mean())
        x0, x1 = float(b[:, 0].min()), float(b[:, 0].max())
        half = (x1 - x0) / 2 * 1.25
        span = max(lid_y - brow_y, 2.0)
        lift = BROW_LIFT * (x1 - x0)
        left, right = max(int(x0 - 0.25 * (x1 - x0)), 0), min(int(math.ceil(x1 + 0.25 * (x1 - x0))), canvas_side)
        top, bottom = max(int(brow_y - 1.6 * span - lift), 0), min(int(math.ceil(lid_y)) + 1, canvas_side)
        return cls(left, top, max(right - left, 1), max(bottom - top, 1), brow_y, lid_y, (x0 + x1) / 2, half, lift)

    def raise_(self, canvas: np.ndarray, amount: float) -> None:
        """Lift the brow by ``amount`` (0..1) of its full lift, in place."""
        ys, xs, weight = self._lift_fields
        map_y = ys + amount * self.lift * weight
        patch = cv2.remap(canvas, xs, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        canvas[self.top : self.top + self.height, self.left : self.left + self.width] = patch

    @cached_property
    def _lift_fields(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The patch's pixel rows and columns and how much each moves with the brow (once per portrait)."""
        ys, xs = np.mgrid[self.top : self.top + self.height, self.left : self.left + self.width].astype(np.float32)
        span = self.lid_y - self.brow_y
        below = np.clip((self.lid_y - ys) / max(span, 1.0), 0.0, 1.0)  # 0 at the lid, 1 at the brow
        above = np.clip(1.0 - (self.brow_y - ys) / (1.5 * span), 0.0, 1.0)  # fades out up the forehead
        vertical = np.where(ys > self.brow_y, below, above)
        across = np.clip(1.0 - ((xs - self.centre_x) / self.half_width) ** 2, 0.0, 1.0)
        weight = vertical * vertical * (3.0 - 2.0 * vertical) * across * across
        return ys, xs, weight


#: a nose bridge whose strongest horizontal edges (95th percentile of |d/dy|, 0..1020) exceed this holds a glasses frame
GLASSES_BRIDGE_EDGE = 160.0


def wears_glasses(canvas: np.ndarray, eyes: list[EyePatch]) -> bool:
    """Whether a glasses frame crosses the nose bridge: raised brows would bend
    the frame, so such a portrait keeps its brows still. A heuristic: skin
    between the eyes is smooth, a frame's bridge is a sharp horizontal edge
    (Grace Hopper's glasses: 254; bare faces of the presets: 27-92)."""
    if len(eyes) != 2:
        return False
    a, b = eyes
    mid_x = (a.centre[0] + b.centre[0]) / 2
    mid_y = (a.centre[1] + b.centre[1]) / 2
    w = a.half_width
    y0, y1 = max(int(mid_y - 0.6 * w), 0), int(mid_y + 0.2 * w) + 1
    x0, x1 = max(int(mid_x - 0.4 * w), 0), int(mid_x + 0.4 * w) + 1
    gray = cv2.cvtColor(np.ascontiguousarray(canvas[y0 - 1 : y1 + 1, x0:x1, :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    if gray.size == 0:
        return False
    edges = np.abs(cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3))[1:-1]
    return bool(np.percentile(edges, 95) > GLASSES_BRIDGE_EDGE)
