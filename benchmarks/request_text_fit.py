"""What the API spends accepting a composed job at every text limit, and previewing one of its scenes.

The body is the one the API's QA sent (2026-12-08): 50 scenes, each with 20 labels of 500 distinct characters
at size 8, on a 3840x2160 canvas with four renditions. It goes through the app in this process (Flask's test
client, SQLite, no broker), so the CPU seconds are the request's own. Before ``TEXT_FIT_CHARS`` the job took
4.8 CPU-s to accept; the text fit checks were nearly all of it.

    python benchmarks/request_text_fit.py
"""

from __future__ import annotations

import random
import string
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.app import create_app  # noqa: E402
from domain.config import Settings  # noqa: E402
from domain.db import session_factory, upgrade  # noqa: E402
from domain.tenants import create_key, get_or_create_tenant  # noqa: E402
from tests.stubs import RecordingSender  # noqa: E402

WORDS = "the quick brown fox jumps over a lazy dog and then it runs home".split()


def body(scenes: int = 50, overlays: int = 20, seed: int = 1) -> dict:
    """Texts differ with ``seed``: a text measured once is remembered by the process."""
    rng = random.Random(seed)

    def text(n: int) -> str:
        return "".join(rng.choice(string.ascii_letters + "     ") for _ in range(n)).strip() or "x"

    script = " ".join(rng.choice(WORDS) for _ in range(80))[:399] + "."
    return {
        "canvas": {"width": 3840, "height": 2160},
        "scenes": [
            {
                "script": script,
                "avatar": "astronaut",
                "language": "en-us",
                "overlays": [{"type": "text", "text": text(500), "role": "label", "size": 8} for _ in range(overlays)],
            }
            for _ in range(scenes)
        ],
        "renditions": [
            {"canvas": {"width": w, "height": h}} for w, h in ((1080, 1920), (1920, 1080), (1080, 1080), (720, 1280))
        ],
    }


def main() -> None:
    settings = Settings.from_env({}, data_dir=Path(tempfile.mkdtemp(prefix="text-fit-")))
    upgrade(settings)
    with session_factory(settings)() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "qa"))
    client = create_app(settings, sender=RecordingSender()).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    client.post("/v1/jobs", json=body(1, 1, seed=0))  # fonts and caches loaded, as in a serving process
    print(f"{'request':40s} {'status':>6s} {'CPU s':>6s} {'wall s':>6s}")
    for name, route, sent in (
        ("POST /v1/jobs, 50 scenes x 20 labels", "/v1/jobs", body()),
        ("POST /v1/previews, 1 scene x 20 labels", "/v1/previews", body(1, seed=2)),
    ):
        cpu, wall = time.process_time(), time.perf_counter()
        status = client.post(route, json=sent).status_code
        print(f"{name:40s} {status:6d} {time.process_time() - cpu:6.2f} {time.perf_counter() - wall:6.2f}")


if __name__ == "__main__":
    main()
