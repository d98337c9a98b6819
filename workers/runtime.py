"""A worker process's shared state: who it is, what it runs, and its heartbeat.

One ``WorkerRuntime`` per process. Jobs run as threads of that process (the
Celery ``threads`` pool) so that their frames can share one model call (see
media/render/batcher.py). The heartbeat thread keeps the worker row alive
and extends the lease of every attempt it runs; an attempt whose lease
cannot be extended has lost its job and is told to stop.
"""

from __future__ import annotations

import logging
import os
import platform
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import sqlalchemy as sa

from domain import lifecycle
from domain.config import Settings
from domain.db import rows_changed, session_factory
from domain.errors import Interrupted, StaleAttempt
from domain.models import Worker
from domain.presets import DEFAULT_PRESET, preset_path
from domain.timeutil import utcnow
from media.errors import MediaError
from media.render import (
    DynamicBatcher,
    FileVersion,
    Renderer,
    analyze_portrait,
    file_version,
    known_models,
    models_for_pool,
)
from media.tts import engine_for, resolve_voice
from storage import open_storage
from workers.attempt import AttemptControl, AttemptServices
from workers.pipeline import Outcome, run_pipeline
from workers.stats import WorkerStats

#: what runs one attempt: the media pipeline, or a stub that tests bring
Pipeline = Callable[[AttemptControl, AttemptServices], Outcome]

log = logging.getLogger(__name__)

_current: WorkerRuntime | None = None


def current() -> WorkerRuntime:
    """The worker runtime of this process: Celery calls tasks with a job id only, so they find the worker's state here."""
    if _current is None:
        raise RuntimeError("no worker runtime in this process; start it with `talkfarm worker`")
    return _current


def install(runtime: WorkerRuntime) -> None:
    """Make ``runtime`` the one ``current()`` returns (once, when the worker process starts)."""
    global _current
    _current = runtime


@dataclass
class AttemptHandle:
    """What a running attempt checks between units of work."""

    claim: lifecycle.Claim
    runtime: WorkerRuntime
    stale: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    #: when the lease was last extended (monotonic); the claim itself set the first
    extended_at: float = field(default_factory=time.monotonic)

    def lease_left_s(self) -> float:
        """Seconds of lease this worker can still count on: the database's lease
        less one heartbeat interval, so that a worker cut off from the database
        (a network partition, a freeze) stops before anyone may take its job over."""
        settings = self.runtime.settings
        return self.extended_at + self.runtime.lease_s - settings.heartbeat_interval_s - time.monotonic()

    def check(self, *, checkpoint: bool = False) -> None:
        """Raise if this attempt must stop now.

        StaleAttempt: the job moved on (canceled, lease lost), or the lease
        could not be extended in time — stop, write nothing.
        Interrupted: the worker drains — at a checkpoint (a segment boundary),
        or anywhere once the grace period is over.
        """
        if not self.stale.is_set() and self.lease_left_s() <= 0:
            log.warning(
                "job %s: lease not extended for %.0f s (database unreachable?); stopping attempt %d",
                self.claim.job_id,
                time.monotonic() - self.extended_at,
                self.claim.token,
            )
            self.stale.set()
        if self.stale.is_set():
            raise StaleAttempt(f"{self.claim.job_id}: attempt {self.claim.token} lost its job")
        rt = self.runtime
        if rt.draining.is_set() and (checkpoint or rt.grace_exceeded()):
            raise Interrupted("worker is draining")


def warn_of_machine_watermark_key(settings: Settings) -> None:
    """On PostgreSQL, the farm's processes run on several machines; with no TALKFARM_WATERMARK_KEY each
    makes a key of its own in its DATA_DIR (media/watermark/payload_keys.py), and a mark one machine makes
    another cannot read. A worker (which marks) and the API (which verifies) say so as they start."""
    if settings.database_url.startswith("postgresql") and not settings.watermark_key:
        log.warning(
            "no TALKFARM_WATERMARK_KEY on a PostgreSQL farm: this machine marks and verifies videos with its own "
            "key from %s; unless every machine shares that DATA_DIR, set the same TALKFARM_WATERMARK_KEY "
            "everywhere, or marks made here cannot be read elsewhere",
            settings.data_dir / "secrets" / "watermark-key",
        )


def limit_library_threads() -> None:
    """Run OpenCV's functions on the threads that call them, with no pool of its own.

    An attempt already keeps the cores busy with threads of its own: speech a segment ahead, the face render, each
    cut's composing, and x264's. On two cores, OpenCV's pool on top of them cost a 9 s composed 1080p job about
    0.5 CPU-s and 0.3 s of wall time in handing work between threads (``benchmarks/compose.py``). Process-wide: a
    worker process calls it as it starts."""
    cv2.setNumThreads(0)


class WorkerRuntime:
    def __init__(
        self,
        settings: Settings,
        tag: str,
        concurrency: int,
        providers: list[str],
        pipeline: Pipeline = run_pipeline,
        sender: Any = None,
    ):
        self.settings = settings
        #: a ``tasks.sending.TaskSender`` that the tasks above this layer send through (None: Celery's)
        self.sender = sender
        self.pipeline = pipeline
        self.tag = tag
        self.concurrency = concurrency
        self.providers = providers
        # every write of a worker retries through in_transaction, so skip the per-checkout ping
        self.sessions = session_factory(settings, pre_ping=False)
        self.storage = open_storage(settings)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(2).hex()}"
        self.draining = threading.Event()
        self.state = "starting"
        #: models of this pool it refused to load, name → "code: why"; reported with each heartbeat
        self.refused_models: dict[str, str] = {}
        #: each refused model's file as it was when refused, to notice a replacement
        self._refused_files: dict[str, FileVersion | None] = {}
        self.drain_started: float | None = None
        self.stats = WorkerStats()
        self.active: dict[str, AttemptHandle] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._renderers: dict[str, Renderer] = {}
        # one batcher per process: frames of concurrent jobs share model calls
        self.batcher = DynamicBatcher(
            settings.render_max_batch_size, settings.render_max_batch_delay_ms, on_batch=self._observe_batch
        )

    def _observe_batch(self, _key, frames: int, fill: float) -> None:
        self.stats.observe("batch_size", frames)
        self.stats.observe("batch_fill", fill)

    def observe(self, name: str, value: float, label: str | None = None) -> None:
        """Record a figure in the worker's histograms, reported with each heartbeat and on /metrics."""
        self.stats.observe(name, value, label or "")

    def renderer(self, model: str) -> Renderer:
        """The process-wide renderer for a model on this worker's providers.
        A refusal is remembered for the heartbeat to report, and forgotten once
        the model loads (say, after the operator replaced its file)."""
        with self._lock:
            renderer = self._renderers.get(model)
            if renderer is None:
                try:
                    renderer = Renderer.for_model(model, tag=self.tag, settings=self.settings, batcher=self.batcher)
                except MediaError as exc:
                    if model in models_for_pool(self.settings, self.tag):  # not a job's unknown name
                        self.refused_models = {**self.refused_models, model: f"{exc.code}: {exc.detail}"}
                        self._refused_files[model] = _file_stamp(model, self.settings)
                    raise
                self._renderers[model] = renderer
                if model in self.refused_models:
                    self.refused_models = {k: v for k, v in self.refused_models.items() if k != model}
                    log.warning("model %s loads now; serving it", model)
            return renderer

    def load_models(self) -> dict[str, str]:
        """Load every model this pool serves, so that a file which does not fit
        its adapter is refused now, in the log, rather than by a customer's job.
        Jobs for a refused model fail with its code (``model_invalid``,
        ``model_unavailable``); the other models are served. Returns the
        refusals by model name."""
        refused: dict[str, str] = {}
        for name in models_for_pool(self.settings, self.tag):
            try:
                self.renderer(name)
            except MediaError as exc:
                refused[name] = f"{exc.code}: {exc.detail}"
                log.error("not serving model %s: %s", name, refused[name])
        return refused

    def retry_changed_models(self) -> None:
        """Load again each refused model whose file has changed since (the
        heartbeat calls this), so that replacing a bad file is enough: no restart."""
        for name in list(self.refused_models):
            if _file_stamp(name, self.settings) != self._refused_files.get(name):
                try:
                    self.renderer(name)
                except MediaError as exc:
                    log.error("still not serving model %s: %s: %s", name, exc.code, exc.detail)

    # --- lifecycle ------------------------------------------------------------
    def start(self) -> None:
        # "starting" until the broker consumer is up (mark_ready): the dispatcher
        # sends a pool only as much work as its consuming workers can take
        """Register the worker as starting and begin heartbeats; it gets work only once ``mark_ready`` says it
        consumes.
        """
        limit_library_threads()
        with self.sessions() as session, session.begin():
            session.merge(
                Worker(
                    id=self.worker_id,
                    hostname=socket.gethostname(),
                    tag=self.tag,
                    arch=platform.machine(),
                    providers=self.providers,
                    concurrency=self.concurrency,
                    running=0,
                    state=self.state,
                    stats={},
                    started_at=utcnow(),
                    heartbeat_at=utcnow(),
                )
            )
        if not self.settings.signs_c2pa:
            log.warning(
                "no C2PA signing key configured (TALKFARM_C2PA_CERT / TALKFARM_C2PA_KEY): "
                "videos get watermarks but no content credentials"
            )
        warn_of_machine_watermark_key(self.settings)
        self._thread = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        self._thread.start()
        log.info(
            "worker %s online: pool %s, concurrency %d, providers %s",
            self.worker_id,
            self.tag,
            self.concurrency,
            ",".join(self.providers),
        )

    def warm_up(self) -> None:
        """Load what the first job would otherwise wait for — the default
        voice, the face landmarker, this pool's models — before taking work."""
        started = time.monotonic()
        try:
            engine_for(resolve_voice(None, "en", self.settings)).speak("Ready.")
            analyze_portrait(preset_path(DEFAULT_PRESET).read_bytes())
            self.refused_models = self.load_models()
        except Exception:  # a cold first job is slower, not broken
            log.warning("warm-up failed; the first job will load what it needs", exc_info=True)
        log.info("warmed up in %.1f s", time.monotonic() - started)

    def mark_ready(self) -> None:
        """The worker consumes its queue now: count it in its pool's capacity."""
        if not self.draining.is_set():
            self.state = "online"
            self._beat()

    def drain(self) -> None:
        """Stop taking work; running attempts checkpoint and hand their jobs back."""
        if self.draining.is_set():
            return
        self.drain_started = time.monotonic()
        self.draining.set()
        log.warning(
            "draining: %d job(s) will checkpoint and be handed back within %.0f s",
            len(self.active),
            self.settings.drain_grace_s,
        )
        self._beat(state="draining")

    def grace_exceeded(self) -> bool:
        # keep a margin for handing back and uploading the checkpoint
        """Whether the drain's grace period is nearly over (80 %): the attempt then gives up the segment in hand rather
        than miss the hand-back.
        """
        return (
            self.drain_started is not None and time.monotonic() - self.drain_started > self.settings.drain_grace_s * 0.8
        )

    def stop(self) -> None:
        """End heartbeats and mark the worker offline, so its pool's capacity drops at once rather than after the
        lease.
        """
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        try:
            self._beat(state="offline")
        except Exception:
            log.warning("could not mark worker offline", exc_info=True)

    # --- attempts --------------------------------------------------------------
    def track(self, claim: lifecycle.Claim) -> AttemptHandle:
        """Note a claimed attempt as running here: heartbeats extend its lease and a drain reaches it."""
        handle = AttemptHandle(claim, self)
        with self._lock:
            self.active[claim.job_id] = handle
        return handle

    def untrack(self, job_id: str) -> None:
        """Forget an attempt that ended here (whatever way it ended)."""
        with self._lock:
            self.active.pop(job_id, None)

    @property
    def lease_s(self) -> float:
        """How long a claim lasts without a heartbeat: a worker silent this long is taken for dead and its jobs
        requeued.
        """
        return self.settings.worker_dead_after_s

    # --- heartbeat -------------------------------------------------------------
    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_interval_s):
            try:
                self.retry_changed_models()
                self._beat()
            except Exception:
                # the database may be having a bad minute; leases are long
                # enough (worker_dead_after_s) to survive a few missed beats
                log.warning("heartbeat failed", exc_info=True)

    def _beat(self, state: str | None = None) -> None:
        with self._lock:
            handles = list(self.active.values())
        state = state or ("draining" if self.draining.is_set() else self.state)
        with self.sessions() as session, session.begin():
            updated = rows_changed(
                session.execute(
                    sa.update(Worker)
                    .where(Worker.id == self.worker_id)
                    .values(
                        heartbeat_at=utcnow(),
                        running=len(handles),
                        state=state,
                        stats=self.stats.snapshot(),
                        refused_models=self.refused_models,
                    )
                )
            )
            if not updated and state != "offline":
                # our row was reaped while we were cut off: come back
                session.merge(
                    Worker(
                        id=self.worker_id,
                        hostname=socket.gethostname(),
                        tag=self.tag,
                        arch=platform.machine(),
                        providers=self.providers,
                        concurrency=self.concurrency,
                        running=len(handles),
                        state=state,
                        stats=self.stats.snapshot(),
                        refused_models=self.refused_models,
                        started_at=utcnow(),
                        heartbeat_at=utcnow(),
                    )
                )
        for handle in handles:
            try:
                beat_started = time.monotonic()
                with self.sessions() as session, session.begin():
                    lifecycle.heartbeat(session, handle.claim, self.lease_s)
                # the lease runs from when the database took the update, no earlier than this
                handle.extended_at = beat_started
            except StaleAttempt:
                log.warning("job %s moved on; stopping attempt %d", handle.claim.job_id, handle.claim.token)
                handle.stale.set()


def _file_stamp(model: str, settings: Settings) -> FileVersion | None:
    """Which version of a model's file is on disk; None for a model this farm does not know."""
    spec = known_models(settings).get(model)
    return file_version(spec.path) if spec is not None else None
