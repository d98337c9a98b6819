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
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from domain import lifecycle
from domain.errors import JobFailure
from domain.states import Stage
from workers.attempt import Attempt, AttemptControl, AttemptServices, SegmentPlan, SpokenSegment
from workers.stages.finish import assemble_and_publish
from workers.stages.frames import FrameSource
from workers.stages.inputs import AudioSource, load_portrait, plan_segments, speak_segment
from workers.stages.segments import render_segment

#: (output, timings) of a finished job
Outcome = tuple[dict[str, Any], dict[str, Any]]


class SpeechAhead:
    """Synthesises segments in order, one ahead of the renderer, on a daemon
    thread: a worker that drains or exits does not wait for the sentence in
    hand (finished sentences are already in the shared TTS cache)."""

    def __init__(self, speak: Callable[[SegmentPlan], SpokenSegment], plans: list[SegmentPlan]):
        self._speak, self._plans = speak, plans
        self._futures: list[concurrent.futures.Future[SpokenSegment]] = [concurrent.futures.Future() for _ in plans]
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

    def get(self, index: int) -> concurrent.futures.Future[SpokenSegment]:
        self._wanted.release()  # let the thread move one segment further ahead
        return self._futures[index]

    def stop(self) -> None:
        self._stopped.set()
        self._wanted.release()


def run_pipeline(control: AttemptControl, services: AttemptServices) -> Outcome:
    """Run the whole job in a scratch folder of its own; (output, timings)."""
    with tempfile.TemporaryDirectory(prefix=f"talkfarm-{control.claim.job_id}-") as tmp:
        attempt = Attempt(control, services, Path(tmp))
        if "composition" in attempt.spec:
            # imported here: the composed pipeline builds on this module's SpeechAhead
            from workers.composed import run_composed_attempt

            return run_composed_attempt(attempt)
        return run_attempt(attempt)


def run_attempt(attempt: Attempt) -> Outcome:
    attempt.report(Stage.TTS, 0.0, force=True)
    with attempt.clock.timed("inputs"):
        portrait = load_portrait(attempt)
        plans, audio_source = plan_segments(attempt)
    attempt.check(checkpoint=True)
    done = attempt.transaction(lambda s: lifecycle.finished_segments(s, attempt.claim.job_id))
    source = FrameSource.build(attempt, portrait)
    spoken_all: list[SpokenSegment] = []
    speech = SpeechAhead(lambda plan: _timed_speech(attempt, plan, audio_source), plans)
    try:
        for i in range(len(plans)):
            attempt.check(checkpoint=True)
            with attempt.clock.timed("tts_wait"):
                spoken = _await_speech(attempt, speech.get(i))
            first_frame = sum(s.frames for s in spoken_all)
            spoken_all.append(spoken)
            if i in done and done[i].frames == spoken.frames:
                attempt.report(Stage.RENDER, (i + 1) / len(plans))
                continue  # finished by an earlier attempt
            render_segment(attempt, source, spoken, first_frame=first_frame, total_segments=len(plans))
    finally:
        speech.stop()
    _check_duration(attempt, spoken_all)
    attempt.check(checkpoint=True)
    return assemble_and_publish(attempt, spoken_all)


def _timed_speech(attempt: Attempt, plan: SegmentPlan, audio_source: AudioSource | None) -> SpokenSegment:
    t, c = time.perf_counter(), time.thread_time()
    spoken = speak_segment(attempt, plan, audio_source)
    attempt.clock.add("tts", time.perf_counter() - t)
    attempt.clock.add("tts_cpu", time.thread_time() - c)
    return spoken


def _await_speech(attempt: Attempt, future: concurrent.futures.Future[SpokenSegment]) -> SpokenSegment:
    """Wait for a segment's speech; no segment is in hand meanwhile, so a
    drain may hand the job back at once (finished sentences are cached)."""
    while True:
        try:
            return future.result(timeout=0.2)
        except concurrent.futures.TimeoutError:
            attempt.check(checkpoint=True)


def _check_duration(attempt: Attempt, spoken_all: list[SpokenSegment]) -> None:
    wanted = attempt.params.get("duration")
    if wanted is None:
        return
    actual = sum(len(s.samples) / s.sample_rate for s in spoken_all)
    if abs(actual - float(wanted)) > 1.0 / attempt.fps:
        raise JobFailure("duration_mismatch",
                         f"params.duration is {float(wanted):.3f} s but the speech lasts {actual:.3f} s")
