"""Starting a worker process: find its pool tag, register it, and run a Celery
worker (threads pool) on that pool's queue until it is told to stop.

SIGTERM — what a spot notice becomes — makes Celery stop taking messages and
wait for running tasks; we hook that moment to start the drain: running jobs
checkpoint at their next segment boundary (or give up the segment in hand
once the grace period is nearly over), hand their job back without using up
an attempt, and the process exits 0.
"""

from __future__ import annotations

import logging
import platform
import socket

import onnxruntime
from celery import Celery
from celery.signals import worker_ready, worker_shutting_down

from domain.config import Settings
from media.render import BUILTIN, detect_tag, open_model
from tasks import celery_tasks
from tasks.celery_app import WEBHOOK_QUEUE, celery_for, queue_for
from tasks.sending import CelerySender
from workers import runtime as worker_runtime
from workers.pipeline import run_pipeline
from workers.runtime import Pipeline

log = logging.getLogger(__name__)


def resolve_tag(requested: str) -> tuple[str, list[str]]:
    """(tag, providers) the worker really serves: the hardware's tag (or the one
    asked for), unless its accelerator provider fails to load the built-in
    model, in which case the worker logs why and serves ``cpu``."""
    available = onnxruntime.get_available_providers()
    tag = detect_tag(platform.machine(), available) if requested == "auto" else requested
    model = open_model(BUILTIN, tag, available_providers=available)
    if model.effective_tag != tag:
        log.warning(
            "asked to serve %s, but the model runs on %s only (%s): serving %s",
            tag,
            model.providers,
            model.fallback_reason or "no accelerator provider",
            model.effective_tag,
        )
    return model.effective_tag, list(model.providers)


def worker_app(settings: Settings) -> Celery:
    """The Celery app with the farm's tasks registered: only workers run them."""
    app = celery_for(settings)
    celery_tasks.register(app)
    return app


def run_render_worker(
    settings: Settings, requested_tag: str, concurrency: int, pipeline: Pipeline = run_pipeline
) -> int:
    """Serve a pool until told to stop. ``pipeline`` runs each attempt: the
    media pipeline, or a stub that a benchmark or test brings."""
    tag, providers = resolve_tag(requested_tag)
    if tag not in settings.pools:
        log.error(
            "this worker serves pool %s, which TALKFARM_POOLS (%s) does not declare", tag, ",".join(settings.pools)
        )
        return 2
    rt = worker_runtime.WorkerRuntime(settings, tag, concurrency, providers, pipeline, sender=CelerySender(settings))
    worker_runtime.install(rt)
    rt.start()
    if pipeline is run_pipeline:
        rt.warm_up()  # registered as "starting" meanwhile: no work is sent to it yet

    def _drain(**_):
        rt.drain()

    def _ready(**_):
        rt.mark_ready()

    worker_shutting_down.connect(_drain, weak=False)
    worker_ready.connect(_ready, weak=False)
    app = worker_app(settings)
    # one line per job from our own code is enough; Celery's received/succeeded lines double it
    for noisy in ("celery.app.trace", "celery.worker.strategy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    worker = app.Worker(
        pool="threads",
        concurrency=concurrency,
        queues=[queue_for(tag)],
        hostname=f"{tag}@{socket.gethostname()}-{rt.worker_id.split(':')[1]}",
        loglevel="INFO",
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
    )
    try:
        worker.start()
    finally:
        rt.stop()
    return worker.exitcode or 0


def run_webhook_worker(settings: Settings, concurrency: int = 8) -> None:
    """Deliveries run on their own queue and process, so a slow receiver never holds up rendering."""
    app = worker_app(settings)
    app.Worker(
        pool="threads",
        concurrency=concurrency,
        queues=[WEBHOOK_QUEUE],
        hostname=f"webhooks@{socket.gethostname()}",
        loglevel="INFO",
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
    ).start()
