"""Where the presenter goes on the canvas, and at what size the face is rendered.

The renderer draws a square around the face (``expand_ratio`` face sizes of
margin); that square is the presenter's box. ``scale`` is the box's height as
a share of the canvas height, ``offset`` moves the box's centre by a share of
the half-canvas (x right, y down, as image coordinates run). The face is
rendered at the box's size: a 1080-line canvas at scale 0.8 renders an
864-pixel face, never 1080 scaled down.

Styles: ``normal`` (the box), ``close_up`` (the same box, larger: scale 1.2
by default, so the canvas crops it), ``circle`` (the box cut to its inscribed
circle, filled with ``circle_background`` behind the presenter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: the renderer's smallest and largest square (its params' range)
MIN_FACE_SIDE, MAX_FACE_SIDE = 128, 2048


@dataclass(frozen=True)
class PresenterBox:
    """The presenter's square on the canvas: left/top may be negative or run past the canvas (cropped)."""

    left: int
    top: int
    side: int  # canvas pixels; also the face render's resolution
    style: str

    def visible(self, width: int, height: int) -> tuple[slice, slice, slice, slice] | None:
        """(canvas rows, canvas cols, box rows, box cols) of the part inside the canvas; None if none is."""
        x0, y0 = max(self.left, 0), max(self.top, 0)
        x1, y1 = min(self.left + self.side, width), min(self.top + self.side, height)
        if x1 <= x0 or y1 <= y0:
            return None
        return (
            slice(y0, y1),
            slice(x0, x1),
            slice(y0 - self.top, y1 - self.top),
            slice(x0 - self.left, x1 - self.left),
        )


def presenter_box(character: dict[str, Any], width: int, height: int) -> PresenterBox:
    """The box for a scene's ``character`` on a ``width`` × ``height`` canvas."""
    side = int(round(float(character["scale"]) * height / 2.0)) * 2  # even: the renderer and yuv420p like it
    side = min(max(side, MIN_FACE_SIDE), MAX_FACE_SIDE)
    offset = character.get("offset") or {"x": 0.0, "y": 0.0}
    cx = width / 2.0 * (1.0 + float(offset["x"]))
    cy = height / 2.0 * (1.0 + float(offset["y"]))
    return PresenterBox(
        left=int(round(cx - side / 2.0)),
        top=int(round(cy - side / 2.0)),
        side=side,
        style=str(character.get("style", "normal")),
    )


def circle_mask(side: int) -> np.ndarray:
    """float32 (side, side) 1 inside the box's inscribed circle, 0 outside, one pixel of antialiasing."""
    t = np.arange(side, dtype=np.float32) + 0.5 - side / 2.0
    distance = np.sqrt(t[:, None] ** 2 + t[None, :] ** 2)
    mask: np.ndarray = np.clip(side / 2.0 - distance, 0.0, 1.0).astype(np.float32)
    return mask
