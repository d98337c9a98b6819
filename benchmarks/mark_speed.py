"""The invisible mark's per-frame work on a composed 1080p job whose presenter's head moves, old code against new.

    python benchmarks/mark_speed.py [--calls 120] [--repeats 5] [--cache calls.npz]

Captures the real arguments of ``WatermarkEmbedder.apply_to_luma_in`` — the frame, its clean luma, the marked
luma plane it is given, the rectangles — for the first ``--calls`` frames of the 16:9 cut of
``benchmarks/compose.py``'s job (1920×1080, ``motion_scale`` 1.0: the head sways as a user's does), by running
that job once in this process (``--cache`` keeps them in a file for the next run). Then replays them, single
threaded (OpenCV's pool off, as in a worker), through a frozen copy of ``apply_to_luma_in`` before 2026-12-06's mark
speed-up (``_OldEmbedder`` below; ``AmplitudeMaps`` did not change, so both sides use it) and through the code
now, alternated ``--repeats`` times: ms per call of ``AmplitudeMaps.__call__`` and of the rest of
``apply_to_luma_in``, and how far the new maps and marked planes are from the old ones. The old code run twice
is compared with itself too: ``cv2.magnitude`` rounds a last bit differently with its buffers' addresses, so the
maps vary from run to run by that much (and a marked plane, rarely, by a level where a product sits on a
rounding edge); with it made exact in both, old and new must agree bit for bit.

Tried on ``AmplitudeMaps`` and dropped, as no gain showed here or in ``compose_account.py`` (within ±5 %,
the noise): its steps writing into buffers kept between frames, the cap's squares into a kept buffer, the
changed part resized straight into the map. Its time is OpenCV's filters over the changed part.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from media.encode.yuv import Rect, covering_rects  # noqa: E402
from media.watermark.invisible import WatermarkEmbedder  # noqa: E402

Call = tuple[np.ndarray, np.ndarray, np.ndarray, float, list[Rect] | None]


# --- the code before, frozen (media/watermark/invisible.py at ba2499d; AmplitudeMaps did not change, so both sides
# use media/watermark/masking.py's) ---


class _OldEmbedder(WatermarkEmbedder):
    """``WatermarkEmbedder`` with the old ``apply_to_luma_in``."""

    def apply_to_luma_in(
        self, frame: np.ndarray, clean: np.ndarray, luma: np.ndarray, levels: float, rects: list[Rect] | None
    ) -> None:
        amplitude = self._maps(np.ascontiguousarray(frame, dtype=np.uint8), rects)
        height, width = luma.shape
        changed = self._maps.changed
        regions = [(0, 0, width, height)] if rects is None or changed == (0, 0, width, height) else list(rects)
        if changed is not None and rects is not None:
            regions = covering_rects([*regions, changed])
        pattern, negated = self._luma_pattern(levels)
        for x0, y0, x1, y1 in regions:
            if x1 <= x0 or y1 <= y0:
                continue
            part = (slice(y0, y1), slice(x0, x1))
            up = cv2.multiply(amplitude[part], pattern[part], dtype=cv2.CV_8U)
            down = cv2.multiply(amplitude[part], negated[part], dtype=cv2.CV_8U)
            luma[part] = cv2.subtract(cv2.add(clean[part], up), down)


# --- capture and replay ---


def capture(calls: int) -> tuple[np.ndarray, list[Call]]:
    """The pattern and the first ``calls`` calls' arguments of the 16:9 cut's embedder, from the benchmark job."""
    from benchmarks.compose import run
    from media.watermark import invisible

    real = invisible.WatermarkEmbedder.apply_to_luma_in
    seen: dict[str, Any] = {"owner": None, "pattern": None, "calls": []}

    def recording(self: Any, frame: Any, clean: Any, luma: Any, levels: Any, rects: Any) -> None:
        if seen["owner"] is None and self._pattern.shape == (1080, 1920):
            seen["owner"], seen["pattern"] = self, self._pattern.copy()
        if seen["owner"] is self and len(seen["calls"]) < calls:
            kept = None if rects is None else list(rects)
            seen["calls"].append((frame.copy(), clean.copy(), luma.copy(), levels, kept))
        real(self, frame, clean, luma, levels, rects)

    invisible.WatermarkEmbedder.apply_to_luma_in = recording  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory(prefix="talkfarm-bench-mark-") as tmp:
            run(Path(tmp) / "job", 25, [], motion_scale=1.0)
    finally:
        invisible.WatermarkEmbedder.apply_to_luma_in = real  # type: ignore[method-assign]
    seen["owner"] = None
    return seen["pattern"], seen["calls"]


def save(path: Path, pattern: np.ndarray, calls: list[Call]) -> None:
    arrays: dict[str, Any] = {"pattern": pattern}
    for i, (frame, clean, luma, levels, rects) in enumerate(calls):
        arrays[f"frame{i}"], arrays[f"clean{i}"], arrays[f"luma{i}"] = frame, clean, luma
        arrays[f"levels{i}"] = np.float64(levels)
        arrays[f"rects{i}"] = np.array(rects if rects is not None else [], np.int64).reshape(-1, 4)
        arrays[f"all{i}"] = np.bool_(rects is None)
    np.savez(path, count=len(calls), **arrays)


def load(path: Path) -> tuple[np.ndarray, list[Call]]:
    with np.load(path) as data:
        calls: list[Call] = []
        for i in range(int(data["count"])):
            rects = (
                None
                if bool(data[f"all{i}"])
                else [(int(a), int(b), int(c), int(d)) for a, b, c, d in data[f"rects{i}"]]
            )
            calls.append((data[f"frame{i}"], data[f"clean{i}"], data[f"luma{i}"], float(data[f"levels{i}"]), rects))
        return data["pattern"], calls


class _TimedMaps:
    """An ``AmplitudeMaps`` whose calls are timed, and whose last map is at hand."""

    def __init__(self, maps: Any):
        self.maps, self.seconds, self.last = maps, 0.0, None

    @property
    def changed(self) -> Any:
        return self.maps.changed

    def __call__(self, frame: np.ndarray, changed: Any = None) -> np.ndarray:
        started = time.thread_time()
        out = self.maps(frame, changed)
        self.seconds += time.thread_time() - started
        self.last = out
        return out


def replay(embedder: WatermarkEmbedder, calls: list[Call]) -> tuple[float, float]:
    """CPU ms per call (this thread's) in the maps and in the rest of ``apply_to_luma_in`` (a plane copied
    beforehand, untimed)."""
    timed = _TimedMaps(embedder._maps)
    embedder._maps = timed  # type: ignore[assignment]
    total = 0.0
    plane = np.empty_like(calls[0][2])
    for frame, clean, luma, levels, rects in calls:
        np.copyto(plane, luma)
        started = time.thread_time()
        embedder.apply_to_luma_in(frame, clean, plane, levels, rects)
        total += time.thread_time() - started
    n = len(calls)
    return timed.seconds / n * 1e3, (total - timed.seconds) / n * 1e3


def compare(pattern: np.ndarray, calls: list[Call], a: type, b: type) -> tuple[float, int, float, int, int]:
    """Embedders of types ``a`` and ``b`` given the same calls side by side: the maps' largest difference and
    how many values differ, the marked planes' likewise, and how many values each holds in all."""
    embedders = [a(pattern), b(pattern)]
    first, second = _TimedMaps(embedders[0]._maps), _TimedMaps(embedders[1]._maps)
    embedders[0]._maps, embedders[1]._maps = first, second
    maps_max = planes_max = 0.0
    maps_n = planes_n = values = 0
    for frame, clean, luma, levels, rects in calls:
        planes = [luma.copy(), luma.copy()]
        for embedder, plane in zip(embedders, planes):
            embedder.apply_to_luma_in(frame, clean, plane, levels, rects)
        assert first.last is not None and second.last is not None
        maps_max = max(maps_max, float(np.abs(first.last - second.last).max()))
        maps_n += int(np.count_nonzero(first.last != second.last))
        planes_max = max(planes_max, float(np.abs(planes[0].astype(np.int16) - planes[1]).max()))
        planes_n += int(np.count_nonzero(planes[0] != planes[1]))
        values += luma.size
    return maps_max, maps_n, planes_max, planes_n, values


def _exact_magnitude(x: np.ndarray, y: np.ndarray, magnitude: np.ndarray | None = None) -> np.ndarray:
    """``cv2.magnitude`` rounded as IEEE's square root rounds, whatever the buffers' addresses."""
    return np.sqrt(np.add(x * x, y * y), out=magnitude)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None, help="a .npz to keep the captured calls in (~1.2 GB)")
    args = parser.parse_args()
    from workers.runtime import limit_library_threads

    limit_library_threads()  # as a worker process does when it starts: OpenCV's thread pool off
    cv2.setNumThreads(0)
    if args.cache is not None and args.cache.exists():
        pattern, calls = load(args.cache)
    else:
        pattern, calls = capture(args.calls)
        if args.cache is not None:
            save(args.cache, pattern, calls)
    calls = calls[: args.calls]
    whole = sum(r is None for *_, r in calls)
    area = statistics.median(sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in r) for *_, r in calls if r is not None)
    print(
        f"{len(calls)} calls of the 1920x1080 cut ({whole} with the whole frame changed; "
        f"the rest's rectangles {area / 1e3:.0f} kpx, median), {args.repeats} repeats, old and new alternated"
    )
    times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    # on a thread of its own, as a worker's compose pool runs each cut (its own malloc arena)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="compose") as pool:
        for _ in range(args.repeats):
            for name, make in (("old", _OldEmbedder), ("new", WatermarkEmbedder)):
                times[name].append(pool.submit(replay, make(pattern), calls).result())
    print(f"{'CPU ms per call':<40} {'old':>14} {'new':>14} {'new/old':>8}")
    for i, what in enumerate(("AmplitudeMaps.__call__", "apply_to_luma_in without the maps", "apply_to_luma_in")):
        old = [t[0] + t[1] if i == 2 else t[i] for t in times["old"]]
        new = [t[0] + t[1] if i == 2 else t[i] for t in times["new"]]
        o, n = statistics.median(old), statistics.median(new)
        print(f"{what:<40} {o:6.2f} (≥{min(old):5.2f}) {n:6.2f} (≥{min(new):5.2f}) {n / o:8.2f}")
    print("(median of the repeats, and their least)")
    print(f"{'compared':<40} {'maps max |diff|':>16} {'maps differ':>18} {'planes max':>11} {'planes differ':>22}")
    pairs = [
        ("new against old", WatermarkEmbedder, _OldEmbedder),
        ("old against old (another instance)", _OldEmbedder, _OldEmbedder),
        ("new against new (another instance)", WatermarkEmbedder, WatermarkEmbedder),
    ]
    for name, a, b in pairs:
        mx, mn, px, pn, values = compare(pattern, calls, a, b)
        print(f"{name:<40} {mx:16.3g} {mn:>8} of {values / 1e6:5.0f} M {px:11.0f} {pn:>8} of {values / 1e6:5.0f} M")
    # cv2.magnitude's last bit follows its buffers' addresses; made exact (the gradients are multiples of 1/8,
    # so their squares and sum are exact and only the square root rounds), old and new must agree bit for bit
    magnitude = cv2.magnitude
    cv2.magnitude = _exact_magnitude
    try:
        mx, mn, px, pn, values = compare(pattern, calls, WatermarkEmbedder, _OldEmbedder)
    finally:
        cv2.magnitude = magnitude
    name = "new against old, cv2.magnitude exact"
    print(f"{name:<40} {mx:16.3g} {mn:>8} of {values / 1e6:5.0f} M {px:11.0f} {pn:>8} of {values / 1e6:5.0f} M")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
