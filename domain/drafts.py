"""Drafts: a cheap preview of a job that has the final's speech and timing.

A draft renders at a lower resolution and frame rate, with the fastest
encoder preset and a visible DRAFT mark, from the same segments and the same
speech (the shared TTS cache) as the final job its approval creates. Its
timing is the final's to the frame: the speech is padded to whole frames of
the final's frame rate, and each drawn frame is held over the final's frames
it covers, so the file has the final's frame rate and length while the face
moves only ``fps`` times a second.
"""

from __future__ import annotations

import math
from typing import Any

#: the drawn frame rate of a draft, at most (the final's, when that is lower)
DRAFT_FPS = 12
#: a draft's side, at most: half the final's, never below the smallest allowed
DRAFT_MAX_RESOLUTION = 256
DRAFT_MIN_RESOLUTION = 128
#: x264's fastest preset: the draft is looked at once, then thrown away
DRAFT_PRESET = "ultrafast"
DRAFT_LABEL = "DRAFT"
#: a composed draft's canvas, at most: 640x360 for 16:9, enough to judge layout and captions
DRAFT_MAX_CANVAS_SIDE = 640


def draft_render(params: dict[str, Any], canvas: dict[str, int] | None = None) -> dict[str, Any]:
    """How a draft of a job with these (final) params is drawn; a composed job's draft composes on a
    smaller ``canvas`` of the same shape, and its renditions scaled alike (approval renders them at full size)."""
    half = int(params["resolution"]) // 2 // 16 * 16
    resolution = max(DRAFT_MIN_RESOLUTION, min(DRAFT_MAX_RESOLUTION, half))
    render = {
        "resolution": min(resolution, int(params["resolution"])),
        "fps": min(DRAFT_FPS, int(params["fps"])),
        "preset": DRAFT_PRESET,
    }
    if canvas is not None:
        render["canvas"] = draft_canvas(canvas)
    return render


def draft_canvas(canvas: dict[str, int]) -> dict[str, int]:
    """The final's canvas scaled so its longer side is at most ``DRAFT_MAX_CANVAS_SIDE``, both sides even."""
    scale = min(1.0, DRAFT_MAX_CANVAS_SIDE / max(canvas["width"], canvas["height"]))
    return {side: max(2, int(canvas[side] * scale) // 2 * 2) for side in ("width", "height")}


def held_frame(output_index: int, output_fps: int, drawn_fps: int) -> int:
    """Which drawn frame the ``output_index``-th frame of the file shows: the last one drawn at or before its time."""
    return output_index * drawn_fps // output_fps


def drawn_frames(output_frames: int, output_fps: int, drawn_fps: int) -> int:
    """Frames to draw so that every output frame has one to hold."""
    return max(1, math.ceil(output_frames * drawn_fps / output_fps))
