"""One frame of a composed video: background, presenter, overlays, captions.

Per frame this is numpy on the presenter's box and the overlays' rectangles
only; the background is drawn once (or read from the decoded video) and
copied. The presenter arrives as the renderer's RGBA frame — the matte in its
alpha, already moved with the head — at the box's size, or is resized to it
when a rendition shows it at another size than it was rendered.

A cut-out presenter given its photo (``person``) also shows the rest of its
body from the still photo (``media.compose.body``): on a still background it
is drawn into the background once, so a frame still costs only the square's
blend; over a video it is blended per frame, on its own rectangle only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from media.compose.background import Background
from media.compose.blending import blend
from media.compose.body import BOTTOM_FADE, SIDE_FADE, PhotoPerson, PresenterBody, presenter_body
from media.compose.canvas import Drawing, FaceChanges, ReusedCanvas
from media.compose.layout import FaceArea, PresenterBox, circle_mask
from media.compose.placement import Layer
from media.compose.text import hex_rgb
from media.encode.yuv import Rect


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
    #: the photo the presenter is cut from: given, a cut-out (not circle) presenter shows its body from it
    person: PhotoPerson | None = None
    #: where each face frame changed, shared by the compositors of one scene's cuts (they draw the same frames)
    face_changes: FaceChanges = field(default_factory=FaceChanges)
    #: where the presenter's face shows on this canvas (``layout.face_on_canvas``): what the scene's texts and its
    #: burned-in captions keep off (None: not known)
    face_area: FaceArea | None = None

    def __post_init__(self) -> None:
        self._circle = circle_mask(self.box.side) if self.box.style == "circle" else None
        self._circle_alpha = (self._circle * 255.0 + 0.5).astype(np.uint8) if self._circle is not None else None
        self._edge_fade = self._square_fade()
        self._moving_body: PresenterBody | None = None
        self._backdrop = self.background.backdrop  # before the body is drawn into it
        self._behind: np.ndarray | None = None
        if self.person is not None and self.shows_body:
            body = presenter_body(self.person, self.box, self.width, self.height)
            self._edge_fade = body.square_alpha
            if not body.empty and self.background.still:
                base = self.background.frame(0)
                blend(base, body.rgb, body.x, body.y, body.alpha)
                self.background = Background(base)
            elif not body.empty:
                self._moving_body = body
        self._circle_fill = np.array(hex_rgb(self.circle_background), np.float32)
        self._canvas: ReusedCanvas | None = None  # compose_reused's

    def _square_fade(self) -> np.ndarray:
        """Without its photo, a cut-out presenter fades out at the box's edges (where the shoulders and the body
        below them are cut), instead of stopping at a straight line; not at an edge past the canvas's own."""
        side = self.box.side

        def ramp(share: float, fades: bool) -> np.ndarray:
            out = np.ones(side, np.float32)
            n = max(2, int(share * side))
            if fades:
                out[-n:] = np.linspace(1.0, 0.0, n, dtype=np.float32) ** 1.5
            return out

        vertical = ramp(BOTTOM_FADE, self.box.top + side < self.height) * ramp(SIDE_FADE, self.box.top > 0)[::-1]
        horizontal = ramp(SIDE_FADE, self.box.left + side < self.width) * ramp(SIDE_FADE, self.box.left > 0)[::-1]
        return np.rint(np.outer(vertical, horizontal) * 255.0).astype(np.uint8)

    @property
    def shows_body(self) -> bool:
        """Whether the presenter is cut out with its body (given its photo): matted, and not in a circle."""
        return self.matting and self.box.style != "circle"

    @property
    def transparent(self) -> bool:
        return self.background.transparent

    def behind_overlays(self) -> np.ndarray | None:
        """What every frame shows behind the overlays, RGB: the background with a cut-out presenter at rest over it,
        its whole person from the photo (the shoulders at the square's bottom included: the renderer holds them
        still); what a lower third's bar is chosen against (``overlays.text_layer``). None over a video (it
        changes) or a transparent background (what shows through is the viewer's). Made once, on first call."""
        if self._behind is None and self._backdrop is not None:
            self._behind = self._backdrop
            if self.person is not None and self.shows_body:
                person = presenter_body(self.person, self.box, self.width, self.height, with_square=True)
                self._behind = self._backdrop.copy()
                if not person.empty:
                    blend(self._behind, person.rgb, person.x, person.y, person.alpha)
        return self._behind

    def presenter(self, face: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The presenter at the box's size: its colour (a view of ``face`` when no resize is needed;
        several cuts share one face frame, so it is never written) and its opacity (a new array)."""
        side = self.box.side
        if face.shape[0] != side:
            face = cv2.resize(
                face, (side, side), interpolation=cv2.INTER_AREA if face.shape[0] > side else cv2.INTER_LINEAR
            )
        alpha: np.ndarray
        if not self.matting or face.shape[2] == 3:
            alpha = np.full((side, side), 255, np.uint8)
        else:
            alpha = np.ascontiguousarray(face[..., 3])
            if self._circle is None:
                alpha = cv2.multiply(alpha, self._edge_fade, scale=1.0 / 255.0)
            else:
                alpha = alpha.copy()
        rgb = face[..., :3]
        if self._circle is None:
            return rgb, alpha
        a = alpha[..., None].astype(np.float32) / 255.0
        filled = rgb * a + self._circle_fill * (1.0 - a)
        assert self._circle_alpha is not None
        return (filled + 0.5).astype(np.uint8), self._circle_alpha

    @property
    def reuses_canvas(self) -> bool:
        """Whether ``compose_reused`` redraws only what changed: an opaque still background, no moving body."""
        return self.background.still and not self.transparent and self._moving_body is None

    def compose_reused(
        self,
        face: np.ndarray,
        scene_time: float,
        background_index: int,
        caption: tuple[np.ndarray, int, int] | None = None,
        drawn_after: tuple[Rect, ...] = (),
    ) -> tuple[np.ndarray, list[Rect] | None]:
        """``compose``'s frame, and where it differs from the last call's: (frame, rectangles), None for
        anywhere. On a still background the frame is one canvas kept from call to call and redrawn only where
        it changed (``media.compose.canvas``), valid until the next call; ``drawn_after`` names rectangles the
        caller draws over it after this call (a watermark). Otherwise a fresh frame, changed anywhere."""
        if not self.reuses_canvas:
            return self.compose(face, scene_time, background_index, caption), None
        if self._canvas is None:
            self._canvas = ReusedCanvas(self.background.frame(0), self.face_changes)
        rgb, alpha = self.presenter(face)
        layers: list[Drawing] = [
            (layer.pixels, layer.x, layer.y, None) for layer in self.layers if layer.shown_at(scene_time)
        ]
        if caption is not None:
            layers.append((*caption, None))
        return self._canvas.draw(face, (rgb, self.box.left, self.box.top, alpha), layers, drawn_after)

    def compose(
        self,
        face: np.ndarray,
        scene_time: float,
        background_index: int,
        caption: tuple[np.ndarray, int, int] | None = None,
    ) -> np.ndarray:
        """The frame: RGB (H, W, 3), or RGBA (H, W, 4) on a transparent background."""
        frame = self.background.frame(background_index)
        body = self._moving_body
        if body is not None:
            blend(frame, body.rgb, body.x, body.y, body.alpha)
        rgb, alpha = self.presenter(face)
        blend(frame, rgb, self.box.left, self.box.top, alpha)
        for layer in self.layers:
            if layer.shown_at(scene_time):
                blend(frame, layer.pixels, layer.x, layer.y)
        if caption is not None:
            blend(frame, *caption)
        return frame
