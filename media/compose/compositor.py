"""One frame of a composed video: background, presenter, overlays, captions.

Per frame this is numpy on the presenter's box and the overlays' rectangles
only; the background is drawn once (or read from the decoded video) and
copied. The presenter arrives as the renderer's RGBA frame — the matte in its
alpha, already moved with the head — at the box's size, or is resized to it
when a rendition shows it at another size than it was rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from media.compose.background import Background
from media.compose.layout import PresenterBox, circle_mask
from media.compose.overlays import Layer, blend
from media.compose.text import hex_rgb


#: the share of the box over which a cut-out presenter fades out at its bottom edge
BOTTOM_FADE = 0.12


@dataclass
class SceneCompositor:
    """How one scene looks on one canvas (the main cut or a rendition)."""

    width: int
    height: int
    background: Background
    box: PresenterBox
    matting: bool
    circle_background: str = "#ffffff"
    layers: list[Layer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._circle = circle_mask(self.box.side)[..., None] if self.box.style == "circle" else None
        # a cut-out presenter whose photo ends at the box's bottom edge fades out there instead of stopping hard
        fade = max(2, int(BOTTOM_FADE * self.box.side))
        ramp = np.ones(self.box.side, np.float32)
        ramp[-fade:] = np.linspace(1.0, 0.0, fade, dtype=np.float32) ** 1.5
        self._bottom_fade = ramp[:, None]
        self._circle_fill = np.array(hex_rgb(self.circle_background), np.float32)

    @property
    def transparent(self) -> bool:
        return self.background.transparent

    def presenter(self, face: np.ndarray) -> np.ndarray:
        """The presenter as an RGBA picture of the box's size."""
        side = self.box.side
        if face.shape[0] != side:
            face = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA if face.shape[0] > side else cv2.INTER_LINEAR)
        if face.shape[2] == 3:
            face = np.dstack([face, np.full(face.shape[:2], 255, np.uint8)])
        if not self.matting:
            face = face.copy()
            face[..., 3] = 255
        elif self._circle is None and self.box.top + self.box.side < self.height:
            face = face.copy()
            face[..., 3] = (face[..., 3] * self._bottom_fade + 0.5).astype(np.uint8)
        if self._circle is None:
            return face
        a = face[..., 3:4].astype(np.float32) / 255.0
        rgb = face[..., :3] * a + self._circle_fill * (1.0 - a)
        return np.dstack([(rgb + 0.5).astype(np.uint8), (self._circle * 255.0 + 0.5).astype(np.uint8)])

    def compose(self, face: np.ndarray, scene_time: float, background_index: int,
                caption: tuple[np.ndarray, int, int] | None = None) -> np.ndarray:
        """The frame: RGB (H, W, 3), or RGBA (H, W, 4) on a transparent background."""
        frame = self.background.frame(background_index)
        blend(frame, self.presenter(face), self.box.left, self.box.top)
        for layer in self.layers:
            if layer.shown_at(scene_time):
                blend(frame, layer.pixels, layer.x, layer.y)
        if caption is not None:
            blend(frame, *caption)
        return frame
