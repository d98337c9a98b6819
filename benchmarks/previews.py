"""What POST /v1/previews costs: the still of a composed 1080p (and 9:16, and 4K) job body, through the
whole API (authentication, the checks of POST /v1/jobs, the drawing, the PNG), on SQLite with local storage.

    python benchmarks/previews.py [runs]    (--cold: only a new process's first preview; the script runs it itself)
    python benchmarks/previews.py --heavy   (only the heavy bodies and two tenants at once, below)

First the first requests, each once: of a process that has drawn nothing yet (mediapipe's import and the
language detector's model are in it), the server's start-up (``preload_language_detector`` and
``preload_presets``, as ``talkfarm api`` runs them before it takes requests), then a preset's first preview,
and the upload and first preview of a new portrait, 512 px and 3000×4000 (its analysis and matte are made by
the upload). Then the composer's later requests, as a person changes other fields: a table of p50/p95 over
the runs, wall and CPU (the machine's other load shows in wall, not in CPU).

Then the heavy bodies, once each: the security review's (20 titles of 480 characters at size 100 on 4K), four of
it at once, the heaviest a preview draws (one such title, and the longest title at size 50 on 1080p), and 20 logo
overlays of one 40 MP logo. Last, two tenants at once: tenant B sends six previews together, and tenant A one
trivial preview 0.3 s later; A's answer and its wait, and what B's six got.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
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


HEADLINE = ("Council approves the downtown park after a marathon debate and the river rises " * 7)[:480]
#: the security review's body: 8.8 s alone, ~17 s four at once, and another tenant's preview got 503 behind six
REVIEWED = {
    "canvas": {"width": 3840, "height": 2160},
    "background": {"type": "color", "color": "#1f2937"},
    "overlays": [{"type": "text", "role": "title", "text": HEADLINE, "size": 100} for _ in range(20)],
}
HEAVY = {
    "the review's: 4K, 20 titles of 480 characters at size 100": REVIEWED,
    "4K, one title of 480 characters at size 100": {
        **REVIEWED,
        "overlays": [{"type": "text", "role": "title", "text": HEADLINE, "size": 100}],
    },
    "1080p, one title of 480 characters at size 50": {
        **REVIEWED,
        "canvas": {"width": 1920, "height": 1080},
        "overlays": [{"type": "text", "role": "title", "text": HEADLINE, "size": 50}],
    },
}
#: what tenant B sends six of at once, while tenant A sends one trivial preview
TENANT_B = {
    "the review's body": REVIEWED,
    "4K, one title of 480 characters at size 100": HEAVY["4K, one title of 480 characters at size 100"],
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(runs: int, cold: bool = False, heavy: bool = False) -> None:
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

    if heavy:
        preload_language_detector()
        preload_presets()
        heavy_tables(app, client, headers, base, settings)
        return
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
    print()
    heavy_tables(app, client, headers, base, settings)


def heavy_tables(app, client, headers: dict, base: dict, settings) -> None:
    """The heavy bodies once each, then two tenants at once (see the module's doc)."""
    from domain.db import session_factory
    from domain.tenants import create_key, get_or_create_tenant

    def post(body: dict, key_headers: dict = headers) -> tuple[float, float, int, str]:
        """wall s, CPU s of the whole process (other threads' included), status, problem code"""
        wall, cpu = time.perf_counter(), time.process_time()
        response = app.test_client().post("/v1/previews", json={**base, **body, "at_s": 1.0}, headers=key_headers)
        code = "" if response.status_code == 200 else (response.get_json() or {}).get("code", "")
        return time.perf_counter() - wall, time.process_time() - cpu, response.status_code, code

    def answers(results: list) -> str:
        counted = Counter(f"{status}{' ' + code if code else ''}" for _, _, status, code in results)
        return ", ".join(f"{n} × {what}" for what, n in sorted(counted.items()))

    def together(bodies: list[tuple[dict, dict]], late: tuple[dict, dict] | None = None) -> tuple[list, list, float]:
        """Post every body at once from its own thread (and ``late`` 0.3 s after): each one's result, the late
        one's, and the wall time until the last answered."""
        results: list = [None] * len(bodies)
        last: list = []

        def run(i: int, body: dict, key_headers: dict) -> None:
            results[i] = post(body, key_headers)

        wall = time.perf_counter()
        threads = [threading.Thread(target=run, args=(i, b, h)) for i, (b, h) in enumerate(bodies)]
        for thread in threads:
            thread.start()
        if late is not None:
            time.sleep(0.3)
            last.append(post(*late))
        for thread in threads:
            thread.join()
        return results, last, time.perf_counter() - wall

    print("Heavy bodies, once each (CPU: the whole process's, so the others' at once are in it)\n")
    print("| body | wall ms | CPU ms | answer |")
    print("|---|---:|---:|---|")
    for name, body in HEAVY.items():
        wall, cpu, status, code = post(body)
        print(f"| {name} | {wall * 1000:.0f} | {cpu * 1000:.0f} | {status} {code} |")
        sys.stdout.flush()
    cpu = time.process_time()
    results, _, wall = together([(REVIEWED, headers)] * 4)
    print(
        f"| the review's, four at once | {wall * 1000:.0f} (slowest {max(r[0] for r in results) * 1000:.0f}) "
        f"| {(time.process_time() - cpu) * 1000:.0f} | {answers(results)} |"
    )
    logo = io.BytesIO()
    from PIL import Image

    Image.new("RGBA", (7990, 5000), (200, 30, 30, 255)).save(logo, format="PNG")
    form = {"file": (io.BytesIO(logo.getvalue()), "logo.png"), "purpose": "logo"}
    logo_id = client.post("/v1/assets", data=form, headers=headers).get_json()["id"]
    logos = {"overlays": [{"type": "image", "asset_id": logo_id, "anchor": "top_left", "scale": 0.1}] * 20}
    wall, cpu, status, code = post({"canvas": {"width": 1920, "height": 1080}, **logos})
    print(f"| 1080p, 20 logo overlays of one 40 MP logo | {wall * 1000:.0f} | {cpu * 1000:.0f} | {status} {code} |")
    sys.stdout.flush()

    with session_factory(settings)() as session, session.begin():
        tenant_a = {"Authorization": f"Bearer {create_key(session, get_or_create_tenant(session, 'bench-a'))}"}
    trivial = CASES[next(iter(CASES))]
    print("\nTwo tenants: B sends six previews at once, A one trivial preview (1080p, lower third) 0.3 s later\n")
    print("| B's six | A's answer | A's wall ms | B's answers | B's slowest wall ms |")
    print("|---|---|---:|---|---:|")
    for name, body in TENANT_B.items():
        results, (a_result,), _ = together([(body, headers)] * 6, late=(trivial, tenant_a))
        print(
            f"| {name} | {a_result[2]} {a_result[3]} | {a_result[0] * 1000:.0f} | {answers(results)} "
            f"| {max(r[0] for r in results) * 1000:.0f} |"
        )
        sys.stdout.flush()


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
    numbers = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    main(int(numbers[0]) if numbers else 20, "--cold" in sys.argv, "--heavy" in sys.argv)
