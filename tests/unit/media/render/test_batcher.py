"""Dynamic batching across jobs: stacked calls, each caller's own rows back,
byte-identical to unbatched rendering."""

import threading

import numpy as np
import pytest

from domain.presets import PRESETS
from media.render import quality
from media.render.batcher import DynamicBatcher
from media.render.face import analyze_portrait
from media.render.renderer import Renderer

SR = 16000


class RecordingModel:
    """Doubles its input and records the batch sizes it was called with."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

    def run(self, feeds):
        with self.lock:
            self.calls.append(len(feeds["x"]))
        return [feeds["x"] * 2]


def run_clients(batcher, model, requests_per_client, clients=3, key="k"):
    """Each client thread sends its requests in turn; returns {client: [outputs]}."""
    results, errors = {}, []
    start = threading.Barrier(clients)

    def client(c):
        try:
            with batcher.client():
                start.wait()
                results[c] = [
                    batcher.run(key, model, {"x": np.full((n, 2), 100 * c + i, np.float32)})[0]
                    for i, n in enumerate(requests_per_client)
                ]
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors and not any(t.is_alive() for t in threads)
    return results


def test_requests_of_concurrent_jobs_share_model_calls_and_each_gets_its_own_rows():
    model = RecordingModel()
    batcher = DynamicBatcher(max_batch_size=16, max_batch_delay_ms=2000)
    results = run_clients(batcher, model, [2, 3, 1, 4])
    for c, outputs in results.items():
        for i, (n, out) in enumerate(zip([2, 3, 1, 4], outputs)):
            assert out.shape == (n, 2) and (out == 2 * (100 * c + i)).all()
    assert max(model.calls) > 4  # rows of several jobs went through one call
    assert sum(model.calls) == 3 * 10 == batcher.stats.frames
    assert batcher.stats.snapshot()["mean_batch_size"] > 4


def test_no_call_exceeds_max_batch_size():
    model = RecordingModel()
    batcher = DynamicBatcher(max_batch_size=5, max_batch_delay_ms=2000)
    results = run_clients(batcher, model, [3, 3, 2, 12, 4, 1])
    assert max(model.calls) <= 5 and sum(model.calls) == 3 * 25
    assert all(
        out.shape == (12, 2) and (out == 2 * (100 * c + 3)).all() for c, outs in results.items() for out in outs[3:4]
    )


def test_a_lone_job_never_waits_for_company():
    model = RecordingModel()
    batcher = DynamicBatcher(max_batch_size=64, max_batch_delay_ms=3_600_000)  # an hour
    done = threading.Event()

    def lone():
        with batcher.client():
            batcher.run("k", model, {"x": np.zeros((1, 2), np.float32)})
        done.set()

    threading.Thread(target=lone, daemon=True).start()
    assert done.wait(timeout=20)


def test_a_failing_model_call_fails_every_caller_in_the_batch():
    class Broken:
        def run(self, feeds):
            raise RuntimeError("device lost")

    batcher = DynamicBatcher(max_batch_size=8, max_batch_delay_ms=2000)
    broken = Broken()
    failures = []
    barrier = threading.Barrier(2)

    def client():
        with batcher.client():
            barrier.wait()
            try:
                batcher.run("k", broken, {"x": np.zeros((1, 2), np.float32)})
            except RuntimeError as exc:
                failures.append(str(exc))

    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == ["device lost", "device lost"]
    assert batcher.stats.batches == 1


def test_batched_rendering_is_byte_identical_to_unbatched():
    portraits = []
    for name in ("astronaut", "astronaut_wide", "cameraman"):
        data = PRESETS[name].read_bytes()
        portraits.append((data, analyze_portrait(data)))
    audio, _ = quality.synthetic_speech(SR)
    audio = np.array(audio)
    params = {"resolution": 256, "min_resolution": 64}
    plain = Renderer.for_model("builtin")
    expected = []
    for i, p in enumerate(portraits):
        prepared = plain.prepare(*p, params)
        expected.append(
            [f.tobytes() for f in plain.render(prepared, audio[i * 800 :], SR, params, first_frame_index=i)]
        )

    batcher = DynamicBatcher(max_batch_size=24, max_batch_delay_ms=2000)
    batched = Renderer.for_model("builtin", batcher=batcher)
    got = {}
    start = threading.Barrier(3)

    def job(i):
        prepared = batched.prepare(*portraits[i], params)
        batched.correction_frames(prepared, params | {"fps": 25})
        start.wait()
        got[i] = [f.tobytes() for f in batched.render(prepared, audio[i * 800 :], SR, params, first_frame_index=i)]

    threads = [threading.Thread(target=job, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert [got[i] for i in range(3)] == expected
    sizes = batcher.stats.snapshot()["batch_sizes"]
    assert max(sizes) > 8  # frames of different jobs really shared calls


@pytest.mark.parametrize("size", [0, -1])
def test_max_batch_size_must_be_positive(size):
    with pytest.raises(ValueError):
        DynamicBatcher(max_batch_size=size)
