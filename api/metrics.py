"""Prometheus metrics, read from the database at scrape time.

Counts that must survive restarts (failures, interruptions) come from the
attempts table; histograms that only workers see (stage seconds, batch size
and fill) come from the snapshots live workers attach to their heartbeats.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from collections.abc import Iterable

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from domain.models import Job, JobAttempt
from domain.poolstats import jobs_by_state, live_workers, pool_stats
from domain.states import AttemptOutcome
from tasks.webhook_lookups import lookup_snapshot

#: why a webhook URL's request-time look-up refused a request (tasks/webhook_lookups.py)
LOOKUP_REFUSALS = ("deadline", "tenant_share", "all_threads")

#: histograms workers report: name -> (metric, help, label name of the key)
WORKER_HISTOGRAMS = {
    "render_seconds": ("talkfarm_render_seconds", "Seconds spent per stage and job.", "stage"),
    "batch_size": ("talkfarm_batch_size", "Frames per model call.", None),
    "batch_fill": ("talkfarm_batch_fill_ratio", "Model batch size over max_batch_size.", None),
}


class FarmCollector:
    def __init__(self, api_ctx):
        self.ctx = api_ctx

    def collect(self) -> Iterable:
        settings = self.ctx.settings
        with self.ctx.sessions() as session:
            jobs = GaugeMetricFamily("talkfarm_jobs", "Jobs by state.", labels=["state"])
            for state, count in jobs_by_state(session).items():
                jobs.add_metric([state], count)
            yield jobs

            stats = pool_stats(session, settings)
            pool_jobs = GaugeMetricFamily(
                "talkfarm_pool_jobs", "Jobs waiting and running per pool.", labels=["pool", "state"]
            )
            depth = GaugeMetricFamily("talkfarm_queue_depth", "Jobs waiting per pool.", labels=["pool"])
            oldest = GaugeMetricFamily(
                "talkfarm_pool_oldest_waiting_seconds", "Age of the oldest waiting job.", labels=["pool"]
            )
            workers = GaugeMetricFamily("talkfarm_pool_workers", "Live workers per pool.", labels=["pool", "state"])
            desired = GaugeMetricFamily(
                "talkfarm_pool_desired_workers", "Recommended workers for waiting + running work.", labels=["pool"]
            )
            stranded = GaugeMetricFamily(
                "talkfarm_pool_stranded_jobs",
                "Queued jobs no live worker may take "
                "(they fail no_worker_available after TALKFARM_POOL_EMPTY_FAIL_AFTER_S).",
                labels=["pool"],
            )
            for tag, s in stats.items():
                pool_jobs.add_metric([tag, "waiting"], s.waiting)
                pool_jobs.add_metric([tag, "running"], s.running)
                depth.add_metric([tag], s.waiting)
                oldest.add_metric([tag], s.oldest_waiting_s)
                workers.add_metric([tag, "online"], s.workers_online)
                workers.add_metric([tag, "draining"], s.workers_draining)
                desired.add_metric([tag], s.desired_workers)
                stranded.add_metric([tag], s.stranded)
            yield from (pool_jobs, depth, oldest, workers, desired, stranded)

            failures = CounterMetricFamily(
                "talkfarm_job_failures", "Failed attempts by pool and error code.", labels=["pool", "code"]
            )
            interruptions = CounterMetricFamily(
                "talkfarm_job_interruptions", "Attempts ended by a worker going away.", labels=["pool"]
            )
            rows = session.execute(
                sa.select(Job.pool, JobAttempt.outcome, JobAttempt.error_code, sa.func.count())
                .join(Job, Job.id == JobAttempt.job_id)
                .where(JobAttempt.outcome.in_((AttemptOutcome.FAILED, AttemptOutcome.INTERRUPTED)))
                .group_by(Job.pool, JobAttempt.outcome, JobAttempt.error_code)
            ).all()
            interrupted: dict[str, int] = {tag: 0 for tag in settings.pools}
            for pool, outcome, code, count in rows:
                if outcome == AttemptOutcome.FAILED:
                    failures.add_metric([pool, code or "unknown"], count)
                else:
                    interrupted[pool] = interrupted.get(pool, 0) + count
            for pool, count in interrupted.items():
                interruptions.add_metric([pool], count)
            yield failures
            yield interruptions

            yield from _worker_histograms(live_workers(session, settings))
        yield from _lookup_metrics()


def _lookup_metrics() -> Iterable:
    """This API process's webhook look-ups: running now, and requests refused since it started, by why."""
    running, refused = lookup_snapshot() or (0, {})
    now = GaugeMetricFamily(
        "talkfarm_webhook_lookups_running",
        "Request-time webhook name look-ups running in this API process, slow ones past their request included.",
    )
    now.add_metric([], running)
    counts = CounterMetricFamily(
        "talkfarm_webhook_lookups_refused",
        "Requests this API process refused over a webhook name look-up: deadline (422 webhook_url_unresolvable), "
        "tenant_share or all_threads (503 webhook_lookup_busy).",
        labels=["reason"],
    )
    for reason in LOOKUP_REFUSALS:
        counts.add_metric([reason], refused.get(reason, 0))
    yield from (now, counts)


def _worker_histograms(workers) -> Iterable:
    for key, (name, doc, label) in WORKER_HISTOGRAMS.items():
        merged: dict[tuple[str, ...], dict] = {}
        for worker in workers:
            for sub, hist in ((worker.stats or {}).get(key) or {}).items():
                labels: tuple[str, ...] = (worker.tag, sub) if label else (worker.tag,)
                into = merged.setdefault(labels, {"buckets": {}, "sum": 0.0})
                for bound, count in hist.get("buckets", {}).items():
                    into["buckets"][bound] = into["buckets"].get(bound, 0) + count
                into["sum"] += hist.get("sum", 0.0)
        family = HistogramMetricFamily(name, doc, labels=["pool", label] if label else ["pool"])
        for labels, hist in merged.items():
            bounds = sorted(hist["buckets"], key=lambda b: float("inf") if b == "+Inf" else float(b))
            family.add_metric(list(labels), [(b, hist["buckets"][b]) for b in bounds], hist["sum"])
        yield family


def render_metrics(api_ctx) -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FarmCollector(api_ctx))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class MetricsCache:
    """/metrics computed at most once per ``min_interval_s`` per process, whatever the request rate.

    Each computation counts every job and groups every attempt; a scraper every 15 s does not
    notice, a client hammering the endpoint would load the database. Scrapes within the interval
    get the last copy; scrapes arriving while it is computed wait for that one computation."""

    def __init__(self, min_interval_s: float, clock=time.monotonic):
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._body: bytes | None = None
        self._content_type = CONTENT_TYPE_LATEST
        self._at = 0.0
        self.computations = 0

    def get(self, api_ctx) -> tuple[bytes, str]:
        with self._lock:
            if self._body is None or self._clock() - self._at >= self.min_interval_s:
                self._body, self._content_type = render_metrics(api_ctx)
                self._at = self._clock()
                self.computations += 1
            return self._body, self._content_type


def may_read_metrics(settings, remote_addr: str | None, authorization: str) -> bool:
    """Whether this caller may read /metrics: it comes from an address the operator allows
    (TALKFARM_METRICS_ALLOW_FROM, loopback by default), or carries TALKFARM_METRICS_KEY as a bearer key."""
    scheme, _, key = authorization.partition(" ")
    if (
        settings.metrics_key
        and scheme.lower() == "bearer"
        and hmac.compare_digest(key.strip().encode(), settings.metrics_key.encode())
    ):
        return True
    try:
        address = ipaddress.ip_address((remote_addr or "").split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for entry in settings.metrics_allow_from:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
