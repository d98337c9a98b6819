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

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from domain import lifecycle
from domain.states import Stage
from media.tts import NarrationTiming
from workers.attempt import Attempt, AttemptControl, AttemptServices, SegmentPlan, SpokenSegment
from workers.composed import run_composed_attempt
from workers.speech_ahead import SpeechAhead, await_speech, check_duration
from workers.stages.finish import AudioAhead, assemble_and_publish, square_audio
from workers.stages.frames import FrameSource
from workers.stages.inputs import load_portrait, plan_segments, speak_segment
from workers.stages.segments import SegmentCloser, render_segment, resumable_segments, segment_files

#: (output, timings) of a finished job
Outcome = tuple[dict[str, Any], dict[str, Any]]


def run_pipeline(control: AttemptControl, services: AttemptServices) -> Outcome:
    """Run the whole job in a scratch folder of its own; (output, timings)."""
    with tempfile.TemporaryDirectory(prefix=f"talkfarm-{control.claim.job_id}-") as tmp:
        attempt = Attempt(control, services, Path(tmp))
        if "composition" in attempt.spec:
            return run_composed_attempt(attempt)
        return run_attempt(attempt)


def run_attempt(attempt: Attempt) -> Outcome:
    """Render one attempt of a job: load the portrait, plan the segments (the same on every attempt), speak each one a
    segment ahead of the renderer, render and store the segments an earlier attempt did not finish, then join, sign
    and publish. Segments are the unit of resume: a drained or killed attempt loses at most the segment in hand.
    """
    attempt.report(Stage.TTS, 0.0, force=True)
    with attempt.clock.timed("inputs"):
        portrait = load_portrait(attempt)
        plans, audio_source = plan_segments(attempt)
    attempt.check(checkpoint=True)
    recorded = attempt.transaction(lambda s: lifecycle.finished_segments(s, attempt.claim.job_id))
    done = resumable_segments(attempt, recorded, segment_files)
    source = FrameSource.build(attempt, portrait)
    spoken_all: list[SpokenSegment] = []
    speech = SpeechAhead(lambda plan: _timed_speech(attempt, plan, audio_source), plans)
    audio_ahead: AudioAhead = None
    try:
        # each segment is stored while the next one renders, and the sound track made while the last one does
        with SegmentCloser(attempt) as closer, ThreadPoolExecutor(1, thread_name_prefix="audio-ahead") as beside:
            for i in range(len(plans)):
                attempt.check(checkpoint=True)
                with attempt.clock.timed("tts_wait"):
                    spoken = await_speech(attempt, speech.get(i))
                first_frame = sum(s.frames for s in spoken_all)
                spoken_all.append(spoken)
                if len(spoken_all) == len(plans):
                    audio_ahead = beside.submit(square_audio, attempt, list(spoken_all))
                if i in done and done[i].frames == spoken.frames:
                    attempt.report(Stage.RENDER, (i + 1) / len(plans))
                    continue  # finished by an earlier attempt
                render_segment(attempt, source, spoken, first_frame, len(plans), closer)
    finally:
        speech.stop()
    check_duration(attempt, spoken_all)
    attempt.check(checkpoint=True)
    return assemble_and_publish(attempt, spoken_all, audio_ahead)


def _timed_speech(attempt: Attempt, plan: SegmentPlan, audio_source: NarrationTiming | None) -> SpokenSegment:
    t, c = time.perf_counter(), time.thread_time()
    spoken = speak_segment(attempt, plan, audio_source)
    attempt.clock.add("tts", time.perf_counter() - t)
    attempt.clock.add("tts_cpu", time.thread_time() - c)
    return spoken
