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
        self._circle = circle_mask(self.box.side) if self.box.style == "circle" else None
        self._circle_alpha = (self._circle * 255.0 + 0.5).astype(np.uint8) if self._circle is not None else None
        # a cut-out presenter whose photo ends at the box's bottom edge fades out there instead of stopping hard
        fade = max(2, int(BOTTOM_FADE * self.box.side))
        self._fade = (np.linspace(1.0, 0.0, fade, dtype=np.float32) ** 1.5)[:, None]
        self._circle_fill = np.array(hex_rgb(self.circle_background), np.float32)

    @property
    def transparent(self) -> bool:
        return self.background.transparent

    def presenter(self, face: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The presenter at the box's size: its colour (a view of ``face`` when no resize is needed;
        several cuts share one face frame, so it is never written) and its opacity (a new array)."""
        side = self.box.side
        if face.shape[0] != side:
            face = cv2.resize(face, (side, side), interpolation=cv2.INTER_AREA if face.shape[0] > side else cv2.INTER_LINEAR)
        if not self.matting or face.shape[2] == 3:
            alpha = np.full((side, side), 255, np.uint8)
        else:
            alpha = face[..., 3].copy()
            if self._circle is None and self.box.top + self.box.side < self.height:
                fade = len(self._fade)
                alpha[-fade:] = (alpha[-fade:] * self._fade + 0.5).astype(np.uint8)
        rgb = face[..., :3]
        if self._circle is None:
            return rgb, alpha
        a = alpha[..., None].astype(np.float32) / 255.0
        filled = rgb * a + self._circle_fill * (1.0 - a)
        assert self._circle_alpha is not None
        return (filled + 0.5).astype(np.uint8), self._circle_alpha

    def compose(self, face: np.ndarray, scene_time: float, background_index: int,
                caption: tuple[np.ndarray, int, int] | None = None) -> np.ndarray:
        """The frame: RGB (H, W, 3), or RGBA (H, W, 4) on a transparent background."""
        frame = self.background.frame(background_index)
        rgb, alpha = self.presenter(face)
        blend(frame, rgb, self.box.left, self.box.top, alpha)
        for layer in self.layers:
            if layer.shown_at(scene_time):
                blend(frame, layer.pixels, layer.x, layer.y)
        if caption is not None:
            blend(frame, *caption)
        return frame
