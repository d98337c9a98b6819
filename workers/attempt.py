"""One attempt at one job, typed: the state every stage of the pipeline receives.

An ``Attempt`` bundles what a stage needs — the claim and its spec, the
worker's services (settings, database, storage, renderers), a scratch
folder, the stage clock, progress reports, and storage calls that wait out
an outage — so that imports run one way: pipeline → stages → attempt.

The worker's runtime provides the services and the control (ownership
checks, drain); tests provide stubs of both (``tests/stubs.py``), as
Dramatiq's ``StubBroker`` stands in for a broker.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from domain import lifecycle
from domain.config import Settings
from domain.db import in_transaction
from domain.errors import JobFailure
from domain.states import Stage, overall_progress
from media.phonemes import PhoneTrack
from storage import Storage, StorageUnavailable

log = logging.getLogger(__name__)

#: progress is written at most this often
PROGRESS_EVERY_S = 0.5

T = TypeVar("T")


def work_prefix(job_id: str) -> str:
    """Where a job's finished segments wait in storage until its success is recorded."""
    return f"work/{job_id}/"


class RendererSource(Protocol):
    def renderer(self, model: str) -> Any:
        """The process-wide renderer for ``model``: one per worker, shared by its attempts so frames batch across jobs."""
        ...


class AttemptServices(RendererSource, Protocol):
    """What the worker process lends each attempt."""

    settings: Settings
    sessions: sessionmaker[Session]
    storage: Storage
    tag: str

    def observe(self, name: str, value: float, label: str | None = None) -> None:
        """Record a figure in the worker's histograms (seconds per stage, batch sizes), reported with its heartbeat."""
        ...


class AttemptControl(Protocol):
    """Whether the attempt may go on: raises ``StaleAttempt`` once the job moved
    on, ``Interrupted`` when the worker drains (at a checkpoint, or anywhere
    once the grace period is over)."""

    claim: lifecycle.Claim

    def check(self, *, checkpoint: bool = False) -> None:
        """Raise ``StaleAttempt`` or ``Interrupted`` if the attempt must stop here (see the class)."""
        ...


@dataclass
class SegmentPlan:
    index: int
    texts: list[str]  # sentences, for a script job
    audio: tuple[int, int] | None = None  # (start, end) sample range, for an audio job
    scene: int = 0  # a composed job's scene; a scene boundary is a segment boundary


@dataclass
class SpokenSegment:
    plan: SegmentPlan
    samples: np.ndarray  # padded to whole frames
    sample_rate: int
    frames: int
    cues: list[tuple[float, float, str]]
    phones: PhoneTrack | None = None


class StageClock:
    """Seconds spent per stage; the job's `timings` and the worker's histograms."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()  # the speech and segment-closing threads count their stages too

    def add(self, name: str, seconds: float) -> None:
        """Count ``seconds`` more against stage ``name``."""
        with self._lock:
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Count the time spent inside the block against stage ``name``, even when it raises."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)


@dataclass
class Attempt:
    control: AttemptControl
    services: AttemptServices
    tmp: Path
    clock: StageClock = field(default_factory=StageClock)
    _progress_at: float = 0.0
    _progress_stage: Stage | None = None

    def __post_init__(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)  # the stages' threads write their files there in any order

    @property
    def claim(self) -> lifecycle.Claim:
        """The fenced claim this attempt holds: job id, attempt token, tenant, pool and spec."""
        return self.control.claim

    @property
    def settings(self) -> Settings:
        """The worker's settings (the job's own choices are in ``spec`` and ``params``)."""
        return self.services.settings

    @property
    def storage(self) -> Storage:
        """Where segments, the speech cache and outputs go (S3 or a folder)."""
        return self.services.storage

    @property
    def spec(self) -> dict[str, Any]:
        """The job's request as the API checked and stored it."""
        return self.claim.spec

    @property
    def params(self) -> dict[str, Any]:
        """The render parameters, defaults filled in by the API."""
        params: dict[str, Any] = self.spec["params"]
        return params

    @property
    def fps(self) -> int:
        """Frames per second of the output: segments are cut and padded to whole frames of it."""
        return int(self.params["fps"])

    @property
    def work_prefix(self) -> str:
        """Where this job's finished segments wait for the end of the job."""
        return work_prefix(self.claim.job_id)

    def check(self, *, checkpoint: bool = False) -> None:
        """Whether the attempt may go on; ``checkpoint`` marks a segment boundary, where a draining worker stops."""
        self.control.check(checkpoint=checkpoint)

    def transaction(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a transaction that is retried when the database drops the connection; while it
        cannot be reached, retrying stops once the lease is gone (``check`` raises)."""
        result: T = in_transaction(self.services.sessions, fn, between_tries=self.check)
        return result

    def report(self, stage: Stage, fraction: float, force: bool = False) -> None:
        """Write stage and progress to the job, fenced, at most twice a second."""
        now = time.monotonic()
        if not force and stage == self._progress_stage and now - self._progress_at < PROGRESS_EVERY_S:
            return
        self._progress_stage, self._progress_at = stage, now
        progress = overall_progress(stage, fraction)
        self.transaction(lambda s: lifecycle.report_progress(s, self.claim, stage, progress))

    def storage_call(self, fn: Callable[[], T], what: str) -> T:
        """Call storage, waiting out an outage (backoff with jitter) up to the
        configured limit; the attempt still stops promptly if it loses its job."""
        limit = self.settings.storage_wait_limit_s
        started, delay = time.monotonic(), 0.5
        while True:
            try:
                return fn()
            except StorageUnavailable as exc:
                waited = time.monotonic() - started
                if waited >= limit:
                    raise JobFailure(
                        "storage_unavailable",
                        f"{what}: storage unreachable for {waited:.0f} s ({exc}); giving up",
                        retryable=True,
                    ) from exc
                if waited == 0 or delay >= 8:
                    log.warning("%s: storage unavailable, waiting (%s)", what, exc)
                time.sleep(min(delay, max(0.0, limit - waited)) * random.uniform(0.7, 1.3))
                delay = min(delay * 2, 10.0)
                self.check()
