"""What a job's frames go through before the encoder: the lip-sync model, then
the visible mark, then the invisible payload. Built once per attempt."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from domain.secrets import local_secret


def watermark_key(settings) -> str:
    return settings.watermark_key or local_secret(settings, "watermark-key").hex()


def tenant_code(tenant_id: str, key: str) -> int:
    """16 bits naming the tenant in the payload (keyed, so it reveals nothing without the key)."""
    import hashlib
    import hmac

    return int.from_bytes(hmac.new(key.encode(), tenant_id.encode(), hashlib.sha256).digest()[:2], "big")


@dataclass
class RenderSetup:
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
    def build(cls, rt, claim, spec: dict, portrait) -> "RenderSetup":
        from media.encode.codec import available_encoders, choose_video_codec
        from media.render.face import analyze_portrait
        from media.watermark.invisible import InvisibleWatermark, Payload

        params = spec["params"]
        renderer = rt.renderer(spec.get("model", "builtin"))
        info = portrait.info or analyze_portrait(portrait.image).to_dict()
        prepared = renderer.prepare(portrait.image, info, params)
        size = int(params["resolution"])
        key = watermark_key(rt.settings)
        payload = Payload(job_code=claim.wm_code or 0, tenant_code=tenant_code(claim.tenant_id, key))
        invisible = InvisibleWatermark(key).embedder(payload, size, size, int(params["fps"]))
        return cls(renderer=renderer, prepared=prepared, params=params, visible=visible_overlay(rt, spec, size),
                   invisible=invisible, width=size, height=size,
                   codec=choose_video_codec(rt.tag, available_encoders()), preset="veryfast")

    def frames(self, samples: np.ndarray, sample_rate: int, first_frame: int, clock) -> Iterator[np.ndarray]:
        index = first_frame
        stream = self.renderer.render(self.prepared, samples, sample_rate, self.params, first_frame)
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


def visible_overlay(rt, spec: dict, size: int):
    from media.watermark.visible import VisibleWatermark

    options = spec.get("watermark") or {}
    if options.get("enabled") is False:
        return None
    settings = rt.settings
    logo = None
    if options.get("logo_asset_id"):
        from domain.models import Asset

        with rt.sessions() as session:
            asset = session.get(Asset, options["logo_asset_id"])
            logo = rt.storage.get_bytes(asset.storage_key) if asset else None
    mark = VisibleWatermark(text=options.get("text") or settings.watermark_text, logo_png=logo,
                            position=options.get("position") or settings.watermark_position,
                            size=options.get("size") or 0.05,
                            opacity=options.get("opacity") if options.get("opacity") is not None else settings.watermark_opacity)
    return mark.overlay_for(size, size)
