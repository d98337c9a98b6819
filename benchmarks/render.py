"""End to end: submit a ~20-second script, time it from submit to succeeded,
and break the time down by stage; also the worker's peak memory.

Runs a farm of real processes on embedded defaults (SQLite, the SQLite
broker, a storage folder) in a temporary data dir: `talkfarm api`, one
`talkfarm worker`, the scheduler. Each resolution gets a fresh worker, so
its first job pays the voice load; the table shows that first (cold) job and
then warm ones, whose TTS comes from a new script (no cache hits).

    python benchmarks/render.py                       # 512² and 1024², 25 fps
    python benchmarks/render.py --resolution 512 --runs 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.config import Settings  # noqa: E402
from tests.conftest import settings_env  # noqa: E402
from tests.farm import Farm  # noqa: E402

#: about 20 seconds of speech each; different texts so TTS never hits the cache
SCRIPTS = [
    "Good evening. The city council approved a new plan for public transport tonight. Buses will run every ten "
    "minutes on the busiest routes, starting in the spring. Cycle lanes will join the two bridges by the end of the "
    "year, and the old tram depot becomes a park. We will have more on this after the break.",
    "In sport, the home team won its third match in a row on Saturday. The coach praised the young defenders, who "
    "kept a clean sheet against the league leaders. Tickets for the cup final go on sale on Monday morning, and the "
    "club expects them to sell out within the hour. That is all from the sports desk tonight.",
    "The weather turns colder this weekend. Expect light snow on the hills on Friday night, and icy roads on "
    "Saturday morning. Temperatures climb again from Sunday afternoon, with rain for most of next week. Farmers "
    "welcome the rain after a dry autumn, but commuters should leave a little earlier than usual.",
    "Scientists at the university have mapped the river's fish for the first time in thirty years. They found "
    "salmon returning to streams where none had been seen since the eighties. The team credits cleaner water and the "
    "removal of two old weirs. Their full report will be published in the spring, with a public talk in April.",
]


def worker_peak_rss_mib(farm: Farm) -> float:
    pid = farm.procs["worker-1"].pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def long_script(minutes: float) -> str:
    """About `minutes` of speech, each sentence different (numbered), so no TTS cache hits."""
    sentences = [s for text in SCRIPTS for s in text.split(". ")]
    out, i = [], 0
    while len(" ".join(out)) < minutes * 60 * 15:  # ~15 characters a second
        out.append(f"Item {i}: {sentences[i % len(sentences)].rstrip('.')}.")
        i += 1
    return " ".join(out)


@contextmanager
def one_worker_farm(prefix: str) -> Iterator[tuple[Farm, Any]]:
    """A farm of real processes (one worker, one job at a time, no webhooks) on a fresh database in a
    temporary directory named ``prefix``…, and a client with a new key; stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        settings = Settings.from_env({}, data_dir=Path(tmp) / "data")
        from domain.db import upgrade

        upgrade(settings)
        farm = Farm(settings, settings_env(settings), Path(tmp) / "logs", workers=1, concurrency=1, webhooks=False)
        farm.start()
        try:
            yield farm, farm.client(farm.create_key("bench"))
        finally:
            farm.stop()


def run(resolution: int, runs: int, fps: int, long_minutes: float = 0.0) -> list[dict]:
    rows = []
    with one_worker_farm("talkfarm-bench-") as (farm, client):
        for i in range(runs + (1 if long_minutes else 0)):
            script = SCRIPTS[(i + resolution) % len(SCRIPTS)] + f" Bulletin {resolution}-{i}."
            if i == runs:
                script = long_script(long_minutes)
            submitted = time.perf_counter()
            job = client.post(
                "/v1/jobs",
                json={"script": script, "avatar": "astronaut", "params": {"resolution": resolution, "fps": fps}},
            ).json()
            started = None
            while True:
                job = client.get(f"/v1/jobs/{job['id']}").json()
                if started is None and job["status"] != "queued":
                    started = time.perf_counter()
                if job["status"] in ("succeeded", "failed", "canceled"):
                    break
                time.sleep(0.05)
            total = time.perf_counter() - submitted
            if job["status"] != "succeeded":
                raise SystemExit(f"job failed: {job['error']}\n{farm.logs('worker-1')[-2000:]}")
            duration = job["output"]["duration_s"]
            rows.append(
                {
                    "resolution": resolution,
                    "run": "long" if i == runs else ("cold" if i == 0 else "warm"),
                    "video_s": duration,
                    "total_s": total,
                    "ratio": total / duration,
                    "queued_s": (started or submitted) - submitted,
                    **job["timings"],
                    "peak_rss_mib": worker_peak_rss_mib(farm),
                }
            )
    return rows


COLUMNS = [
    ("resolution", "res", "{:>5}"),
    ("run", "run", "{:>5}"),
    ("video_s", "video s", "{:>7.1f}"),
    ("total_s", "submit→done s", "{:>13.2f}"),
    ("ratio", "× video", "{:>7.2f}"),
    ("tts", "tts s", "{:>6.2f}"),
    ("tts_wait", "tts wait", "{:>8.2f}"),
    ("render_cpu", "render cpu", "{:>10.2f}"),
    ("watermark_cpu", "wmark cpu", "{:>9.2f}"),
    ("x264_cpu", "x264 cpu", "{:>8.2f}"),
    ("render_encode", "seg loop", "{:>8.2f}"),
    ("encode", "join+aac", "{:>8.2f}"),
    ("extras", "poster+cc", "{:>9.2f}"),
    ("upload", "upload", "{:>6.2f}"),
    ("peak_rss_mib", "peak MiB", "{:>8.0f}"),
]


def print_table(rows: list[dict]) -> None:
    print(" | ".join(title for _, title, _ in COLUMNS))
    print(" | ".join("-" * len(title) for _, title, _ in COLUMNS))
    for row in rows:
        print(" | ".join(fmt.format(row.get(key, float("nan"))) for key, _, fmt in COLUMNS))
    print(
        "\nseconds per job. tts: wall time of speech synthesis (runs one segment ahead, in its own thread; tts wait ="
        " time the frame loop waited for it). render cpu / wmark cpu: CPU time of the renderer and of both watermarks;"
        " x264 cpu: CPU time of the ffmpeg encoder processes. seg loop: wall time of the per-segment loop (render,"
        " watermarks and x264 overlapped). join+aac: concatenating segments and encoding the audio."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resolution", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument(
        "--long-minutes",
        type=float,
        default=0.0,
        help="after the runs, one job this long on the same worker (peak memory should not grow)",
    )
    args = parser.parse_args()
    rows = []
    for resolution in args.resolution:
        rows += run(resolution, args.runs, args.fps, args.long_minutes)
    print_table(rows)


if __name__ == "__main__":
    main()
