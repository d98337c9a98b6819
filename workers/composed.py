"""One attempt at a composed job (``spec["composition"]``): scenes, cuts, one face render.

The same shape as ``workers.pipeline``: segments planned the same on every
attempt, speech one segment ahead of the renderer, each finished segment
stored with a row in ``segments`` and reused by a later attempt, ownership
checked between frames. What differs: each scene plans its own segments (a
scene boundary is a segment boundary), and each segment's face frames —
rendered once, RGBA with the matte — are composed onto every cut's canvas
(the main one and each rendition) and encoded once per cut. A segment is
recorded only when every cut's file of it is stored.

A crossfade into a scene never runs over its speech: the scene's first
segment is held silent, the presenter at rest, for the fade's length, and
speaks after it (its audio, phones and captions start that much later; the
video is longer by the fade). The dissolve runs from the previous scene's last
picture, at rest, to the new presenter at rest. Behind a brand kit's intro
that crossfades into the job, the first scene holds the same way. A job whose
segments were recorded before that rule (the fade over the scene's first
words) keeps its old timing when resumed (``FadeTiming``).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import time
from typing import Any

import cv2
import numpy as np

from domain import lifecycle
from domain.errors import JobFailure
from domain.models import Segment
from domain.states import Stage
from media.compose import (
    Background,
    ComposedEncoder,
    SceneCompositor,
    blend,
    caption_obstacles,
    caption_track,
    with_alpha,
)
from media.encode import Rect, available_encoders, choose_video_codec, pad_to_frames, samples_for
from media.tts import NarrationTiming
from workers.attempt import Attempt, SegmentPlan, SpokenSegment
from workers.speech_ahead import SpeechAhead, await_speech, check_duration
from workers.stages.brand_clips import intro_hold_frames
from workers.stages.composed_finish import audio_made_ahead, composed_audio, publish_composed
from workers.stages.composition import (
    Cut,
    Scene,
    carries_alpha,
    encoder_preset,
    job_cuts,
    mark_band,
    mark_box,
    prepare_scene,
    scene_specs,
)
from workers.stages.finish import AudioAhead
from workers.stages.inputs import plan_segments, segment_words, speak_segment
from workers.stages.marked_stream import MarkedStream
from workers.stages.segments import CHECK_EVERY_FRAMES, SegmentCloser, resumable_segments, stored_frames


def run_composed_attempt(attempt: Attempt) -> tuple[dict[str, Any], dict[str, Any]]:
    """Render one attempt of a composed job: each scene plans its own segments (a scene boundary is a segment
    boundary), speech runs a segment ahead, each segment's face is rendered once at the largest size any cut shows
    it and composed onto every cut, and segments an earlier attempt stored are reused. Then join, mix the music,
    sign and publish every cut.
    """
    comp = attempt.spec["composition"]
    output_format = comp.get("output_format") or "mp4"
    attempt.report(Stage.TTS, 0.0, force=True)
    scenes = [Scene(i, spec, scene) for i, (spec, scene) in enumerate(zip(scene_specs(attempt.spec), comp["scenes"]))]
    plans: list[SegmentPlan] = []
    sources: dict[int, NarrationTiming | None] = {}
    with attempt.clock.timed("inputs"):
        for scene in scenes:
            scene_plans, sources[scene.index] = plan_segments(attempt, scene.spec)
            for plan in scene_plans:
                plans.append(SegmentPlan(len(plans), plan.texts, plan.audio, scene.index))
        cuts = job_cuts(attempt)
    attempt.check(checkpoint=True)
    recorded = attempt.transaction(lambda s: lifecycle.finished_segments(s, attempt.claim.job_id))
    done = resumable_segments(
        attempt,
        recorded,
        lambda i: [cut.segment_name(i, output_format) for cut in cuts] + [f"seg-{i:04d}.wav"],
    )
    decoded: dict[str, Background] = {}
    codec = choose_video_codec(attempt.services.tag, available_encoders())
    spoken_all: list[SpokenSegment] = []
    said: list[SpokenSegment] = []  # the speech alone, without the holds behind fades: what params.duration measures
    scene_start: dict[int, int] = {}

    def speak(plan: SegmentPlan) -> SpokenSegment:
        """One segment's speech for its scene, timed into the job's ``tts`` stage."""
        t = time.perf_counter()
        spoken = speak_segment(attempt, plan, sources[plan.scene], scenes[plan.scene].spec)
        attempt.clock.add("tts", time.perf_counter() - t)
        return spoken

    speech = SpeechAhead(speak, plans)
    timing = FadeTiming(recorded)
    audio_ahead: AudioAhead = None
    try:
        # each segment is stored while the next one renders, and the sound track made while the last one does
        with (
            SegmentCloser(attempt) as closer,
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="audio-ahead") as beside,
        ):
            for i, plan in enumerate(plans):
                attempt.check(checkpoint=True)
                spoken_ahead = speech.get(i)
                if i not in done and scenes[plan.scene].prepared is None:
                    # a scene is prepared while its first segment is spoken
                    prepare_scene(attempt, scenes[plan.scene], cuts, decoded)
                with attempt.clock.timed("tts_wait"):
                    spoken = await_speech(attempt, spoken_ahead)
                said.append(spoken)
                first_frame = sum(s.frames for s in spoken_all)
                if scene_start.setdefault(plan.scene, first_frame) == first_frame:
                    spoken = timing.scene_opening(spoken, held_frames(attempt, scenes[plan.scene]), attempt.fps)
                spoken_all.append(spoken)
                if len(spoken_all) == len(plans) and audio_made_ahead(attempt):
                    audio_ahead = beside.submit(composed_audio, attempt, list(spoken_all), output_format)
                if i in done and done[i].frames == spoken.frames and timing.stored_as_held(attempt, i, spoken.frames):
                    attempt.report(Stage.RENDER, (i + 1) / len(plans))
                    continue
                scene = scenes[plan.scene]
                if scene.prepared is None:
                    prepare_scene(attempt, scene, cuts, decoded)
                fade = None
                if first_frame == scene_start[plan.scene] and fade_frames(scene, attempt.fps):
                    previous = scenes[plan.scene - 1]
                    fade = _crossfade_from(
                        attempt, previous, scene, cuts, decoded, first_frame, scene_start[previous.index]
                    )
                render_composed_segment(
                    attempt,
                    scene,
                    cuts,
                    spoken,
                    first_frame,
                    first_frame - scene_start[plan.scene],
                    len(plans),
                    output_format,
                    codec,
                    closer,
                    fade,
                )
    finally:
        speech.stop()
    check_duration(attempt, said)
    attempt.check(checkpoint=True)
    return publish_composed(attempt, cuts, spoken_all, output_format, audio_ahead)


def fade_frames(scene: Scene, fps: int) -> int:
    """Frames of the crossfade into ``scene``: its transition's duration at the job's frame rate; 0 for a cut and for
    the first scene (always a cut: a job stored before the API said so may still carry a crossfade there)."""
    transition = scene.composition.get("transition") or {}
    if scene.index == 0 or transition.get("type") != "crossfade":
        return 0
    return max(0, int(round(float(transition.get("duration") or 0.0) * fps)))


def held_frames(attempt: Attempt, scene: Scene) -> int:
    """Frames ``scene`` holds silent, its presenter at rest, before it speaks: the crossfade into it; for the first
    scene, the brand kit's intro's crossfade (the intro fades into the job's first picture, at rest)."""
    if scene.index == 0:
        return intro_hold_frames(attempt.spec["composition"], attempt.fps)
    return fade_frames(scene, attempt.fps)


class FadeTiming:
    """Where a scene's speech starts after a crossfade: ``frames`` later, the fade's length, so the dissolve runs
    between two presenters at rest and never over words; the whole job is that much longer per crossfade (and by a
    brand kit's intro's crossfade, into the job's first picture at rest).

    A job whose attempt began before this rule recorded its segments with the fade over the scene's first words
    (the segment as long as its speech alone). Resumed, it keeps that timing to its end, so no recorded segment is
    joined to ones timed otherwise: told by the recorded length of a crossfaded scene's first segment, the first
    segment whose length the rule changes (the segments before it are the same under both). Nothing is read that
    the old code did not record.

    While workers of both releases serve the queue, an older one may render a held segment again its own way: the
    files then hold the speech alone, and the row still says held (a row is never rewritten). A held segment is
    reused only when its stored files say they are held too (``stored_frames``), one small read per crossfade."""

    def __init__(self, recorded: dict[int, Segment]):
        self._recorded = recorded
        self._held: set[int] = set()
        self.fades_over_speech = False

    def scene_opening(self, spoken: SpokenSegment, frames: int, fps: int) -> SpokenSegment:
        """A scene's first segment as it is rendered: held silent for ``frames`` first (the fade into the scene)."""
        if frames <= 0:
            return spoken
        row = self._recorded.get(spoken.plan.index)
        if row is not None and row.frames == spoken.frames:
            self.fades_over_speech = True
        if self.fades_over_speech:
            return spoken
        self._held.add(spoken.plan.index)
        return held_silent(spoken, frames, fps)

    def stored_as_held(self, attempt: Attempt, index: int, frames: int) -> bool:
        """Whether recorded segment ``index``'s stored files are as this attempt would render it: always, but for a
        held segment that an older worker may have rendered again unheld."""
        return index not in self._held or stored_frames(attempt, index) == frames


def held_silent(spoken: SpokenSegment, frames: int, fps: int) -> SpokenSegment:
    """The segment with ``frames`` of silence before its speech: its samples, caption cues and phones (and so its
    words, mouth and brows) all start that much later; ``frames`` more frames in all."""
    rate = spoken.sample_rate
    lead = samples_for(frames, rate, fps)
    samples, count = pad_to_frames(np.concatenate([np.zeros(lead, np.float32), spoken.samples]), rate, fps)
    shift = lead / rate
    cues = [(start + shift, end + shift, text) for start, end, text in spoken.cues]
    phones = spoken.phones.shifted(shift) if spoken.phones is not None else None
    return SpokenSegment(spoken.plan, samples, rate, count, cues, phones)


def _crossfade_from(
    attempt: Attempt,
    previous: Scene,
    scene: Scene,
    cuts: list[Cut],
    decoded: dict[str, Background],
    first_frame: int,
    previous_start: int,
) -> tuple[list[np.ndarray], int]:
    """What the crossfade into ``scene`` (at the job's frame ``first_frame``; the previous scene began at frame
    ``previous_start``) starts from, per cut, and over how many frames.

    The previous scene's last picture, drawn again rather than kept: its presenter as on its last frame (the
    renderer's frame at that index for silence: the mouth at rest, as a scene ends in its speech's trailing pause,
    the eyes open, the head where its sway had it, so the dissolve starts without a jump), its background and
    overlays as at its end. So a resumed job fades from the same picture whichever attempt drew the scene before."""
    if previous.prepared is None:
        prepare_scene(attempt, previous, cuts, decoded)
    rate = 16000
    renderer = attempt.services.renderer(attempt.spec.get("model", "builtin"))
    silence = np.zeros(samples_for(1, rate, attempt.fps), np.float32)
    frames = renderer.render(previous.prepared, silence, rate, previous.params, first_frame - 1, alpha=True)
    with contextlib.closing(frames):
        still = next(frames)
    end = first_frame - 1 - previous_start  # the previous scene's last frame, counted from its start
    return [c.compose(still, end / attempt.fps, end) for c in previous.compositors], fade_frames(scene, attempt.fps)


def render_composed_segment(
    attempt: Attempt,
    scene: Scene,
    cuts: list[Cut],
    spoken: SpokenSegment,
    first_frame: int,
    scene_frame: int,
    total_segments: int,
    output_format: str,
    codec: str,
    closer: SegmentCloser,
    fade: tuple[list[np.ndarray], int] | None = None,
) -> None:
    """Render one segment onto every cut (main and renditions), each encoded once with its watermarks, and hand it to
    ``closer``: the segment is recorded only when every cut's file of it is stored, so a resume never mixes cuts of
    two attempts.
    """
    index, fps = spoken.plan.index, attempt.fps
    transparent = carries_alpha(attempt, output_format)
    words = segment_words(spoken)
    for cut, mark in zip(cuts, scene.draft_marks):
        cut.draft_mark = mark  # the scene's DRAFT label, in a corner its overlays leave free
    tracks = [
        caption_track(
            words,
            cut.captions,
            cut.width,
            cut.height,
            [cue[0] for cue in spoken.cues],
            caption_obstacles(
                [layer for layer in compositor.layers if layer.picture], mark_box(cut.draft_mark), mark_band(cut)
            ),
            compositor.face_area,
            fps,
            lines,
        )
        if cut.captions.get("burn_in")
        else None
        for cut, compositor, lines in zip(cuts, scene.compositors, scene.caption_lines or [2] * len(cuts))
    ]
    paths = [attempt.tmp / cut.segment_name(index, output_format) for cut in cuts]
    # an MP4's frames go to ffmpeg as x264's own yuv420p, converted on the compose threads: cheaper than
    # ffmpeg's conversion, and the invisible mark then goes on the luma plane alone (MarkedStream)
    input_format = "yuv420p" if output_format == "mp4" else "rgb24"
    renderer = attempt.services.renderer(attempt.spec.get("model", "builtin"))
    started = time.perf_counter()
    frames = renderer.render(
        scene.prepared, spoken.samples, spoken.sample_rate, scene.params, first_frame, phones=spoken.phones, alpha=True
    )
    done = 0
    with contextlib.ExitStack() as owned, contextlib.ExitStack() as stack:
        encoders = [
            owned.enter_context(
                ComposedEncoder(
                    path,
                    cut.width,
                    cut.height,
                    fps,
                    output_format=output_format,
                    alpha=transparent,
                    codec=codec,
                    preset=encoder_preset(attempt),
                    input_format=input_format,
                )
            )
            for cut, path in zip(cuts, paths)
        ]
        stack.enter_context(contextlib.closing(frames))
        # each cut is composed, marked and queued for its encoder on a thread of its own while the
        # next face frame renders (OpenCV and numpy release the GIL); a cut's frames stay in order
        # because a frame's work is awaited before the next frame's is handed out
        pool = stack.enter_context(concurrent.futures.ThreadPoolExecutor(len(cuts), thread_name_prefix="compose"))
        # an MP4 cut's frames are redrawn, converted and marked only where they change (on a still background)
        streams = [MarkedStream(cut) if input_format == "yuv420p" else None for cut in cuts]

        def compose(n: int, face: np.ndarray, k: int) -> None:
            """Compose face frame ``k`` onto cut ``n`` (background, overlays, captions, the crossfade in) and encode
            it.
            """
            track, stream, compositor = tracks[n], streams[n], scene.compositors[n]
            caption = track.layer_at(k / fps) if track is not None else None
            at, index = (scene_frame + k) / fps, scene_frame + k
            source: SceneCompositor | None = compositor
            changed: list[Rect] | None = None
            fading = fade is not None and k < fade[1]
            if stream is not None and not fading:
                frame, changed = compositor.compose_reused(face, at, index, caption, stream.mark_rects)
            else:
                frame = compositor.compose(face, at, index, None if fading else caption)
            if fade is not None and fading:
                weight = (k + 1) / (fade[1] + 1)
                before = fade[0][n]
                if before.shape[2] != frame.shape[2]:  # a transparent scene and an opaque one: fade the alpha too
                    before, frame = with_alpha(before), with_alpha(frame)
                frame, source = cv2.addWeighted(before, 1.0 - weight, frame, weight, 0.0), None
                if caption is not None:  # captions follow the speech, not the pictures: whole over the dissolve
                    blend(frame, *caption)
            if stream is not None:
                encoders[n].write(stream.marked(frame, source, changed))
            else:
                encoders[n].write(_marked(cuts[n], frame, first_frame + k))

        pending: list[concurrent.futures.Future[None]] = []
        while True:
            t0 = time.perf_counter()
            face = next(frames, None)
            t1 = time.perf_counter()
            attempt.clock.add("render", t1 - t0)
            for future in pending:
                future.result()
            attempt.clock.add("compose_wait", time.perf_counter() - t1)
            if face is None:
                break
            pending = [pool.submit(compose, n, face, done) for n in range(len(cuts))]
            done += 1
            if done % CHECK_EVERY_FRAMES == 0:
                attempt.check()
                attempt.report(Stage.RENDER, (index + done / spoken.frames) / total_segments)
        if done != spoken.frames:
            raise JobFailure("render_failed", f"segment {index}: rendered {done} frames, expected {spoken.frames}")
        closer.hand_over(owned.pop_all(), encoders, spoken, started)


def _marked(cut: Cut, frame: np.ndarray, index: int) -> np.ndarray:
    """The visible mark and the invisible payload, on the cut's own frame size (RGB or RGBA; an MP4's
    yuv420p frames are marked by ``MarkedStream``). On RGBA frames both go on the colour planes, and the
    mark's own pixels become opaque so it shows over any footage."""
    if cut.draft_mark is not None:
        if frame.shape[2] == 3:
            frame = cut.draft_mark.apply(frame, in_place=True)
        else:
            frame[..., :3] = cut.draft_mark.apply(np.ascontiguousarray(frame[..., :3]), in_place=True)
    if frame.shape[2] == 3:
        if cut.visible is not None:
            frame = cut.visible.apply(frame, in_place=True)
        marked: np.ndarray = cut.invisible.apply(frame, index)
        return marked
    rgb = np.ascontiguousarray(frame[..., :3])
    if cut.visible is not None:
        mark = cut.visible
        rgb = mark.apply(rgb, in_place=True)
        x0, y0, x1, y1 = mark.box
        opacity = np.minimum(mark.weight[..., 0].astype(np.uint32) * 255 // 256, 255).astype(np.uint8)
        region = frame[y0:y1, x0:x1, 3]
        np.maximum(region, opacity, out=region)
    frame[..., :3] = cut.invisible.apply(rgb, index)
    return frame
