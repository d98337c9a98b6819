"""The built-in adapter: speech features drive the built-in motion model.

Frames whose mouth is at rest skip the model altogether: with ``open`` and
``width`` at zero it moves nothing, so the canvas already is the answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from media.render import controls as ctl
from media.render.mouth import FieldApplier, MouthRegion, locate_mouth
from media.render.speech import MouthTrack, mouth_track

Patch = tuple[int, int, np.ndarray]  # left, top, pixels: what to write into the canvas


class BuiltinMouth:
    adapter = "builtin"

    def __init__(self, model: Any, key: str = "builtin"):
        self.model = model
        self.batch_key = (key, ctl.GRID)
        self._appliers: dict[int, FieldApplier] = {}

    def locate(self, info, framing, canvas: np.ndarray) -> MouthRegion:
        return locate_mouth(info, framing.to_canvas, canvas)

    def mouth_box(self, region: MouthRegion) -> tuple[int, int, int, int]:
        return region.left, region.top, region.left + region.size, region.top + region.size

    def plan(self, region: MouthRegion, audio: np.ndarray, sample_rate: int, params: dict, n_frames: int,
             shift_frames: int) -> MouthTrack:
        track = mouth_track(
            audio, sample_rate, params["fps"], n_frames,
            dynamic_scale=params["dynamic_scale"], smooth_motion=params["smooth_motion"],
        )
        return track.shifted(shift_frames)

    def draw(self, region: MouthRegion, canvas: np.ndarray, track: MouthTrack, frames: np.ndarray, runner) -> list[Patch | None]:
        patches: list[Patch | None] = [None] * len(frames)
        rows = region.controls(track.open[frames], track.width[frames])
        moving = np.flatnonzero(~ctl.at_rest(rows))
        if len(moving) == 0:
            return patches
        (fields,) = runner.run(self.batch_key, self.model, {"controls": rows[moving]})
        applier = self._applier(region.size)
        pixels = canvas[region.top:region.top + region.size, region.left:region.left + region.size]
        for j, field in zip(moving, fields):
            changed = applier.apply(pixels, field, region.palette, region.face_mask)
            if changed is not None:
                x, y, window = changed
                patches[j] = (region.left + x, region.top + y, window)
        return patches

    def _applier(self, size: int) -> FieldApplier:
        applier = self._appliers.get(size)
        if applier is None:
            applier = self._appliers[size] = FieldApplier(size)
        return applier
