"""What a draft costs next to the final render, on one worker.

For each round: a final rendered straight away (script A, cold TTS), a draft
of script B (cold TTS), then the final that approving that draft makes
(script B again: its speech comes from the TTS cache the draft filled).
Runs a farm of real processes on embedded defaults (SQLite, the SQLite
broker, a storage folder) in a temporary data dir, one worker running one
job at a time, so the times are the job's own.

    python benchmarks/draft_cost.py                      # 512², 25 fps, one round
    python benchmarks/draft_cost.py --resolution 1024 --rounds 2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.render import SCRIPTS, one_worker_farm  # noqa: E402


def wait(client, job_id: str) -> tuple[dict, float]:
    started = time.perf_counter()
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "canceled"):
            if job["status"] != "succeeded":
                raise SystemExit(f"{job_id} {job['status']}: {job.get('error')}")
            return job, time.perf_counter() - started
        time.sleep(0.05)


def row(kind: str, job: dict, total_s: float) -> dict:
    out, drawn = job["output"], (job["spec"].get("draft_render") or {})
    timings = job["timings"]
    cpu = sum(timings.get(k, 0.0) for k in ("tts_cpu", "render_cpu", "watermark_cpu", "x264_cpu"))
    return {
        "kind": kind,
        "size": f"{out['width']}²",
        "drawn_fps": drawn.get("fps", round(out["fps"])),
        "video_s": out["duration_s"],
        "total_s": total_s,
        "ratio": total_s / out["duration_s"],
        "cpu_s": cpu,
        "mib": out["bytes"] / 2**20,
        **timings,
    }


def run(resolution: int, fps: int, rounds: int) -> list[dict]:
    rows = []
    with one_worker_farm("talkfarm-draft-bench-") as (_, client):
        params = {"resolution": resolution, "fps": fps}
        # a first job loads the voice and the model: not measured
        wait(
            client,
            client.post("/v1/jobs", json={"script": "Warming up.", "avatar": "astronaut", "params": params}).json()[
                "id"
            ],
        )
        for r in range(rounds):
            a = SCRIPTS[(2 * r) % len(SCRIPTS)] + f" Round {r}."
            b = SCRIPTS[(2 * r + 1) % len(SCRIPTS)] + f" Round {r}."
            t0 = time.perf_counter()
            job = client.post("/v1/jobs", json={"script": a, "avatar": "astronaut", "params": params}).json()
            rows.append(row("final, no draft", *_timed(client, job["id"], t0)))
            t0 = time.perf_counter()
            draft = client.post(
                "/v1/jobs", json={"script": b, "avatar": "astronaut", "params": params, "draft": True}
            ).json()
            rows.append(row("draft", *_timed(client, draft["id"], t0)))
            t0 = time.perf_counter()
            final = client.post(f"/v1/jobs/{draft['id']}/approve").json()
            rows.append(row("final from draft", *_timed(client, final["id"], t0)))
    return rows


def _timed(client, job_id: str, t0: float) -> tuple[dict, float]:
    job, _ = wait(client, job_id)
    return job, time.perf_counter() - t0


COLUMNS = [
    ("kind", "job", "{:<16}"),
    ("size", "size", "{:>5}"),
    ("drawn_fps", "drawn fps", "{:>9}"),
    ("video_s", "video s", "{:>7.1f}"),
    ("total_s", "submit→done s", "{:>13.2f}"),
    ("ratio", "× video", "{:>7.2f}"),
    ("cpu_s", "cpu s", "{:>6.1f}"),
    ("tts", "tts s", "{:>6.2f}"),
    ("render_cpu", "render cpu", "{:>10.2f}"),
    ("watermark_cpu", "wmark cpu", "{:>9.2f}"),
    ("x264_cpu", "x264 cpu", "{:>8.2f}"),
    ("render_encode", "seg loop", "{:>8.2f}"),
    ("encode", "join+aac", "{:>8.2f}"),
    ("mib", "MiB", "{:>5.2f}"),
]


def print_table(rows: list[dict]) -> None:
    print(" | ".join(title for _, title, _ in COLUMNS))
    print(" | ".join("-" * len(title) for _, title, _ in COLUMNS))
    for r in rows:
        print(" | ".join(fmt.format(r.get(key, float("nan"))) for key, _, fmt in COLUMNS))
    finals = [r for r in rows if r["kind"] == "final, no draft"]
    drafts = [r for r in rows if r["kind"] == "draft"]
    approved = [r for r in rows if r["kind"] == "final from draft"]

    def mean(rs, key):
        return sum(r[key] / r["video_s"] for r in rs) / len(rs)

    print(
        f"\nper second of video: draft {mean(drafts, 'total_s'):.2f} s wall, {mean(drafts, 'cpu_s'):.2f} s CPU; "
        f"final {mean(finals, 'total_s'):.2f} s wall, {mean(finals, 'cpu_s'):.2f} s CPU; "
        f"draft / final = {mean(drafts, 'total_s') / mean(finals, 'total_s'):.0%} wall, "
        f"{mean(drafts, 'cpu_s') / mean(finals, 'cpu_s'):.0%} CPU. A final from an approved draft: "
        f"{mean(approved, 'total_s'):.2f} s wall per second of video (its speech is a TTS-cache hit)."
    )
    print("cpu s: TTS + renderer + watermarks + x264, CPU seconds. tts s: wall time of speech synthesis.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resolution", type=int, default=512)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print_table(run(args.resolution, args.fps, args.rounds))


if __name__ == "__main__":
    main()
