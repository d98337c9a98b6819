"""What POST /v1/previews costs: the still of a composed 1080p (and 9:16, and 4K) job body, through the
whole API (authentication, the checks of POST /v1/jobs, the drawing, the PNG), on SQLite with local storage.

    python benchmarks/previews.py [runs]

The first request of a portrait pays for its analysis and matte (kept in memory, and the matte in storage);
the composer's later requests, as a person changes other fields, are the warm ones. Prints a table of
p50/p95 over the runs, wall and CPU (the machine's other load shows in wall, not in CPU).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {
    "16:9 1920x1080, colour, lower third, word captions": {
        "canvas": {"width": 1920, "height": 1080},
        "character": {"scale": 0.8, "offset": {"x": -0.5, "y": 0.2}},
        "background": {"type": "color", "color": "#1f2937"},
        "overlays": [{"type": "text", "role": "lower_third", "text": "Flood warning: the valley"}],
        "captions": {"burn_in": True, "style": "word"},
    },
    "16:9 1920x1080, portrait background (blurred)": {
        "canvas": {"width": 1920, "height": 1080},
        "background": {"type": "portrait"},
        "captions": {"burn_in": True, "style": "subtitle"},
    },
    "9:16 1080x1920, transparent (webm)": {
        "canvas": {"width": 1080, "height": 1920},
        "background": {"type": "transparent"},
        "output_format": "webm",
    },
    "16:9 3840x2160, colour, lower third": {
        "canvas": {"width": 3840, "height": 2160},
        "background": {"type": "color", "color": "#1f2937"},
        "overlays": [{"type": "text", "role": "lower_third", "text": "Flood warning: the valley"}],
    },
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(runs: int) -> None:
    from api.app import create_app
    from domain.config import Settings
    from domain.db import session_factory, upgrade
    from domain.tenants import create_key, get_or_create_tenant
    from tests.stubs import RecordingSender

    tmp = Path(tempfile.mkdtemp())
    settings = Settings.from_env({}, data_dir=tmp / "data", pools=("cpu",))
    upgrade(settings)
    app = create_app(settings, sender=RecordingSender())
    with session_factory(settings)() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "bench"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    base = {"script": "Tonight: the river rose two metres and the old bridge is closed.", "avatar": "astronaut"}

    def once(body: dict) -> tuple[float, float, int]:
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.post("/v1/previews", json={**base, **body, "at_s": 1.0}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return time.perf_counter() - wall, time.process_time() - cpu, len(response.data)

    first = once(CASES[next(iter(CASES))])  # the portrait's analysis and matte, once
    print(
        f"POST /v1/previews, {runs} runs per row after one warm-up; first request of the portrait "
        f"(analysis and matte): {first[0] * 1000:.0f} ms wall\n"
    )
    print("| body | p50 wall ms | p95 wall ms | p50 CPU ms | PNG KB |")
    print("|---|---:|---:|---:|---:|")
    for name, body in CASES.items():
        once(body)
        samples = [once(body) for _ in range(runs)]
        walls, cpus = [s[0] * 1000 for s in samples], [s[1] * 1000 for s in samples]
        print(
            f"| {name} | {statistics.median(walls):.0f} | {pct(walls, 0.95):.0f} | {statistics.median(cpus):.0f} "
            f"| {samples[-1][2] / 1024:.0f} |"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
