"""What a job's frames go through before the encoder: the lip-sync model, then
the visible mark, then the invisible payload. Set up once per attempt."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.models import Asset
from media.encode.codec import available_encoders, choose_video_codec
from media.phonemes import PhoneTrack
from media.render.face import analyze_portrait
from media.watermark.invisible import InvisibleWatermark, Payload
from media.watermark.keys import tenant_code, watermark_key
from media.watermark.visible import VisibleWatermark
from workers.attempt import Attempt, StageClock
from workers.stages.inputs import Portrait


@dataclass
class FrameSource:
    renderer: Any
    prepared: Any
    params: dict
    visible: Any  # overlay with .apply(frame), or None when turned off
    invisible: Any  # embedder with .apply(frame, index)
    width: int
    height: int
    codec: str
    preset: str

    @classmethod
    def build(cls, attempt: Attempt, portrait: Portrait) -> FrameSource:
        spec, params, claim = attempt.spec, attempt.params, attempt.claim
        renderer = attempt.services.renderer(spec.get("model", "builtin"))
        info = portrait.info or analyze_portrait(portrait.image).to_dict()
        prepared = renderer.prepare(portrait.image, info, params)
        size = int(params["resolution"])
        key = watermark_key(attempt.settings)
        payload = Payload(job_code=claim.wm_code or 0, tenant_code=tenant_code(claim.tenant_id, key))
        invisible = InvisibleWatermark(key).embedder(payload, size, size, attempt.fps)
        return cls(renderer=renderer, prepared=prepared, params=params, visible=visible_overlay(attempt, size),
                   invisible=invisible, width=size, height=size,
                   codec=choose_video_codec(attempt.services.tag, available_encoders()), preset="veryfast")

    def frames(self, samples: np.ndarray, sample_rate: int, first_frame: int, clock: StageClock,
               phones: PhoneTrack | None = None) -> Generator[np.ndarray, None, None]:
        index = first_frame
        stream = self.renderer.render(self.prepared, samples, sample_rate, self.params, first_frame, phones=phones)
        try:
            while True:
                t0, c0 = time.perf_counter(), time.thread_time()
                frame = next(stream, None)
                if frame is None:
                    return
                t1, c1 = time.perf_counter(), time.thread_time()
                if self.visible is not None:
                    frame = self.visible.apply(frame)
                frame = self.invisible.apply(frame, index)
                # wall time, and the CPU time this thread really spent (the cores are shared with x264 and TTS)
                clock.add("render", t1 - t0)
                clock.add("render_cpu", c1 - c0)
                clock.add("watermark", time.perf_counter() - t1)
                clock.add("watermark_cpu", time.thread_time() - c1)
                index += 1
                yield frame
        finally:
            stream.close()  # leaves the batcher's client list even when the segment is abandoned


def visible_overlay(attempt: Attempt, size: int) -> Any:
    options = attempt.spec.get("watermark") or {}
    if options.get("enabled") is False:
        return None
    settings = attempt.settings
    logo = None
    if options.get("logo_asset_id"):
        with attempt.services.sessions() as session:
            asset = session.get(Asset, options["logo_asset_id"])
            key = asset.storage_key if asset else None
        if key is not None:
            logo = attempt.storage_call(lambda: attempt.storage.get_bytes(key), "reading the logo")
    opacity = options.get("opacity")
    mark = VisibleWatermark(text=options.get("text") or settings.watermark_text, logo_png=logo,
                            position=options.get("position") or settings.watermark_position,
                            size=options.get("size") or 0.05,
                            opacity=float(settings.watermark_opacity if opacity is None else opacity))
    return mark.overlay_for(size, size)
