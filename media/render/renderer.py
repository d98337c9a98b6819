"""The renderer the pipeline calls: portrait + speech audio -> video frames.

::

    renderer = Renderer.for_model("builtin", tag="cpu", batcher=batcher)
    prepared = renderer.prepare(image_bytes, portrait_info, params)   # once per job
    for frame in renderer.render(prepared, audio, sample_rate, params, first_frame_index):
        ...  # uint8 RGB (resolution, resolution, 3)

A segment of ``len(audio)`` samples gives exactly ``frame_count(len(audio),
sample_rate, fps)`` frames: its duration times fps, rounded half up. Segments
of one job are rendered separately; pass each one's ``first_frame_index`` (the
frames before it) and head motion continues across the boundary; blinks and
brows are the segment's own and neutral at its ends, so each segment renders
the same alone or after any other (resumable).
Rendering is deterministic: the same inputs give the same bytes, batched or not.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from domain.config import Settings
from domain.errors import JobFailure
from domain.params import with_defaults
from media.phonemes import PhoneTrack
from media.render import quality
from media.render.batcher import DirectRunner
from media.render.face import PortraitInfo, analyze_image, decode_portrait
from media.render.framing import Framing, frame_portrait, render_canvas
from media.render.loudness import frame_count
from media.render.model_catalog import BUILTIN, ModelSpec, known_models, open_model, render_adapter
from media.render.motion import (
    BODY_SWAY,
    BROWS,
    BrowPatch,
    EyePatch,
    NeckTaper,
    head_pose,
    pose_frame,
    segment_blinks,
    segment_brows,
    wears_glasses,
)

log = logging.getLogger(__name__)

#: frames a job sends to the model at once; the batcher may stack several jobs' chunks
CHUNK_FRAMES = 8
#: params that change the framing: a prepared portrait is only valid for these
FRAMING_PARAMS = ("resolution", "expand_ratio", "min_resolution")
#: lip_sync_correction: lags the probe may find, and the correlation it needs to trust one
MAX_CORRECTION_FRAMES = 4
MIN_PROBE_CORRELATION = 0.3
#: a NeckTaper's head: the face box widened by this many face sizes each side (hair, ears)
HEAD_WIDER = 0.25

__all__ = ["Renderer", "PreparedPortrait", "frame_count"]


@dataclass
class PreparedPortrait:
    """A portrait framed for one job's params; reusable across its segments (read-only)."""

    info: PortraitInfo
    framing: Framing
    canvas: np.ndarray  # uint8 RGBA (A unused), the framed photo plus the head-motion margin
    mouth: Any  # the adapter's state: where the mouth is, its geometry
    eyes: list[EyePatch]
    brows: list[BrowPatch]  # empty when the analysis has no mesh
    pivot: tuple[float, float]  # head motion turns about the neck, canvas pixels
    framing_params: dict[str, Any]
    #: set for a presenter drawn over a still body: the square's edges hold still, the head sways on the neck
    taper: NeckTaper | None = None
    _lags: dict[int, int] = field(default_factory=dict, repr=False)
    _lag_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def still_frame(self) -> np.ndarray:
        """The output frame with the mouth at rest and the head still."""
        m, r = self.framing.margin, self.framing.resolution
        return self.canvas[m : m + r, m : m + r, :3]


class Renderer:
    def __init__(self, spec: ModelSpec, mouth: Any, runner: Any, effective_tag: str):
        self.spec = spec
        self.mouth = mouth
        self.runner = runner
        #: the pool this renderer really serves (``cpu`` after an accelerator fell back)
        self.effective_tag = effective_tag

    @classmethod
    def for_model(
        cls,
        name: str = "builtin",
        *,
        tag: str = "cpu",
        settings: Settings | None = None,
        available_providers: Sequence[str] | None = None,
        batcher: Any = None,
        cpu_threads: int = 1,
    ) -> Renderer:
        """A renderer for a registered model on this pool's providers.

        ``available_providers`` defaults to ``onnxruntime.get_available_providers()``;
        ``batcher`` is the worker's ``DynamicBatcher`` (None: no cross-job batching).
        Raises ``JobFailure('model_unknown')``, ``MediaError('model_unavailable')``,
        ``ModelRefused`` (``model_invalid``: the file does not fit its adapter).
        """
        models = known_models(settings) if settings is not None else {BUILTIN.name: BUILTIN}
        spec = models.get(name)
        if spec is None:
            raise JobFailure("model_unknown", f"no render model named {name!r}; known: {', '.join(models)}")
        model = open_model(spec, tag, available_providers=available_providers, cpu_threads=cpu_threads)
        return cls(spec, render_adapter(spec, model), batcher or DirectRunner(), model.effective_tag)

    frame_count = staticmethod(frame_count)

    def prepare(
        self,
        image_bytes: bytes,
        portrait_info: PortraitInfo | dict[str, Any] | None,
        params: dict[str, Any] | None,
        matte: np.ndarray | None = None,
        still_body: bool = False,
        photo: np.ndarray | None = None,
    ) -> PreparedPortrait:
        """Frame the portrait for these params (``AvatarError`` if it cannot be).

        ``portrait_info`` is what ``analyze_portrait`` returned (or its
        ``to_dict()``); None or an older format analyses the image again.
        ``matte`` (uint8 (H, W), the photo's size): the presenter's opacity,
        carried as the canvas's alpha so that ``render(alpha=True)`` moves it with the head.
        ``still_body``: the frame is shown over the rest of the photo's person, held still (a composed
        video's cut-out presenter): its edges then stay put, the head sways on the neck (``NeckTaper``),
        a little more than a square's whole frame does (``BODY_SWAY``).
        ``photo``: the decoded photo, in the colours the presenter is shown in (a cut-out's edges without the
        photo's background in them: ``media.compose.presenter_colours``); decoded from ``image_bytes`` if None.
        """
        params = with_defaults(params)
        rgb = decode_portrait(image_bytes) if photo is None else photo
        info = self._portrait_info(rgb, portrait_info)
        framing = frame_portrait(info, params["resolution"], params["expand_ratio"], params["min_resolution"])
        # Four channels: OpenCV's warps are several times faster on them than on three.
        if matte is None:
            canvas = cv2.cvtColor(render_canvas(rgb, framing), cv2.COLOR_RGB2RGBA)
        else:
            if matte.shape != rgb.shape[:2]:
                raise ValueError(f"matte {matte.shape} is not the photo's size {rgb.shape[:2]}")
            # resampled apart: PIL's RGBA resize premultiplies, which would blacken the photo where the matte is 0
            alpha = render_canvas(np.repeat(matte[..., None], 3, axis=2), framing)[..., :1]
            canvas = np.ascontiguousarray(np.concatenate([render_canvas(rgb, framing), alpha], axis=2))
        canvas.setflags(write=False)
        eyes = [EyePatch.around(eye, framing.to_canvas, canvas.shape[0]) for eye in info.eyes.values()]
        brows = (
            [BrowPatch.around(info.mesh, b["brow"], b["lid"], framing.to_canvas, canvas.shape[0]) for b in BROWS]
            if len(info.mesh) == 478 and not wears_glasses(canvas, eyes)
            else []
        )
        chin = framing.to_canvas(info.points["chin"])
        pivot = (float(chin[0]), float(chin[1] + 0.35 * info.face_size * framing.scale))
        taper = None
        if still_body:
            face_left, _, face_right, _ = info.face_box
            hair = HEAD_WIDER * info.face_size
            head = (
                (face_left - hair - framing.left) * framing.scale,
                (face_right + hair - framing.left) * framing.scale,
            )
            m = framing.margin
            taper = NeckTaper.around(framing.resolution, head, float(chin[1]) - m, pivot[1] - m)
        return PreparedPortrait(
            info=info,
            framing=framing,
            canvas=canvas,
            mouth=self.mouth.locate(info, framing, canvas),
            eyes=eyes,
            brows=brows,
            pivot=pivot,
            framing_params={k: params[k] for k in FRAMING_PARAMS},
            taper=taper,
        )

    @staticmethod
    def _portrait_info(rgb: np.ndarray, stored: PortraitInfo | dict[str, Any] | None) -> PortraitInfo:
        """The stored analysis, or a fresh one if there is none or it is of an older format."""
        info: PortraitInfo | None
        if isinstance(stored, dict):
            try:
                info = PortraitInfo.from_dict(stored)
            except (ValueError, KeyError, TypeError) as exc:
                log.info("re-analysing the portrait: %s", exc)
                info = None
        else:
            info = stored
        if info is None:
            return analyze_image(rgb)
        if (rgb.shape[1], rgb.shape[0]) != (info.width, info.height):
            raise ValueError("portrait_info was computed for another image")
        return info

    def mouth_box(self, prepared: PreparedPortrait) -> tuple[int, int, int, int]:
        """Where the mouth is redrawn, in output-frame pixels (x0, y0, x1, y1)."""
        m = prepared.framing.margin
        x0, y0, x1, y1 = self.mouth.mouth_box(prepared.mouth)
        r = prepared.framing.resolution
        return max(x0 - m, 0), max(y0 - m, 0), min(x1 - m, r), min(y1 - m, r)

    def render(
        self,
        prepared: PreparedPortrait,
        audio: np.ndarray,
        sample_rate: int,
        params: dict[str, Any] | None,
        first_frame_index: int = 0,
        phones: PhoneTrack | None = None,
        alpha: bool = False,
    ) -> Iterator[np.ndarray]:
        """Frames for this audio segment, uint8 RGB (resolution, resolution, 3);
        RGBA with ``alpha`` (the matte given to ``prepare``, moved with the head).

        ``phones`` (a ``media.phonemes.PhoneTrack``, times relative to this
        segment's first sample): what is said when; the built-in mouth shapes
        visemes from it and the brows lift on its stressed vowels. None, or a
        track without phones: the mouth follows loudness (the last fallback).

        Exhaust the iterator or ``close()`` it: while it is open the job counts
        as a batching client that others may briefly wait for.
        """
        params = with_defaults(params)
        mismatched = [k for k in FRAMING_PARAMS if params[k] != prepared.framing_params[k]]
        if mismatched:
            raise ValueError(f"prepared for other {', '.join(mismatched)}; prepare again")
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        fps = params["fps"]
        n_frames = frame_count(len(audio), sample_rate, fps)
        shift = self.correction_frames(prepared, params) if params["lip_sync_correction"] else 0
        plan = self.mouth.plan(prepared.mouth, audio, sample_rate, params, n_frames, shift, phones=phones)
        rest = getattr(plan, "rest", None)
        if rest is None:
            rest = quality.pause_frames(audio, sample_rate, fps, n_frames)
        blinks = segment_blinks(first_frame_index, n_frames, fps, params["motion_scale"], rest)
        brows = segment_brows(phones, n_frames, fps, params["motion_scale"]) if prepared.brows else np.zeros(n_frames)
        return self._frames(prepared, plan, n_frames, params, first_frame_index, blinks, brows, alpha)

    def _frames(
        self,
        prepared: PreparedPortrait,
        plan: Any,
        n_frames: int,
        params: dict[str, Any],
        first_frame_index: int,
        blinks: np.ndarray,
        brows: np.ndarray,
        alpha: bool = False,
    ) -> Iterator[np.ndarray]:
        fps, motion_scale = params["fps"], params["motion_scale"]
        sway = motion_scale * (BODY_SWAY if prepared.taper is not None else 1.0)
        framing = prepared.framing
        scratch = prepared.canvas.copy()  # the canvas plus this frame's mouth and eyelids
        with self.runner.client():
            for start in range(0, n_frames, CHUNK_FRAMES):
                frames = np.arange(start, min(start + CHUNK_FRAMES, n_frames))
                patches = self.mouth.draw(prepared.mouth, prepared.canvas, plan, frames, self.runner)
                for i, patch in zip(frames, patches):
                    index = first_frame_index + int(i)
                    dirty = []
                    if patch is not None:
                        left, top, pixels = patch
                        scratch[top : top + pixels.shape[0], left : left + pixels.shape[1], : pixels.shape[2]] = pixels
                        dirty.append((left, top, pixels.shape[1], pixels.shape[0]))
                    if brows[i] > 0.0:
                        for brow in prepared.brows:
                            brow.raise_(scratch, float(brows[i]))
                            dirty.append((brow.left, brow.top, brow.width, brow.height))
                    blink = float(blinks[i])
                    if blink > 0.0:
                        for eye in prepared.eyes:
                            eye.close(scratch, blink)
                            dirty.append((eye.left, eye.top, eye.width, eye.height))
                    pose = head_pose(index, fps, framing.resolution, sway, params["smooth_motion"])
                    yield pose_frame(
                        scratch,
                        pose,
                        framing.margin,
                        framing.resolution,
                        prepared.pivot,
                        keep_alpha=alpha,
                        taper=prepared.taper,
                    )
                    for left, top, w, h in dirty:
                        scratch[top : top + h, left : left + w] = prepared.canvas[top : top + h, left : left + w]

    def correction_frames(self, prepared: PreparedPortrait, params: dict[str, Any]) -> int:
        """The model's constant audio-video offset at this fps, in frames: the
        adapter's own when it knows it (``known_lag_frames``; the built-in
        mouth's is 0), else measured once per prepared portrait on a fixed
        synthetic probe. A mouth that moves ``lag`` frames late is corrected by
        giving frame i the audio of frame i + lag. Deterministic for a portrait."""
        known: int | None = self.mouth.known_lag_frames
        if known is not None:  # the adapter knows its model's offset: no probe to render (0.4 s at 864²)
            return known
        fps = params["fps"]
        with prepared._lag_lock:
            if fps not in prepared._lags:
                prepared._lags[fps] = self._probe_lag(prepared, fps)
            return prepared._lags[fps]

    def _probe_lag(self, prepared: PreparedPortrait, fps: int) -> int:
        sample_rate = 16000
        audio, _ = quality.synthetic_speech(sample_rate)
        probe_params = with_defaults(
            {**prepared.framing_params, "fps": fps, "motion_scale": 0.0, "lip_sync_correction": False}
        )
        frames = list(self.render(prepared, audio, sample_rate, probe_params))
        activity = quality.mouth_activity(frames, prepared.still_frame, self.mouth_box(prepared))
        envelope = quality.speech_envelope(audio, sample_rate, fps, len(frames))
        lag, corr = quality.av_offset(activity, envelope, MAX_CORRECTION_FRAMES)
        if corr < MIN_PROBE_CORRELATION:
            log.info("model %s: probe correlation %.2f too weak to correct lip sync", self.spec.name, corr)
            return 0
        if lag:
            log.info("model %s: mouth lags the audio by %d frame(s) at %d fps; correcting", self.spec.name, lag, fps)
        return lag
