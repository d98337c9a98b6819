"""What a brand kit's intro and outro cost a composed job: the same job with the
default kit (nothing but the watermark) and with a kit that adds a 2 s intro and
a 2 s outro joined by 0.5 s crossfades, submitted through the API and rendered
by the real worker stages, one process, on this machine.

    PYTHONPATH=. python benchmarks/brand_kit.py [--canvas 1280x720] [--fps 25]

Prints a table: wall seconds of the whole attempt, of the intro and outro stage
(decode, mark, encode, per cut), of the final join, and the video's length.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCRIPT = "Good evening. Here is the news from the farm, where the harvest came in early this year."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--canvas", default="1280x720")
    parser.add_argument("--fps", type=int, default=25)
    args = parser.parse_args()
    width, height = (int(side) for side in args.canvas.lower().split("x"))

    from api.app import create_app
    from domain import lifecycle
    from domain.config import Settings
    from domain.db import session_factory, upgrade
    from domain.models import Job
    from domain.tenants import create_key, get_or_create_tenant
    from storage import open_storage
    from tests import brand_files
    from tests.stubs import RecordingSender, StubControl
    from tests.unit.api.bearer import client
    from tests.unit.compose.jobs import Services
    from workers.pipeline import run_pipeline

    root = Path(tempfile.mkdtemp(prefix="brand-bench-"))
    settings = Settings.from_env({}, data_dir=root / "data", pools=("cpu",))
    upgrade(settings)
    services = Services(settings, session_factory(settings), open_storage(settings))
    with services.sessions() as session, session.begin():
        api = client(
            create_app(settings, sender=RecordingSender()), create_key(session, get_or_create_tenant(session, "bench"))
        )

    def upload(data: bytes, name: str) -> str:
        response = api.post(
            "/v1/assets",
            data={"file": (io.BytesIO(data), name), "purpose": "background"},
            content_type="multipart/form-data",
        )
        return str(response.get_json()["id"])

    kit = api.post(
        "/v1/brand-kits",
        json={
            "name": "clips",
            "intro_asset_id": upload(brand_files.sting("0xc02020", 2.0), "intro.mp4"),
            "outro_asset_id": upload(brand_files.sting("0xe0c020", 2.0), "outro.mp4"),
            "transition": {"type": "crossfade", "duration": 0.5},
        },
    ).get_json()

    def run(kit_id: str | None) -> tuple[float, dict, dict]:
        body = {
            "script": SCRIPT,
            "avatar": "astronaut",
            "canvas": {"width": width, "height": height},
            "background": {"type": "color", "color": "#1f2937"},
            "params": {"fps": args.fps},
            **({"brand_kit_id": kit_id} if kit_id else {}),
        }
        job_id = api.post("/v1/jobs", json=body).get_json()["id"]
        with services.sessions() as session, session.begin():
            session.get(Job, job_id).not_before = None
            claim = lifecycle.claim(session, job_id, "bench", 600)
        started = time.perf_counter()
        output, timings = run_pipeline(StubControl(claim), services)
        return time.perf_counter() - started, output, timings

    run(None)  # warm: models, voice, matte cache
    rows = [("default kit (no clips)", *run(None)), ("intro + outro, 2 s each", *run(kit["id"]))]
    print(f"{width}x{height} at {args.fps} fps, {Path('/proc/cpuinfo').read_text().count('processor')} cores")
    print(f"{'job':<26}{'wall s':>8}{'clips s':>9}{'encode s':>10}{'video s':>9}")
    for name, wall, output, timings in rows:
        print(
            f"{name:<26}{wall:>8.2f}{timings.get('brand_clips', 0.0):>9.2f}{timings.get('encode', 0.0):>10.2f}"
            f"{output['duration_s']:>9.2f}"
        )


if __name__ == "__main__":
    main()
