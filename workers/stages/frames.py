"""What a job's frames go through before the encoder: the lip-sync model, then
the visible mark, then the invisible payload. Set up once per attempt.

Frames leave as x264's own yuv420p (``media.encode.rgb_to_yuv420``): converted
here, cheaper than ffmpeg's swscale, and the invisible payload then goes on the
luma plane alone (``apply_to_luma``), where its detector reads it."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.brand_kits import mark_fields
from domain.drafts import DRAFT_LABEL, drawn_frames, held_frame
from domain.errors import JobFailure
from domain.models import Asset
from media.encode import (
    LUMA_SCALE,
    available_encoders,
    choose_video_codec,
    frames_for,
    luma_plane,
    rgb_to_yuv420,
    samples_for,
)
from media.phonemes import PhoneTrack
from media.render import analyze_portrait
from media.watermark import InvisibleWatermark, Payload, VisibleWatermark, tenant_code, watermark_key
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
    #: a draft draws fewer frames than the file has, and holds each (domain/drafts.py)
    output_fps: int = 0
    drawn_fps: int = 0
    draft_mark: Any = None
    #: what ``frames`` yields and the encoder reads: ``yuv420p`` (H·3/2, W) planes, or ``rgb24`` (H, W, 3)
    input_format: str = "rgb24"

    @classmethod
    def build(cls, attempt: Attempt, portrait: Portrait) -> FrameSource:
        """The frame source for a job: its renderer prepared once with the portrait (at the draft's size for a draft),
        and the visible watermark laid over every frame.
        """
        spec, params, claim = attempt.spec, attempt.params, attempt.claim
        draft = spec.get("draft_render") if spec.get("draft") else None
        if draft:  # drawn smaller and less often; the file keeps the final's frame rate and timing
            params = {**params, "resolution": draft["resolution"], "fps": draft["fps"]}
        renderer = attempt.services.renderer(spec.get("model", "builtin"))
        info = portrait.info or analyze_portrait(portrait.image).to_dict()
        prepared = renderer.prepare(portrait.image, info, params)
        size = int(params["resolution"])
        key = watermark_key(attempt.settings)
        payload = Payload(job_code=claim.wm_code or 0, tenant_code=tenant_code(claim.tenant_id, key))
        invisible = InvisibleWatermark(key).embedder(payload, size, size, attempt.fps)
        return cls(
            renderer=renderer,
            prepared=prepared,
            params=params,
            visible=visible_overlay(attempt, size),
            invisible=invisible,
            width=size,
            height=size,
            codec=choose_video_codec(attempt.services.tag, available_encoders()),
            preset=draft["preset"] if draft else "veryfast",
            output_fps=attempt.fps,
            drawn_fps=int(params["fps"]),
            draft_mark=draft_overlay(size) if draft else None,
            input_format="yuv420p",
        )

    def frames(
        self,
        samples: np.ndarray,
        sample_rate: int,
        first_frame: int,
        clock: StageClock,
        phones: PhoneTrack | None = None,
    ) -> Generator[np.ndarray, None, None]:
        """The segment's frames, watermarked, from ``first_frame`` on: drawn by the renderer, or, for a draft, drawn
        less often and held; as ``input_format`` says.
        """
        if self.draft_mark is not None:
            return self._held_frames(samples, sample_rate, first_frame, clock, phones)
        return self._drawn_frames(samples, sample_rate, first_frame, clock, phones)

    def _held_frames(
        self, samples: np.ndarray, sample_rate: int, first_frame: int, clock: StageClock, phones: PhoneTrack | None
    ) -> Generator[np.ndarray, None, None]:
        """A draft's frames at the file's rate: each drawn frame held until the next one is due;
        the DRAFT mark and the visible mark once per drawn frame, the invisible payload on every frame."""
        output_frames = frames_for(len(samples), sample_rate, self.output_fps)
        # the model rounds its frame count; trailing silence up to the frames the holds need makes it draw them all
        wanted = samples_for(drawn_frames(output_frames, self.output_fps, self.drawn_fps), sample_rate, self.drawn_fps)
        audio = np.concatenate([samples, np.zeros(max(0, wanted - len(samples)), dtype=samples.dtype)])
        drawn = self._drawn_frames(
            audio, sample_rate, held_frame(first_frame, self.output_fps, self.drawn_fps), clock, phones, invisible=False
        )
        shown, shown_index = None, -1
        try:
            for j in range(output_frames):
                wanted = held_frame(j, self.output_fps, self.drawn_fps)
                while shown_index < wanted:
                    frame = next(drawn, None)
                    if frame is None:  # a model that drew fewer after all: hold the last
                        break
                    shown, shown_index = self.draft_mark.apply(frame), shown_index + 1
                if shown is None:
                    raise JobFailure(
                        "render_failed", f"the model drew no frame for a {output_frames}-frame draft segment"
                    )
                t, c = time.perf_counter(), time.thread_time()
                out = self._invisible(shown, first_frame + j)
                clock.add("watermark", time.perf_counter() - t)
                clock.add("watermark_cpu", time.thread_time() - c)
                yield out
        finally:
            drawn.close()

    def _drawn_frames(
        self,
        samples: np.ndarray,
        sample_rate: int,
        first_frame: int,
        clock: StageClock,
        phones: PhoneTrack | None = None,
        *,
        invisible: bool = True,
    ) -> Generator[np.ndarray, None, None]:
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
                    frame = self.visible.apply(frame, in_place=True)  # the renderer gives each frame anew
                if invisible:
                    frame = self._invisible(frame, index)
                # wall time, and the CPU time this thread really spent (the cores are shared with x264 and TTS)
                clock.add("render", t1 - t0)
                clock.add("render_cpu", c1 - c0)
                clock.add("watermark", time.perf_counter() - t1)
                clock.add("watermark_cpu", time.thread_time() - c1)
                index += 1
                yield frame
        finally:
            stream.close()  # leaves the batcher's client list even when the segment is abandoned

    def _invisible(self, frame: np.ndarray, index: int) -> np.ndarray:
        """The payload on an RGB frame; for ``yuv420p``, the frame converted and the payload added to its luma
        (the same pattern at the same strength as on R, G and B, for a third of the work)."""
        if self.input_format != "yuv420p":
            marked: np.ndarray = self.invisible.apply(frame, index)
            return marked
        planes = rgb_to_yuv420(frame)
        self.invisible.apply_to_luma(frame, luma_plane(planes), LUMA_SCALE)
        return planes


def draft_overlay(size: int) -> Any:
    """The DRAFT label of a preview: large, in the top-left corner, away from the watermark's default corner."""
    return VisibleWatermark(text=DRAFT_LABEL, position="top-left", size=0.12, opacity=0.85).overlay_for(size, size)


def visible_overlay(
    attempt: Attempt, size: int, height: int | None = None, inset: tuple[int, int, int, int] | None = None
) -> Any:
    """The visible mark for ``size`` × ``size`` frames, or ``size`` × ``height``; ``inset``: the frame's edges it
    stands clear of (``VisibleWatermark.overlay_for``)."""
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
    mark = VisibleWatermark(logo_png=logo, **mark_fields(options, settings))
    return mark.overlay_for(size, size if height is None else height, inset)
