"""The built-in adapter: phone timing (or, failing that, loudness) drives the
built-in motion model.

With phones, each frame's controls come from the visemes
(``media.render.builtin.visemes``), scaled by loudness; without them the jaw follows
loudness and the width the spectrum's tilt, as a last fallback. Frames whose
mouth is at rest skip the model altogether: with every animation control at
zero it moves nothing, so the canvas already is the answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from media.phonemes import PhoneTrack
from media.render import controls as ctl
from media.render.adapters import BatchRunner
from media.render.builtin.mouth import FieldApplier, MouthRegion, locate_mouth
from media.render.builtin.visemes import VisemeTrack, viseme_track
from media.render.face import PortraitInfo
from media.render.framing import Framing
from media.render.loudness import mouth_track

Patch = tuple[int, int, np.ndarray]  # left, top, pixels: what to write into the canvas


class BuiltinMouth:
    adapter = "builtin"
    #: never late: the model hears no audio. Each frame's motion comes from that frame's controls, worked out
    #: from the phones and loudness at that frame's own time, so there is no offset for a probe to find (and
    #: ``tests/unit/media/render/test_renderer.py`` checks that the probe finds none)
    known_lag_frames: int | None = 0

    def __init__(self, model: Any, key: str = "builtin"):
        self.model = model
        self.batch_key = (key, ctl.GRID)
        self._appliers: dict[int, FieldApplier] = {}

    def locate(self, info: PortraitInfo, framing: Framing, canvas: np.ndarray) -> MouthRegion:
        return locate_mouth(info, framing.to_canvas, canvas)

    def mouth_box(self, region: MouthRegion) -> tuple[int, int, int, int]:
        return region.left, region.top, region.left + region.size, region.top + region.size

    def plan(
        self,
        region: MouthRegion,
        audio: np.ndarray,
        sample_rate: int,
        params: dict[str, Any],
        n_frames: int,
        shift_frames: int,
        phones: PhoneTrack | None = None,
    ) -> VisemeTrack:
        loud = mouth_track(
            audio,
            sample_rate,
            params["fps"],
            n_frames,
            dynamic_scale=1.0,
            smooth_motion=params["smooth_motion"],
        )
        if phones is not None and phones.phones:
            track = viseme_track(
                phones,
                params["fps"],
                n_frames,
                loudness=loud.open,
                audio_rest=loud.rest,
                dynamic_scale=params["dynamic_scale"],
            )
        else:
            scale = params["dynamic_scale"]
            rest = loud.rest | (scale == 0.0)
            zeros = np.zeros(n_frames, np.float32)
            controls = {name: zeros for name in ctl.ANIMATION_NAMES}
            controls["jaw"] = np.where(rest, 0.0, loud.open * scale).astype(np.float32)
            controls["width"] = np.where(rest, 0.0, np.clip(loud.width * min(scale, 1.0), -1, 1)).astype(np.float32)
            track = VisemeTrack(controls, rest, ("sil",) * n_frames)
        return track.shifted(shift_frames)

    def draw(
        self, region: MouthRegion, canvas: np.ndarray, track: VisemeTrack, frames: np.ndarray, runner: BatchRunner
    ) -> list[Patch | None]:
        patches: list[Patch | None] = [None] * len(frames)
        animation = {name: values[frames] for name, values in track.controls.items()}
        rows = region.controls(**animation)
        moving = np.flatnonzero(~ctl.at_rest(rows))
        if len(moving) == 0:
            return patches
        (fields,) = runner.run(self.batch_key, self.model, {"controls": rows[moving]})
        applier = self._applier(region.size)
        pixels = canvas[region.top : region.top + region.size, region.left : region.left + region.size]
        for j, field in zip(moving, fields):
            changed = applier.apply(pixels, field, region.interior, region.face_mask, rows[j])
            if changed is not None:
                x, y, window = changed
                patches[j] = (region.left + x, region.top + y, window)
        return patches

    def _applier(self, size: int) -> FieldApplier:
        applier = self._appliers.get(size)
        if applier is None:
            applier = self._appliers[size] = FieldApplier(size)
        return applier
