"""One segment, rendered and encoded, then stored and recorded: a later attempt
reuses it instead of rendering it again."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from domain import lifecycle
from domain.errors import JobFailure
from domain.models import Segment
from domain.states import Stage
from media.encode import SegmentEncoder, write_wav
from workers.attempt import Attempt, SpokenSegment
from workers.stages.frames import FrameSource

log = logging.getLogger(__name__)

#: frames between ownership checks and progress reports
CHECK_EVERY_FRAMES = 25


def segment_key(attempt: Attempt, index: int) -> str:
    """Where a finished segment waits in storage until the job ends: derived from the job id, so a retry overwrites
    rather than duplicates.
    """
    return f"{attempt.work_prefix}seg-{index:04d}"


def segment_paths(attempt: Attempt, index: int) -> tuple[Path, Path]:
    """The segment's video and audio in this attempt's scratch folder."""
    video, audio = segment_files(index)
    return attempt.tmp / video, attempt.tmp / audio


def segment_files(index: int) -> list[str]:
    """A square job's finished segment in storage, as names under the job's work prefix."""
    return [f"seg-{index:04d}.mp4", f"seg-{index:04d}.wav"]


def resumable_segments(
    attempt: Attempt, recorded: dict[int, Segment], files: Callable[[int], list[str]]
) -> dict[int, Segment]:
    """The recorded segments an attempt may skip: those whose ``files`` are all still in storage. A segment
    recorded but gone (its work cleared by an attempt that died before recording success, or lost by storage)
    is rendered again, not fetched and failed on at the end.
    """
    if not recorded:
        return recorded
    prefix = attempt.work_prefix
    present = set(attempt.storage_call(lambda: attempt.storage.list(prefix), "listing finished segments"))
    kept = {i: row for i, row in recorded.items() if all(prefix + name in present for name in files(i))}
    if len(kept) < len(recorded):
        log.warning(
            "%s: segments %s are recorded but not in storage; rendering them again",
            attempt.claim.job_id,
            sorted(set(recorded) - set(kept)),
        )
    return kept


def render_segment(
    attempt: Attempt, source: FrameSource, spoken: SpokenSegment, first_frame: int, total_segments: int
) -> None:
    """Render, encode and store one segment, then record it (fenced) so a later attempt resumes after it. A segment is
    the unit of loss when a worker dies or drains.
    """
    index = spoken.plan.index
    video_path, wav_path = segment_paths(attempt, index)
    frames_done = 0
    started = time.perf_counter()
    frames = source.frames(spoken.samples, spoken.sample_rate, first_frame, attempt.clock, spoken.phones)
    with (
        SegmentEncoder(
            video_path,
            source.width,
            source.height,
            attempt.fps,
            codec=source.codec,
            preset=source.preset,
            input_format=source.input_format,
        ) as encoder,
        contextlib.closing(frames),
    ):
        for frame in frames:
            encoder.write(frame)
            frames_done += 1
            if frames_done % CHECK_EVERY_FRAMES == 0:
                attempt.check()  # stale job, or drain past its grace: give this segment up
                attempt.report(Stage.RENDER, (index + frames_done / spoken.frames) / total_segments)
    if encoder.cpu_seconds is not None:
        attempt.clock.add("x264_cpu", encoder.cpu_seconds)
    if frames_done != spoken.frames:
        raise JobFailure("render_failed", f"segment {index}: rendered {frames_done} frames, expected {spoken.frames}")
    attempt.clock.add("render_encode", time.perf_counter() - started)
    write_wav(wav_path, spoken.samples, spoken.sample_rate)
    key = segment_key(attempt, index)
    storage = attempt.storage
    with attempt.clock.timed("segment_store"):
        attempt.storage_call(lambda: storage.put_file(key + ".mp4", video_path, "video/mp4"), "storing a segment")
        attempt.storage_call(lambda: storage.put_file(key + ".wav", wav_path, "audio/wav"), "storing a segment")
        attempt.storage_call(
            lambda: storage.put_bytes(
                key + ".json", json.dumps({"cues": spoken.cues, "frames": spoken.frames}).encode(), "application/json"
            ),
            "storing a segment",
        )
    attempt.transaction(lambda s: _record_segment_once(s, attempt, index, key, spoken))


def _record_segment_once(session: Session, attempt: Attempt, index: int, key: str, spoken: SpokenSegment) -> None:
    """Record a finished segment; a retry after a lost commit reply finds it there already."""
    claim = attempt.claim
    if index in lifecycle.finished_segments(session, claim.job_id):
        return
    lifecycle.record_segment(session, claim, index, key, spoken.frames, len(spoken.samples) / spoken.sample_rate)


def fetch_segment(attempt: Attempt, index: int) -> tuple[Path, Path]:
    """The segment's video and audio: from this attempt's scratch folder, or from storage."""
    video, audio = segment_paths(attempt, index)
    key = segment_key(attempt, index)
    if not video.exists():
        attempt.storage_call(lambda: attempt.storage.get_file(key + ".mp4", video), "reading a finished segment")
    if not audio.exists():
        attempt.storage_call(lambda: attempt.storage.get_file(key + ".wav", audio), "reading a finished segment")
    return video, audio
