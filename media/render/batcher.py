"""Dynamic batching across jobs, as Triton's dynamic batcher does it.

A worker runs several jobs as threads of one process. Frames from different
jobs that share a batch key (same model, same input shapes) are stacked into
one model call, up to ``max_batch_size`` frames or until the oldest request has
waited ``max_batch_delay_ms``. Each caller gets exactly its own rows back; the
model computes rows independently, so a frame's output does not depend on
what it was batched with.

A batch is run by one of its own callers (the one that fills or closes it),
so no extra thread is needed and batches of different keys run in parallel.
Waiting only helps while another job could still add frames: callers that
render register with ``client()``, and a batch that already holds a request
from every registered client runs at once. A lone job never waits.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class BatcherStats:
    """Counters for /metrics: how full the batches were."""

    max_batch_size: int
    batches: int = 0
    frames: int = 0
    sizes: Counter[int] = field(default_factory=Counter)
    waited_s: float = 0.0

    def snapshot(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "frames": self.frames,
            "mean_batch_size": self.frames / self.batches if self.batches else 0.0,
            "fill_ratio": self.frames / (self.batches * self.max_batch_size) if self.batches else 0.0,
            "batch_sizes": dict(sorted(self.sizes.items())),
            "waited_s": round(self.waited_s, 6),
        }


class _Request:
    def __init__(self, feeds: dict[str, np.ndarray], frames: int, client: int):
        self.feeds = feeds
        self.frames = frames
        self.client = client
        self.outputs: list[np.ndarray] | None = None
        self.error: BaseException | None = None


class _Batch:
    def __init__(self, key: Hashable, model: Any, deadline: float):
        self.key = key
        self.model = model
        self.deadline = deadline
        self.opened = time.monotonic()
        self.requests: list[_Request] = []
        self.frames = 0
        self.closed = False
        self.taken = False
        self.done = False

    def clients(self) -> set[int]:
        return {r.client for r in self.requests}


class DynamicBatcher:
    """One per worker process, shared by its job threads.

    Parameters:
        max_batch_size: most frames in one model call.
        max_batch_delay_ms: longest a request waits for others to join it.
        on_batch: called after each model call with (key, frames, fill ratio),
            e.g. to feed Prometheus histograms.
    """

    def __init__(
        self,
        max_batch_size: int = 8,
        max_batch_delay_ms: float = 4.0,
        on_batch: Callable[[Hashable, int, float], None] | None = None,
    ):
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        self.max_batch_size = max_batch_size
        self.max_batch_delay_s = max(0.0, max_batch_delay_ms) / 1000.0
        self.on_batch = on_batch
        self.stats = BatcherStats(max_batch_size)
        self._cond = threading.Condition()
        self._open: dict[Hashable, _Batch] = {}
        self._clients: Counter[int] = Counter()

    @contextmanager
    def client(self) -> Iterator[None]:
        """Register the calling thread as a job that will send frames for a while."""
        me = threading.get_ident()
        with self._cond:
            self._clients[me] += 1
        try:
            yield
        finally:
            with self._cond:
                self._clients[me] -= 1
                if self._clients[me] <= 0:
                    del self._clients[me]
                self._cond.notify_all()

    def run(self, key: Hashable, model: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """``model.run(feeds)``, possibly stacked with other callers' feeds of the same key."""
        frames = len(next(iter(feeds.values())))
        if frames >= self.max_batch_size:
            return self._run_alone(key, model, feeds, frames)
        request = _Request(feeds, frames, threading.get_ident())
        with self._cond:
            batch = self._open.get(key)
            if batch is not None and batch.frames + frames > self.max_batch_size:
                self._close(batch)  # its own callers run it
                batch = None
            if batch is None:
                batch = self._open[key] = _Batch(key, model, time.monotonic() + self.max_batch_delay_s)
            if batch.model is not model:
                raise ValueError(f"batch key {key!r} used with two different models")
            batch.requests.append(request)
            batch.frames += frames
            while True:
                if batch.done:
                    break
                if not batch.closed and (
                    batch.frames >= self.max_batch_size
                    or self._everyone_in(batch)
                    or time.monotonic() >= batch.deadline
                ):
                    self._close(batch)
                if batch.closed and not batch.taken:
                    batch.taken = True
                    break
                self._cond.wait(None if batch.closed else max(batch.deadline - time.monotonic(), 0.0))
        if not batch.done:
            self._execute(batch)
        if request.error is not None:
            raise request.error
        assert request.outputs is not None
        return request.outputs

    def _everyone_in(self, batch: _Batch) -> bool:
        waiting_for = set(self._clients) - batch.clients()
        return not waiting_for

    def _close(self, batch: _Batch) -> None:
        batch.closed = True
        if self._open.get(batch.key) is batch:
            del self._open[batch.key]
        self._cond.notify_all()

    def _execute(self, batch: _Batch) -> None:
        requests = batch.requests
        try:
            names = list(requests[0].feeds)
            stacked = {name: np.concatenate([r.feeds[name] for r in requests], axis=0) for name in names}
            outputs = batch.model.run(stacked)
            start = 0
            for r in requests:
                r.outputs = [out[start : start + r.frames] for out in outputs]
                start += r.frames
        except BaseException as exc:  # noqa: BLE001 - every caller of the batch sees the failure
            for r in requests:
                r.error = exc
        self._record(batch.key, batch.frames, time.monotonic() - batch.opened)
        with self._cond:
            batch.done = True
            self._cond.notify_all()

    def _run_alone(self, key: Hashable, model: Any, feeds: dict[str, np.ndarray], frames: int) -> list[np.ndarray]:
        """A request that fills whole batches by itself: run it in max-size calls, now."""
        parts: list[list[np.ndarray]] = []
        for start in range(0, frames, self.max_batch_size):
            piece = {name: value[start : start + self.max_batch_size] for name, value in feeds.items()}
            parts.append(model.run(piece))
            self._record(key, len(next(iter(piece.values()))), 0.0)
        if len(parts) == 1:
            return parts[0]
        return [np.concatenate(outs, axis=0) for outs in zip(*parts)]

    def _record(self, key: Hashable, frames: int, waited: float) -> None:
        with self._cond:
            self.stats.batches += 1
            self.stats.frames += frames
            self.stats.sizes[frames] += 1
            self.stats.waited_s += waited
        if self.on_batch is not None:
            self.on_batch(key, frames, min(1.0, frames / self.max_batch_size))


class DirectRunner:
    """The no-batching stand-in with the batcher's interface."""

    @contextmanager
    def client(self) -> Iterator[None]:
        yield

    def run(self, key: Hashable, model: Any, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        outputs: list[np.ndarray] = model.run(feeds)
        return outputs
