"""Per-receiver limits in the webhook worker, so one bad receiver cannot hold
the threads that other tenants' deliveries need.

A receiver is one tenant's origin (scheme, host, port). Two rules:

- **In flight:** at most ``per_receiver_in_flight`` attempts to one receiver
  run at once; a delivery beyond that is put back for a few seconds without
  using up an attempt. A receiver that holds each attempt for the whole
  deadline thus holds that many threads, never all of them.
- **Circuit breaker:** after ``failures_to_open`` attempts in a row that got
  no HTTP answer, the receiver's circuit opens for ``cooldown_s``: its
  deliveries fail at once (an attempt on the retry schedule, no network).
  After the cooldown one trial attempt goes through; an answer closes the
  circuit, another failure opens it again.

The state lives in the worker process (the webhook worker is one process of
threads); a second webhook worker keeps its own, which at most doubles what
one receiver can hold.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum


class ReceiverAdmission(StrEnum):
    GO = "go"
    BUSY = "busy"  # too many attempts to this receiver in flight: put back, no attempt used
    OPEN = "open"  # the circuit is open: fail fast, no network


@dataclass
class _Receiver:
    in_flight: int = 0
    consecutive_failures: int = 0
    open_until: float = 0.0
    trial_running: bool = False


@dataclass
class ReceiverLimits:
    per_receiver_in_flight: int
    failures_to_open: int
    cooldown_s: float
    clock: object = field(default=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _receivers: dict[str, _Receiver] = field(default_factory=dict)

    def _now(self) -> float:
        return self.clock()  # type: ignore[operator]

    def admit(self, receiver: str) -> ReceiverAdmission:
        """Whether an attempt to ``receiver`` may start now; on ``GO`` the caller must ``release``."""
        with self._lock:
            state = self._receivers.setdefault(receiver, _Receiver())
            if state.open_until:
                if self._now() < state.open_until or state.trial_running:
                    return ReceiverAdmission.OPEN
                state.trial_running = True  # half-open: this one attempt decides
            if state.in_flight >= self.per_receiver_in_flight:
                state.trial_running = False if state.open_until else state.trial_running
                return ReceiverAdmission.BUSY
            state.in_flight += 1
            return ReceiverAdmission.GO

    def release(self, receiver: str, answered: bool) -> None:
        """An admitted attempt ended; ``answered`` is whether the receiver gave an HTTP answer."""
        with self._lock:
            state = self._receivers.setdefault(receiver, _Receiver())
            state.in_flight = max(0, state.in_flight - 1)
            state.trial_running = False
            if answered:
                state.consecutive_failures, state.open_until = 0, 0.0
                if state.in_flight == 0:
                    self._receivers.pop(receiver, None)  # the map holds only receivers in trouble or in use
                return
            state.consecutive_failures += 1
            if state.consecutive_failures >= self.failures_to_open:
                state.open_until = self._now() + self.cooldown_s

    def is_open(self, receiver: str) -> bool:
        """Whether the receiver's circuit is open now: its deliveries then fail at once, without touching the network."""
        with self._lock:
            state = self._receivers.get(receiver)
            return bool(state and state.open_until and self._now() < state.open_until)
