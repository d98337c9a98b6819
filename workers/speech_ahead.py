"""Speech one segment ahead of the renderer, and the checks on a job's whole speech.

Shared by the square pipeline (``workers.pipeline``) and the composed one
(``workers.composed``).
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable

from domain.errors import JobFailure
from workers.attempt import Attempt, SegmentPlan, SpokenSegment


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
        """The future of segment ``index``'s speech; asking for it lets the thread start on the next one."""
        self._wanted.release()  # let the thread move one segment further ahead
        return self._futures[index]

    def stop(self) -> None:
        """Stop speaking ahead (the attempt ended); the sentence in hand is finished by the daemon thread or dropped."""
        self._stopped.set()
        self._wanted.release()


def await_speech(attempt: Attempt, future: concurrent.futures.Future[SpokenSegment]) -> SpokenSegment:
    """Wait for a segment's speech; no segment is in hand meanwhile, so a
    drain may hand the job back at once (finished sentences are cached)."""
    while True:
        try:
            return future.result(timeout=0.2)
        except concurrent.futures.TimeoutError:
            attempt.check(checkpoint=True)


def check_duration(attempt: Attempt, spoken_all: list[SpokenSegment]) -> None:
    """Fail the job (``duration_mismatch``) when ``params.duration`` was given and the speech lasts otherwise: a client
    that asked for a length gets it or a reason, never a silent difference.
    """
    wanted = attempt.params.get("duration")
    if wanted is None:
        return
    actual = sum(len(s.samples) / s.sample_rate for s in spoken_all)
    if abs(actual - float(wanted)) > 1.0 / attempt.fps:
        raise JobFailure(
            "duration_mismatch", f"params.duration is {float(wanted):.3f} s but the speech lasts {actual:.3f} s"
        )
