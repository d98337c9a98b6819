"""What judging a background video from its header costs: memory and time of
api/asset_video.read_video_header (FFmpeg's probing told to decode nothing,
``skip_frame=all``) beside a plain ``av.open`` (which decodes a frame to fill
in stream details), on the hostile files of the test suite.

    python benchmarks/video_header_probe.py

Each probe runs in a fresh process so its peak RSS is its own. Prints a table.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBE = """
import io, json, resource, sys, time
import av
from api.asset_video import read_video_header
data = open(sys.argv[1], "rb").read()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if sys.argv[2] == "header":
    header = read_video_header(data)
    said = f"{header.width}x{header.height} {header.fps:g} fps {header.duration_s:g} s"
else:
    with av.open(io.BytesIO(data)) as c:
        s = c.streams.video[0]
        said = f"{s.width}x{s.height} {float(s.average_rate):g} fps"
took = time.perf_counter() - start
print(json.dumps({"said": said, "ms": took * 1000,
                  "rss_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024}))
"""


def main() -> None:
    from tests import composition_files as files

    cases = {
        "8K, 0.2 s (99 KB)": files.eight_k_video(),
        "10 hours at 1/60 fps (10 KB)": files.ten_hour_video(),
        "320x240 WebM, 1 s": files.video(fmt="webm"),
        "1920x1080, 2 s": files.video(1920, 1080, "25", 2.0),
    }
    print("| file | header says | way | ms | peak RSS growth (MB) |\n| --- | --- | --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        for name, data in cases.items():
            path = Path(folder) / "clip"
            path.write_bytes(data)
            for way in ("header", "plain av.open"):
                run = subprocess.run(
                    [sys.executable, "-c", PROBE, str(path), way.split()[0]],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                    env={"PYTHONPATH": str(ROOT)},
                )
                got = json.loads(run.stdout)
                print(f"| {name} | {got['said']} | {way} | {got['ms']:.1f} | {got['rss_mb']:.1f} |")


if __name__ == "__main__":
    main()
