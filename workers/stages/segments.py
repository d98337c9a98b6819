"""One segment, rendered and encoded, then stored and recorded: a later attempt
reuses it instead of rendering it again.

A segment's encoders are closed, and the segment stored and recorded, by a
``SegmentCloser`` on a thread of its own while the next segment renders: x264
takes a few tenths of a second to encode the frames it still holds, and the
renderer would otherwise sit idle through it at every segment boundary."""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

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


class SegmentCloser:
    """Finishes an attempt's rendered segments on a thread of its own, in order, while the next one renders: closes
    each of the segment's encoders (x264 encodes the frames it still holds), then stores and records the segment.

    At most one segment is in hand: handing over the next waits for the one before and raises its failure. Leaving
    the block waits for the last one, also when the attempt is failing: a segment whose frames were all written is
    still stored and recorded (a draining worker keeps the work in hand); its own failure is then only logged, the
    attempt's is the one raised.
    """

    def __init__(self, attempt: Attempt):
        self._attempt = attempt
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="segment-close")
        self._pending: concurrent.futures.Future[None] | None = None

    def __enter__(self) -> SegmentCloser:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.wait()
            else:
                try:
                    self.wait()
                except Exception:
                    log.warning("%s: a finished segment was not stored", self._attempt.claim.job_id, exc_info=True)
        finally:
            self._pool.shutdown(wait=True)

    def hand_over(
        self, encoders: contextlib.ExitStack, encoded: Sequence[SegmentEncoder], spoken: SpokenSegment, started: float
    ) -> None:
        """Close ``encoders`` (the stack that holds ``encoded``, every frame written), then store the segment's files
        and record it; ``started``: when the segment began rendering (``perf_counter``)."""
        try:
            self.wait()
        except BaseException as exc:
            encoders.__exit__(type(exc), exc, exc.__traceback__)  # aborts them
            raise
        self._pending = self._pool.submit(self._finish, encoders, encoded, spoken, started)

    def wait(self) -> None:
        """Wait for the segment in hand, if any; raises its failure."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _finish(
        self, encoders: contextlib.ExitStack, encoded: Sequence[SegmentEncoder], spoken: SpokenSegment, started: float
    ) -> None:
        attempt = self._attempt
        with attempt.clock.timed("encode_flush"):
            encoders.close()  # each encoder's __exit__: closes it, or aborts it once one has failed
        attempt.clock.add("render_encode", time.perf_counter() - started)
        cpu = [e.cpu_seconds for e in encoded if e.cpu_seconds is not None]
        if cpu:
            attempt.clock.add("x264_cpu", sum(cpu))
        store_segment(attempt, [e.path for e in encoded], spoken)


def render_segment(
    attempt: Attempt,
    source: FrameSource,
    spoken: SpokenSegment,
    first_frame: int,
    total_segments: int,
    closer: SegmentCloser,
) -> None:
    """Render and encode one segment, then hand it to ``closer`` to be stored and recorded (fenced), so a later attempt
    resumes after it. A segment is the unit of loss when a worker dies or drains.
    """
    index = spoken.plan.index
    video_path, _ = segment_paths(attempt, index)
    frames_done = 0
    started = time.perf_counter()
    frames = source.frames(spoken.samples, spoken.sample_rate, first_frame, attempt.clock, spoken.phones)
    with contextlib.ExitStack() as owned:
        encoder = owned.enter_context(
            SegmentEncoder(
                video_path,
                source.width,
                source.height,
                attempt.fps,
                codec=source.codec,
                preset=source.preset,
                input_format=source.input_format,
            )
        )
        with contextlib.closing(frames):
            for frame in frames:
                encoder.write(frame)
                frames_done += 1
                if frames_done % CHECK_EVERY_FRAMES == 0:
                    attempt.check()  # stale job, or drain past its grace: give this segment up
                    attempt.report(Stage.RENDER, (index + frames_done / spoken.frames) / total_segments)
        if frames_done != spoken.frames:
            raise JobFailure(
                "render_failed", f"segment {index}: rendered {frames_done} frames, expected {spoken.frames}"
            )
        closer.hand_over(owned.pop_all(), [encoder], spoken, started)


def store_segment(attempt: Attempt, videos: Sequence[Path], spoken: SpokenSegment) -> None:
    """Store a finished segment's videos (every cut's, each under its own name), its speech and its timing, then record
    it: a segment is recorded only when all its files are stored."""
    index = spoken.plan.index
    _, wav = segment_paths(attempt, index)
    write_wav(wav, spoken.samples, spoken.sample_rate)
    key = segment_key(attempt, index)
    storage = attempt.storage
    with attempt.clock.timed("segment_store"):
        for path in videos:
            content_type = "video/mp4" if path.suffix == ".mp4" else "application/octet-stream"
            attempt.storage_call(
                functools.partial(storage.put_file, attempt.work_prefix + path.name, path, content_type),
                "storing a segment",
            )
        attempt.storage_call(lambda: storage.put_file(key + ".wav", wav, "audio/wav"), "storing a segment")
        attempt.storage_call(
            lambda: storage.put_bytes(
                key + ".json", json.dumps({"cues": spoken.cues, "frames": spoken.frames}).encode(), "application/json"
            ),
            "storing a segment",
        )
    attempt.transaction(lambda s: _record_segment_once(s, attempt, index, key, spoken))


def stored_frames(attempt: Attempt, index: int) -> int | None:
    """How many frames the segment's stored files hold, as the attempt that stored them last wrote beside them (its
    ``.json``); None when that is not stored. The segment's row keeps the count of the attempt that recorded it
    first: a later attempt that renders the segment again stores its files and leaves the row as it was."""
    key = segment_key(attempt, index) + ".json"
    if not attempt.storage_call(lambda: attempt.storage.exists(key), "reading a finished segment"):
        return None
    stored = json.loads(attempt.storage_call(lambda: attempt.storage.get_bytes(key), "reading a finished segment"))
    return int(stored["frames"])


def _record_segment_once(session: Session, attempt: Attempt, index: int, key: str, spoken: SpokenSegment) -> None:
    """Record a finished segment; a retry after a lost commit reply finds it there already."""
    claim = attempt.claim
    if index in lifecycle.finished_segments(session, claim.job_id):
        return
    lifecycle.record_segment(session, claim, index, key, spoken.frames, len(spoken.samples) / spoken.sample_rate)


def fetch_segment(attempt: Attempt, index: int) -> Path:
    """The segment's video: from this attempt's scratch folder, or from storage."""
    video, _ = segment_paths(attempt, index)
    if not video.exists():
        key = segment_key(attempt, index) + ".mp4"
        attempt.storage_call(lambda: attempt.storage.get_file(key, video), "reading a finished segment")
    return video
