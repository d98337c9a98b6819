"""A composed frame on a still background, kept from frame to frame and redrawn only where it changed.

From one frame to the next of a presenter on a still background, most of
the picture stays: the background, the lower third, the caption until its
next word, and even most of the presenter's box (the renderer holds its
edges and the body still; the face moves). So instead of copying the
background and blending every layer over the whole frame each time, the
canvas keeps the last frame and finds what changed: the part of the face
frame that differs from the last one (compared with a copy of it), a layer
or caption that came, went or changed, and the rectangles a caller drew
over the canvas after the last frame (the watermarks). Each of those
rectangles is put back from the background and everything is drawn again
inside it, in order, so every pixel is what drawing the whole frame gives;
the rectangles are returned so the yuv420p conversion and the invisible
mark can be redone there alone (``workers.stages.marked_stream``).
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

from media.compose.blending import blend
from media.encode.yuv import Rect

#: one thing drawn: its pixels (RGBA, or RGB with ``alpha``), where, and its opacity (None: the fourth channel)
Drawing = tuple[np.ndarray, int, int, np.ndarray | None]


class ReusedCanvas:
    """One scene's frames on one still background, for one caller (thread) at a time."""

    def __init__(self, background: np.ndarray, face_changes: FaceChanges | None = None):
        self._clean = background
        self._canvas = background.copy()
        self._fresh = True
        self._layers: list[tuple[np.ndarray, int, int]] = []  # last frame's layers (held, so compared by identity)
        self._after: tuple[Rect, ...] = ()
        #: where each face frame changed: shared by the canvases of a job's cuts, which draw the same frames
        self._face_changes = face_changes or FaceChanges()

    def draw(
        self, face: np.ndarray, presenter: Drawing, layers: list[Drawing], drawn_after: tuple[Rect, ...] = ()
    ) -> tuple[np.ndarray, list[Rect] | None]:
        """The frame: ``presenter`` (drawn from ``face``, the renderer's frame, at its box) then ``layers``, in
        order, over the background. Returns the canvas (kept: valid until the next call) and where it differs
        from the last call's frame (None: anywhere). ``drawn_after``: rectangles the caller draws over the
        canvas after this call; they are put back and redrawn on the next."""
        canvas, height, width = self._canvas, self._canvas.shape[0], self._canvas.shape[1]
        drawings = [presenter, *layers]
        face_box = self._face_changes.of(face)  # asked on every frame, so the next frame's is against this one
        if self._fresh:
            for pixels, x, y, alpha in drawings:
                blend(canvas, pixels, x, y, alpha)
            changed: list[Rect] | None = None
        else:
            dirty = [*self._after, *drawn_after, *_presenter_change(face, face_box, presenter)]
            now = [(pixels, x, y) for pixels, x, y, _ in layers]
            dirty += [_rect(p, x, y) for p, x, y in self._layers if not any(_same((p, x, y), n) for n in now)]
            dirty += [_rect(p, x, y) for p, x, y in now if not any(_same((p, x, y), o) for o in self._layers)]
            changed = [r for r in (_clipped(r, width, height) for r in dirty) if r is not None]
            for x0, y0, x1, y1 in changed:
                view = canvas[y0:y1, x0:x1]
                view[...] = self._clean[y0:y1, x0:x1]
                for pixels, x, y, alpha in drawings:
                    blend(view, pixels, x - x0, y - y0, alpha)
        self._fresh = False
        self._layers = [(pixels, x, y) for pixels, x, y, _ in layers]
        self._after = drawn_after
        return canvas, changed


class FaceChanges:
    """Where each face frame differs from the frame before it, found once a frame for every canvas that draws it
    (a job's cuts share one face render), instead of once a canvas. Frames are given in order; the canvases of
    one frame may ask from threads of their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._face: np.ndarray | None = None  # the frame last asked about (held, so compared by identity)
        self._box: Rect | None = None  # and its answer
        self._copy: np.ndarray | None = None  # a copy of it, to compare the next frame with

    def of(self, face: np.ndarray) -> Rect | None:
        """Where ``face`` differs from the frame given before it, (x0, y0, x1, y1) in face pixels ((0, 0, 0, 0):
        nowhere); None for the first frame or one of another size (everywhere)."""
        with self._lock:
            if face is self._face:
                return self._box
            box: Rect | None = None
            if self._copy is not None and self._copy.shape == face.shape:
                diff = cv2.absdiff(np.ascontiguousarray(face), self._copy)
                x, y, w, h = cv2.boundingRect(diff.reshape(face.shape[0], -1))
                channels = face.shape[2] if face.ndim == 3 else 1
                box = (x // channels, y, -(-(x + w) // channels), y + h) if w else (0, 0, 0, 0)
            else:
                self._copy = np.empty_like(face)
            np.copyto(self._copy, face)
            self._face, self._box = face, box
            return box


def _presenter_change(face: np.ndarray, face_box: Rect | None, presenter: Drawing) -> list[Rect]:
    """Where the presenter's drawing can differ from the last frame's: the part of the face frame that changed
    (``face_box``, None: all of it), scaled to the box with a margin for the resize's reach (a rendition's smaller
    box)."""
    pixels, left, top, _ = presenter
    side = pixels.shape[0]
    if face_box is None:
        return [(left, top, left + side, top + side)]
    x0, y0, x1, y1 = face_box
    if x1 <= x0:
        return []
    scale = side / face.shape[0]
    reach = 2 + math.ceil(scale)
    return [
        (
            left + math.floor(x0 * scale) - reach,
            top + math.floor(y0 * scale) - reach,
            left + math.ceil(x1 * scale) + reach,
            top + math.ceil(y1 * scale) + reach,
        )
    ]


def _same(a: tuple[np.ndarray, int, int], b: tuple[np.ndarray, int, int]) -> bool:
    return a[0] is b[0] and a[1:] == b[1:]


def _rect(pixels: np.ndarray, x: int, y: int) -> Rect:
    return x, y, x + pixels.shape[1], y + pixels.shape[0]


def _clipped(rect: Rect, width: int, height: int) -> Rect | None:
    x0, y0, x1, y1 = max(rect[0], 0), max(rect[1], 0), min(rect[2], width), min(rect[3], height)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None
