"""Stand-ins that tests and benchmarks bring in from outside, as Dramatiq's
``StubBroker`` stands in for a broker: production code has no test switches.

- ``null_pipeline``: an attempt that does no media work, for measuring the
  control plane on its own (benchmarks/scheduler.py).
- ``StubControl``, ``StubServices``, ``StubRenderer``: what an ``Attempt``
  receives from a worker, for running a whole attempt in one process on
  SQLite and local storage (tests/unit/workers/).
- ``RecordingSender``: the broker as a list; what the farm would have sent,
  for the API, worker and scheduler code that sends after a commit.
- ``python -m tests.stubs worker …``: ``talkfarm worker`` with the null pipeline.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from domain import lifecycle
from media.render.loudness import frame_count
from workers.attempt import AttemptControl, AttemptServices
from workers.pipeline import Outcome


@dataclass
class SentMessage:
    task: str
    args: list[Any]
    queue: str
    priority: int | None


@dataclass
class RecordingSender:
    """A ``tasks.sending.TaskSender`` that keeps what it is given instead of
    talking to a broker. ``refuse`` makes it raise, as a broker that is down does."""

    sent: list[SentMessage] = field(default_factory=list)
    refuse: bool = False

    def send(self, task: str, args: list[Any], *, queue: str, priority: int | None = None) -> None:
        if self.refuse:
            raise ConnectionError("the stub broker is down")
        self.sent.append(SentMessage(task, list(args), queue, priority))

    def ids(self, task: str) -> list[str]:
        """The first argument (a job or delivery id) of each message sent for ``task``."""
        return [str(m.args[0]) for m in self.sent if m.task == task]


def tone_wav(
    seconds: float, rate: int = 24000, *, bursts_hz: float = 0.5, voiced_above: float = 0.0, pauses: bool = True
) -> bytes:
    """A 220 Hz tone in bursts (``bursts_hz`` on/off cycles a second) with pauses between: narration
    a worker can cut at its silences, as 16-bit mono WAV."""
    import io
    import wave

    t = np.arange(int(seconds * rate)) / rate
    if pauses:
        voiced = (np.sin(2 * np.pi * bursts_hz * t) > voiced_above).astype(np.float32)
    else:
        voiced = np.ones_like(t, np.float32)
    samples = 0.3 * np.sin(2 * np.pi * 220 * t) * voiced
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes((samples * 32767).astype("<i2").tobytes())
    return out.getvalue()


def null_pipeline(control: AttemptControl, services: AttemptServices) -> Outcome:
    control.check()
    return (
        {
            "key": f"null/{control.claim.job_id}",
            "duration_s": 0.0,
            "width": 0,
            "height": 0,
            "fps": 0.0,
            "bytes": 0,
            "sha256": "",
            "files": {},
        },
        {},
    )


@dataclass
class StubControl:
    claim: lifecycle.Claim
    #: asked at every checkpoint (segment boundary); an exception it returns is
    #: raised there, as a worker's drain (``Interrupted``) or a lost job would be
    stop_when: Callable[[], BaseException | None] | None = None

    def check(self, *, checkpoint: bool = False) -> None:
        if checkpoint and self.stop_when is not None:
            failure = self.stop_when()
            if failure is not None:
                raise failure


@dataclass
class StubPrepared:
    resolution: int
    portrait: np.ndarray


class StubRenderer:
    """Draws a flat grey frame whose brightness follows the frame index: fast,
    deterministic, and enough for the encoder, watermarks and muxer."""

    def __init__(self) -> None:
        self.rendered_frames = 0

    def prepare(self, image: bytes, info: Any, params: dict) -> StubPrepared:
        size = int(params["resolution"])
        return StubPrepared(size, np.full((size, size, 3), 96, np.uint8))

    def render(
        self,
        prepared: StubPrepared,
        audio: np.ndarray,
        sample_rate: int,
        params: dict,
        first_frame_index: int = 0,
        phones: Any = None,
    ) -> Iterator[np.ndarray]:
        for i in range(frame_count(len(audio), sample_rate, int(params["fps"]))):
            self.rendered_frames += 1
            yield np.full_like(prepared.portrait, 64 + (first_frame_index + i) % 128)


@dataclass
class StubServices:
    settings: Any
    sessions: Any
    storage: Any
    tag: str = "cpu"
    stub_renderer: StubRenderer = field(default_factory=StubRenderer)
    observed: list[tuple[str, float, str | None]] = field(default_factory=list)

    def renderer(self, model: str) -> StubRenderer:
        return self.stub_renderer

    def observe(self, name: str, value: float, label: str | None = None) -> None:
        self.observed.append((name, value, label))


def _worker_main(argv: list[str]) -> None:
    """`talkfarm worker` whose attempts run ``null_pipeline``."""
    import click

    from cli.main import _logging, _settings
    from tasks.worker_process import run_render_worker

    @click.command()
    @click.option("--tag", default="cpu")
    @click.option("--concurrency", type=int, default=2)
    def worker(tag: str, concurrency: int) -> None:
        _logging()
        code = run_render_worker(_settings(), tag, concurrency, pipeline=null_pipeline)
        sys.stdout.flush()
        os._exit(code)

    worker.main(argv, standalone_mode=True)


if __name__ == "__main__":
    if sys.argv[1:2] != ["worker"]:
        raise SystemExit("usage: python -m tests.stubs worker [--tag T] [--concurrency N]")
    _worker_main(sys.argv[2:])
