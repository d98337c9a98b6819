"""Histograms a worker keeps in memory and attaches to its heartbeat, so the
API's /metrics can show them without scraping every worker."""

from __future__ import annotations

import bisect
import threading

#: bucket bounds per histogram
BOUNDS = {
    "render_seconds": (0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
    "batch_size": (1, 2, 4, 8, 16, 32, 64),
    "batch_fill": (0.125, 0.25, 0.5, 0.75, 0.9, 1.0),
}


class Histogram:
    def __init__(self, bounds: tuple[float, ...]):
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        """Count ``value`` in its bucket."""
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value

    def snapshot(self) -> dict:
        """The counts as Prometheus-style cumulative buckets, for the heartbeat and /metrics."""
        cumulative, running = {}, 0
        for bound, count in zip(self.bounds, self.counts):
            running += count
            cumulative[_label(bound)] = running
        cumulative["+Inf"] = running + self.counts[-1]
        return {"buckets": cumulative, "sum": round(self.sum, 6)}


def _label(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


class WorkerStats:
    """Thread-safe histograms keyed by (name, sub-key), e.g. ("render_seconds", "tts")."""

    def __init__(self):
        self._lock = threading.Lock()
        self._hists: dict[str, dict[str, Histogram]] = {name: {} for name in BOUNDS}

    def observe(self, name: str, value: float, key: str = "") -> None:
        """Count ``value`` in its bucket."""
        with self._lock:
            hist = self._hists[name].get(key)
            if hist is None:
                hist = self._hists[name][key] = Histogram(BOUNDS[name])
            hist.observe(value)

    def snapshot(self) -> dict:
        """The counts as Prometheus-style cumulative buckets, for the heartbeat and /metrics."""
        with self._lock:
            return {
                name: {key: h.snapshot() for key, h in hists.items()} for name, hists in self._hists.items() if hists
            }
