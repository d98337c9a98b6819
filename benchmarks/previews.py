"""What POST /v1/previews costs: the still of a composed 1080p (and 9:16, and 4K) job body, through the
whole API (authentication, the checks of POST /v1/jobs, the drawing, the PNG), on SQLite with local storage.

    python benchmarks/previews.py [runs]    (--cold: only a new process's first preview; the script runs it itself)

First the first requests, each once: of a process that has drawn nothing yet (mediapipe's import and the
language detector's model are in it), the server's start-up (``preload_language_detector`` and
``preload_presets``, as ``talkfarm api`` runs them before it takes requests), then a preset's first preview,
and the upload and first preview of a new portrait, 512 px and 3000×4000 (its analysis and matte are made by
the upload). Then the composer's later requests, as a person changes other fields: a table of p50/p95 over
the runs, wall and CPU (the machine's other load shows in wall, not in CPU).
"""

from __future__ import annotations

import io
import statistics
import subprocess
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


def main(runs: int, cold: bool = False) -> None:
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
    base = {"script": "Tonight: the river rose two metres and the old bridge is closed.", "avatar": "cameraman"}

    def timed(call) -> tuple[float, float, object]:
        wall, cpu = time.perf_counter(), time.process_time()
        response = call()
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return time.perf_counter() - wall, time.process_time() - cpu, response

    def once(body: dict) -> tuple[float, float, int]:
        wall, cpu, response = timed(
            lambda: client.post("/v1/previews", json={**base, **body, "at_s": 1.0}, headers=headers)
        )
        return wall, cpu, len(response.data)

    def upload(photo: bytes) -> tuple[float, float, str]:
        form = {"file": (io.BytesIO(photo), "portrait.jpg"), "purpose": "portrait"}
        wall, cpu, response = timed(lambda: client.post("/v1/assets", data=form, headers=headers))
        return wall, cpu, response.get_json()["id"]

    def row(what: str, wall: float, cpu: float) -> None:
        print(f"| {what} | {wall * 1000:.0f} | {cpu * 1000:.0f} |")

    from api.previews import preload_presets
    from media.tts import preload_language_detector

    first = CASES[next(iter(CASES))]
    if cold:  # only the first preview of a process that has drawn nothing yet, as a row of the parent's table
        row("a new process's first preview, without the start-up below (preset `cameraman`)", *once(first)[:2])
        return
    print("First requests, once each (16:9 1920x1080, colour background: the presenter cut out)\n")
    print("| request | wall ms | CPU ms |")
    print("|---|---:|---:|")
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "1", "--cold"], check=True, stderr=subprocess.DEVNULL)
    wall, cpu = time.perf_counter(), time.process_time()
    preload_language_detector()
    preload_presets()
    row(
        "server start-up: `preload_language_detector` + `preload_presets`",
        time.perf_counter() - wall,
        time.process_time() - cpu,
    )
    row("a preset's first preview after start-up (`cameraman`)", *once(first)[:2])
    for name, photo in portraits():
        wall, cpu, asset_id = upload(photo)
        row(f"upload of a new portrait, {name} (analysis and matte)", wall, cpu)
        row(f"its first preview, {name}", *once({**first, "avatar": asset_id})[:2])
        row(f"its second preview, {name}", *once({**first, "avatar": asset_id})[:2])
    print(f"\n{runs} runs per row after one warm-up (preset `cameraman`)\n")
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


def portraits() -> list[tuple[str, bytes]]:
    """New uploads: a preset photo as a JPEG (512 px), and the same enlarged to a phone's 3000×4000."""
    from PIL import Image

    from domain.presets import preset_path

    photo = Image.open(preset_path("cameraman")).convert("RGB")
    out = []
    for name, size in (("512x512", photo.size), ("3000x4000", (3000, 4000))):
        buffer = io.BytesIO()
        photo.resize(size, Image.Resampling.BICUBIC).save(buffer, format="JPEG", quality=90)
        out.append((name, buffer.getvalue()))
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, "--cold" in sys.argv)
