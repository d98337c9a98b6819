"""One attempt at one job: speech, render, encode, watermark, upload.

The script is cut into segments (a few sentences each). Each segment is
spoken, rendered, watermarked and encoded on its own, and stored with a row
in ``segments``; a later attempt (after a crash or a drain) reuses every
finished segment and starts at the first missing one. Speech for the next
segment is synthesised while the current one renders, so the two cores are
both busy. The final MP4 joins the segments' video by stream copy and
encodes the whole audio once, so joins have no gap or click.

Every output goes to a key derived from the job id: a retry overwrites, it
never duplicates. The attempt checks between frames whether it still owns
its job (``handle.check``), and at segment boundaries whether the worker is
draining.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from domain import lifecycle
from domain.db import in_transaction
from domain.errors import JobFailure
from domain.states import Stage, overall_progress
from storage import StorageUnavailable
from workers.runtime import AttemptHandle

log = logging.getLogger(__name__)

#: frames between ownership checks and progress reports
CHECK_EVERY_FRAMES = 25
PROGRESS_EVERY_S = 0.5


@dataclass
class SegmentPlan:
    index: int
    texts: list[str]  # sentences, for a script job
    audio: tuple[int, int] | None = None  # (start, end) sample range, for an audio job


@dataclass
class SpokenSegment:
    plan: SegmentPlan
    samples: np.ndarray  # padded to whole frames
    sample_rate: int
    frames: int
    cues: list[tuple[float, float, str]]


class SpeechAhead:
    """Synthesises segments in order, one ahead of the renderer, on a daemon
    thread: a worker that drains or exits does not wait for the sentence in
    hand (finished sentences are already in the shared TTS cache)."""

    def __init__(self, speak: Callable[["SegmentPlan"], "SpokenSegment"], plans: list["SegmentPlan"]):
        import threading

        self._speak, self._plans = speak, plans
        self._futures = [concurrent.futures.Future() for _ in plans]
        self._wanted = threading.Semaphore(1)  # the first segment; each get() allows one more
        self._stopped = threading.Event()
        threading.Thread(target=self._run, name="tts-ahead", daemon=True).start()

    def _run(self) -> None:
        for plan, future in zip(self._plans, self._futures):
            self._wanted.acquire()
            if self._stopped.is_set():
                return
            try:
                future.set_result(self._speak(plan))
            except BaseException as exc:  # handed to the renderer, which raises it
                future.set_exception(exc)

    def get(self, index: int) -> concurrent.futures.Future:
        self._wanted.release()  # let the thread move one segment further ahead
        return self._futures[index]

    def stop(self) -> None:
        self._stopped.set()
        self._wanted.release()


class StageClock:
    """Seconds spent per stage; the job's `timings` and the worker's histograms."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextlib.contextmanager
    def timed(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)


class Progress:
    """Writes stage and progress to the job, fenced, at most twice a second."""

    def __init__(self, handle: AttemptHandle):
        self.handle = handle
        self.last = 0.0
        self.stage: Stage | None = None

    def report(self, stage: Stage, fraction: float, force: bool = False) -> None:
        now = time.monotonic()
        if not force and stage == self.stage and now - self.last < PROGRESS_EVERY_S:
            return
        self.stage, self.last = stage, now
        progress = overall_progress(stage, fraction)
        in_transaction(self.handle.runtime.sessions,
                       lambda s: lifecycle.report_progress(s, self.handle.claim, stage, progress))


def storage_call(handle: AttemptHandle, fn: Callable[[], Any], what: str) -> Any:
    """Call storage, waiting out an outage (backoff with jitter) up to the
    configured limit; the attempt still stops promptly if it loses its job."""
    import random

    limit = handle.runtime.settings.storage_wait_limit_s
    started, delay = time.monotonic(), 0.5
    while True:
        try:
            return fn()
        except StorageUnavailable as exc:
            waited = time.monotonic() - started
            if waited >= limit:
                raise JobFailure("storage_unavailable",
                                 f"{what}: storage unreachable for {waited:.0f} s ({exc}); giving up", retryable=True) from exc
            if waited == 0 or delay >= 8:
                log.warning("%s: storage unavailable, waiting (%s)", what, exc)
            time.sleep(min(delay, max(0.0, limit - waited)) * random.uniform(0.7, 1.3))
            delay = min(delay * 2, 10.0)
            handle.check()


def _record_segment_once(session, claim, index: int, key: str, spoken: "SpokenSegment") -> None:
    """Record a finished segment; a retry after a lost commit reply finds it there already."""
    if index in lifecycle.finished_segments(session, claim.job_id):
        return
    lifecycle.record_segment(session, claim, index, key, spoken.frames, len(spoken.samples) / spoken.sample_rate)


def run_pipeline(handle: AttemptHandle) -> tuple[dict[str, Any], dict[str, Any]]:
    settings = handle.runtime.settings
    if settings.null_stages:
        return _null_pipeline(handle)
    with tempfile.TemporaryDirectory(prefix=f"talkfarm-{handle.claim.job_id}-") as tmp:
        return JobRun(handle, Path(tmp)).run()


def _null_pipeline(handle: AttemptHandle) -> tuple[dict[str, Any], dict[str, Any]]:
    """Test-only (TALKFARM_NULL_STAGES, refused unless ALLOW_NULL_STAGES): no media
    work at all, to measure the control plane on its own (benchmarks/scheduler.py)."""
    handle.check()
    return {"key": f"null/{handle.claim.job_id}", "duration_s": 0.0, "width": 0, "height": 0, "fps": 0.0,
            "bytes": 0, "sha256": "", "files": {}}, {}


class JobRun:
    def __init__(self, handle: AttemptHandle, tmp: Path):
        self.handle = handle
        self.rt = handle.runtime
        self.claim = handle.claim
        self.spec = handle.claim.spec
        self.params = self.spec["params"]
        self.fps = int(self.params["fps"])
        self.tmp = tmp
        self.clock = StageClock()
        self.progress = Progress(handle)
        self.work_prefix = f"work/{self.claim.job_id}/"

    # --- the stages --------------------------------------------------------------
    def run(self) -> tuple[dict[str, Any], dict[str, Any]]:
        from workers import inputs

        self.progress.report(Stage.TTS, 0.0, force=True)
        with self.clock.timed("inputs"):
            portrait = storage_call(self.handle, lambda: inputs.portrait(self.rt, self.claim), "reading the portrait")
            plans, audio_source = inputs.plan_segments(self.rt, self.claim)
        self.handle.check(checkpoint=True)
        done = in_transaction(self.rt.sessions, lambda s: lifecycle.finished_segments(s, self.claim.job_id))
        render = self._render_setup(portrait)
        spoken_all: list[SpokenSegment | None] = [None] * len(plans)
        speech = SpeechAhead(lambda plan: self._speak(plan, audio_source), plans)
        try:
            for i, plan in enumerate(plans):
                self.handle.check(checkpoint=True)
                with self.clock.timed("tts_wait"):
                    spoken = self._await_speech(speech.get(i))
                spoken_all[i] = spoken
                if i in done and done[i].frames == spoken.frames:
                    self.progress.report(Stage.RENDER, (i + 1) / len(plans))
                    continue  # finished by an earlier attempt
                self._render_segment(render, spoken, first_frame=sum(s.frames for s in spoken_all[:i]),
                                     total_segments=len(plans))
        finally:
            speech.stop()
        self._check_duration(spoken_all)
        self.handle.check(checkpoint=True)
        return self._finish(spoken_all)

    def _await_speech(self, future: concurrent.futures.Future) -> "SpokenSegment":
        """Wait for a segment's speech; no segment is in hand meanwhile, so a
        drain may hand the job back at once (finished sentences are cached)."""
        while True:
            try:
                return future.result(timeout=0.2)
            except concurrent.futures.TimeoutError:
                self.handle.check(checkpoint=True)

    def _speak(self, plan: SegmentPlan, audio_source) -> SpokenSegment:
        from workers import inputs
        from media.encode.timing import pad_to_frames

        t, c = time.perf_counter(), time.thread_time()
        samples, rate, cues = inputs.speak_segment(self.rt, self.spec, plan, audio_source, self.handle)
        padded, frames = pad_to_frames(samples, rate, self.fps)
        self.clock.add("tts", time.perf_counter() - t)
        self.clock.add("tts_cpu", time.thread_time() - c)
        return SpokenSegment(plan, padded, rate, frames, cues)

    def _render_setup(self, portrait):
        from workers.render_stage import RenderSetup

        return RenderSetup.build(self.rt, self.claim, self.spec, portrait)

    def _render_segment(self, render, spoken: SpokenSegment, first_frame: int, total_segments: int) -> None:
        from media.encode.video import SegmentEncoder
        from media.encode.wav import write_wav

        index = spoken.plan.index
        video_path = self.tmp / f"seg-{index:04d}.mp4"
        frames_done = 0
        started = time.perf_counter()
        frames = render.frames(spoken.samples, spoken.sample_rate, first_frame, self.clock)
        with SegmentEncoder(video_path, render.width, render.height, self.fps, codec=render.codec,
                            preset=render.preset) as encoder, contextlib.closing(frames):
            for frame in frames:
                encoder.write(frame)
                frames_done += 1
                if frames_done % CHECK_EVERY_FRAMES == 0:
                    self.handle.check()  # stale job, or drain past its grace: give this segment up
                    self.progress.report(Stage.RENDER, (index + frames_done / spoken.frames) / total_segments)
        if encoder.cpu_seconds is not None:
            self.clock.add("x264_cpu", encoder.cpu_seconds)
        if frames_done != spoken.frames:
            raise JobFailure("render_failed", f"segment {index}: rendered {frames_done} frames, expected {spoken.frames}")
        self.clock.add("render_encode", time.perf_counter() - started)
        wav_path = self.tmp / f"seg-{index:04d}.wav"
        write_wav(wav_path, spoken.samples, spoken.sample_rate)
        key = f"{self.work_prefix}seg-{index:04d}"
        with self.clock.timed("segment_store"):
            storage_call(self.handle, lambda: self.rt.storage.put_file(key + ".mp4", video_path, "video/mp4"), "storing a segment")
            storage_call(self.handle, lambda: self.rt.storage.put_file(key + ".wav", wav_path, "audio/wav"), "storing a segment")
            storage_call(self.handle, lambda: self.rt.storage.put_bytes(
                key + ".json", json.dumps({"cues": spoken.cues, "frames": spoken.frames}).encode(), "application/json"),
                "storing a segment")
        in_transaction(self.rt.sessions, lambda s: _record_segment_once(s, self.claim, index, key, spoken))

    def _check_duration(self, spoken_all: list[SpokenSegment]) -> None:
        wanted = self.params.get("duration")
        if wanted is None:
            return
        actual = sum(len(s.samples) / s.sample_rate for s in spoken_all)
        if abs(actual - float(wanted)) > 1.0 / self.fps:
            raise JobFailure("duration_mismatch",
                             f"params.duration is {float(wanted):.3f} s but the speech lasts {actual:.3f} s")

    def _finish(self, spoken_all: list[SpokenSegment]) -> tuple[dict[str, Any], dict[str, Any]]:
        from workers import finish

        return finish.assemble_and_publish(self, spoken_all)
