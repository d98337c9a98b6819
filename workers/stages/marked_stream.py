"""One cut's composed frames as x264's yuv420p with the cut's marks, redone only where a frame changed.

A composed frame on a still background differs from the one before only
where the presenter, the captions and the overlays are drawn; the compositor
says where (``SceneCompositor.compose_reused``). The frame's conversion to
yuv420p and its invisible mark are then redone there alone — and where the
mark's strength map changed — on planes kept from the frame before, instead
of over the whole 1080p frame each time. Each pixel comes out as the whole
frame's conversion and mark give it, but for the mark's float rounding, which
varies from run to run as well (``tests/unit/compose/test_reused_canvas.py``).
"""

from __future__ import annotations

import numpy as np

from media.encode import LUMA_SCALE, Rect, covering_rects, even_rect, luma_plane, rgb_to_yuv420_into
from workers.stages.composition import Cut


class MarkedStream:
    """A cut's frames, in order, as marked yuv420p planes; one per cut and segment, for one thread at a time."""

    def __init__(self, cut: Cut):
        self.cut = cut
        self._planes: np.ndarray | None = None  # the last frame's marked yuv420p, handed to the encoder
        self._clean: np.ndarray | None = None  # its luma before the invisible mark
        self._source: object | None = None

    @property
    def mark_rects(self) -> tuple[Rect, ...]:
        """Where the visible marks (the draft label, the farm's mark) are drawn over each frame."""
        marks = [m for m in (self.cut.draft_mark, self.cut.visible) if m is not None]
        return tuple((m.x, m.y, m.x + m.weight.shape[1], m.y + m.weight.shape[0]) for m in marks)

    def marked(self, frame: np.ndarray, source: object | None, changed: list[Rect] | None) -> np.ndarray:
        """``frame`` (RGB, changed in place by the visible marks) as marked yuv420p planes, valid until the next
        call (the encoder copies them). ``changed``: where it differs from the last frame ``source`` gave (None:
        anywhere); a frame from another source (none, for a crossfade) is taken as changed everywhere."""
        cut = self.cut
        if source is None or source is not self._source:
            changed = None
        self._source = source
        if cut.draft_mark is not None:
            frame = cut.draft_mark.apply(frame, in_place=True)
        if cut.visible is not None:
            frame = cut.visible.apply(frame, in_place=True)
        height, width = frame.shape[:2]
        if self._planes is None or self._clean is None:
            self._planes = np.empty((height * 3 // 2, width), np.uint8)
            self._clean = np.empty((height, width), np.uint8)
            changed = None
        rects = None if changed is None else covering_rects([r for c in changed if (r := even_rect(c, width, height))])
        rgb_to_yuv420_into(frame, self._planes, rects)
        luma = luma_plane(self._planes)
        for x0, y0, x1, y1 in rects if rects is not None else [(0, 0, width, height)]:
            self._clean[y0:y1, x0:x1] = luma[y0:y1, x0:x1]
        cut.invisible.apply_to_luma_in(frame, self._clean, luma, LUMA_SCALE, rects)
        return self._planes
