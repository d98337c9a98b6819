"""A client generated from /openapi.json works, as a CMS team would make
one: openapi-python-client reads the live API's spec without dropping a
schema, and the generated client submits a job, polls it to the end, and
lists jobs, against a real farm."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration

PACKAGE = "talkfarm_client"


def generate(spec_url: str, dest: Path) -> subprocess.CompletedProcess:
    dest.parent.mkdir(parents=True, exist_ok=True)
    spec = dest.parent / "openapi.json"
    spec.write_bytes(requests.get(spec_url, timeout=30).content)
    config = dest.parent / "openapi-client.yaml"
    config.write_text(f"project_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\npost_hooks: []\n")
    tool = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent)) or "openapi-python-client"
    return subprocess.run(
        [tool, "generate", "--path", str(spec), "--output-path", str(dest), "--config", str(config), "--meta", "none"],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_generated_client_submits_polls_and_lists_jobs(real_settings, farm_factory, tmp_path, monkeypatch):
    farm = farm_factory(real_settings)
    key = farm.create_key("cms")
    generated = generate(farm.url + "/openapi.json", tmp_path / "generated" / PACKAGE)
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "Warning" not in output and "Unable to process" not in output and "duplicate" not in output, output

    monkeypatch.syspath_prepend(str(tmp_path / "generated"))
    client_mod = importlib.import_module(f"{PACKAGE}.client")
    models = importlib.import_module(f"{PACKAGE}.models")
    submit = importlib.import_module(f"{PACKAGE}.api.jobs.post_v1_jobs")
    read = importlib.import_module(f"{PACKAGE}.api.jobs.get_v1_jobs_job_id")
    listing = importlib.import_module(f"{PACKAGE}.api.jobs.get_v1_jobs")
    client = client_mod.AuthenticatedClient(base_url=farm.url, token=key, raise_on_unexpected_status=True)

    body = models.JobRequest.from_dict(
        {"script": "Hello from a generated client.", "avatar": "astronaut", "params": {"resolution": 128, "fps": 25}}
    )
    job = submit.sync(client=client, body=body)
    assert isinstance(job, models.Job), job
    assert job.status == models.JobStatus.QUEUED and job.id.startswith("job_")

    deadline = time.monotonic() + 240
    while job.status not in (models.JobStatus.SUCCEEDED, models.JobStatus.FAILED, models.JobStatus.CANCELED):
        assert time.monotonic() < deadline, f"{job.id} still {job.status}"
        time.sleep(0.5)
        job = read.sync(client=client, job_id=job.id)
        assert isinstance(job, models.Job), job
    assert job.status == models.JobStatus.SUCCEEDED, farm.logs("worker-1")[-3000:]
    assert job.output.width == 128 and job.output.duration_s > 0.5 and job.output.url.startswith("http")

    page = listing.sync(client=client)
    assert isinstance(page, models.JobList)
    assert [item.id for item in page.items] == [job.id]

    # the problems are typed too: another tenant's view of the job is a 404 Problem with its code
    other = client_mod.AuthenticatedClient(base_url=farm.url, token=farm.create_key("other"))
    problem = read.sync(client=other, job_id=job.id)
    assert isinstance(problem, models.Problem) and problem.code == "job_not_found"


def test_a_generated_client_composes_a_job_field_by_field(sqlite_settings, sessions, tmp_path, monkeypatch):
    """Issue 18's fields through a client generated from /openapi.json (the API on SQLite in a thread, no worker):
    the typed models carry canvas, scenes, overlays, captions and renditions, and a bad one comes back as a
    typed Problem with its code. Its assets are listed with their quota."""
    import threading

    from werkzeug.serving import make_server

    from api.app import create_app
    from domain.tenants import create_key, get_or_create_tenant
    from tests.stubs import RecordingSender

    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "cms"))
    server = make_server("127.0.0.1", 0, create_app(sqlite_settings, sender=RecordingSender()), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        generated = generate(base + "/openapi.json", tmp_path / "generated" / PACKAGE)
        assert generated.returncode == 0, generated.stdout + generated.stderr
        monkeypatch.syspath_prepend(str(tmp_path / "generated"))
        client_mod = importlib.import_module(f"{PACKAGE}.client")
        models = importlib.import_module(f"{PACKAGE}.models")
        submit = importlib.import_module(f"{PACKAGE}.api.jobs.post_v1_jobs")
        client = client_mod.AuthenticatedClient(base_url=base, token=key)

        body = models.JobRequest.from_dict(
            {
                "canvas": {"width": 1920, "height": 1080},
                "output_format": "webm",
                "captions": {"burn_in": True, "style": "word"},
                "renditions": [{"canvas": {"width": 1080, "height": 1920}}],
                "scenes": [
                    {
                        "script": "Good evening.",
                        "avatar": "astronaut",
                        "background": {"type": "color", "color": "#1f2937"},
                        "overlays": [{"type": "text", "text": "Jane Doe", "role": "lower_third", "end": 3.0}],
                    },
                    {
                        "script": "And now the weather.",
                        "avatar": "cameraman",
                        "transition": {"type": "crossfade", "duration": 0.5},
                    },
                ],
            }
        )
        assert isinstance(body.scenes[0], models.Scene) and body.canvas.width == 1920
        job = submit.sync(client=client, body=body)
        assert isinstance(job, models.Job), job
        composition = job.spec.to_dict()["composition"]
        assert len(composition["scenes"]) == 2 and composition["renditions"][0]["canvas"]["height"] == 1920

        odd = submit.sync(
            client=client,
            body=models.JobRequest.from_dict(
                {"script": "Hi.", "avatar": "astronaut", "canvas": {"width": 1921, "height": 1080}}
            ),
        )
        assert isinstance(odd, models.Problem) and odd.code == "canvas_invalid"

        listing = importlib.import_module(f"{PACKAGE}.api.assets.get_v1_assets").sync(client=client, limit=10)
        assert isinstance(listing, models.AssetList), listing
        assert listing.items == [] and listing.quota.assets_used == 0 and listing.next_cursor is None
    finally:
        server.shutdown()
