"""No job waits forever, with real processes: a job that fails twice on the
only worker of its pool is blocklisted there; while it waits, /metrics counts
it as stranded; once TALKFARM_POOL_EMPTY_FAIL_AFTER_S has passed the
scheduler fails it ``no_worker_available`` (before, it stayed queued for good).
The farm logs JSON (TALKFARM_LOG_FORMAT=json): each failure is one line
naming its job, tenant, attempt, worker and code."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import datetime

import pytest
import requests

from tests.services import wait_for

pytestmark = pytest.mark.integration

LIMIT_S = 6.0


def _stranded_on_metrics(url: str) -> float:
    for line in requests.get(url + "/metrics", timeout=5).text.splitlines():
        if line.startswith('talkfarm_pool_stranded_jobs{pool="cpu"}'):
            return float(line.split()[-1])
    return 0.0


def test_a_job_its_only_worker_blocklisted_ends_failed_within_the_limit(real_settings, farm_factory):
    from domain.models import Asset, Tenant
    from domain.presets import preset_path
    from media.render.face import analyze_portrait
    from storage import open_storage

    settings = dataclasses.replace(
        real_settings, pool_empty_fail_after_s=LIMIT_S, job_max_failures=5, log_format="json"
    )
    farm = farm_factory(settings, workers=1, concurrency=1, webhooks=False)
    key = farm.create_key("newsroom")

    # A portrait whose stored analysis is for another image: each attempt fails
    # internal_error (retried), as a bug in one worker would. Two failures
    # blocklist the job on the pool's only worker.
    image = preset_path("astronaut").read_bytes()
    info = {**analyze_portrait(image).to_dict(), "width": 17}
    with farm.sessions() as session, session.begin():
        tenant_id = session.query(Tenant).filter_by(name="newsroom").one().id
        asset = Asset(
            tenant_id=tenant_id,
            kind="image",
            content_type="image/png",
            bytes=len(image),
            sha256="0" * 64,
            storage_key=f"assets/{tenant_id}/mismatched",
            info=info,
        )
        session.add(asset)
        session.flush()
        asset_id = asset.id
    open_storage(settings).put_bytes(f"assets/{tenant_id}/mismatched", image, "image/png")

    client = farm.client(key)
    response = client.post("/v1/jobs", json={"script": "Hello.", "avatar": asset_id, "params": {"resolution": 128}})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]

    seen_stranded = False
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] == "failed":
            break
        seen_stranded = seen_stranded or _stranded_on_metrics(farm.url) == 1.0
        time.sleep(0.3)
    else:
        pytest.fail(f"{job_id} still {job['status']} after 240 s:\n{farm.logs('scheduler')[-3000:]}")

    assert job["error"]["code"] == "no_worker_available", job["error"]
    assert seen_stranded, "/metrics never counted the blocklisted job as stranded while it waited"
    events = client.get(f"/v1/jobs/{job_id}/events").json()["items"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("retrying") == 2 and kinds[-1] == "failed", kinds
    assert len({e["worker"] for e in events if e["kind"] == "retrying"}) == 1  # both on the only worker
    last_retry = max(datetime.fromisoformat(e["at"]) for e in events if e["kind"] == "retrying")
    ended = datetime.fromisoformat(next(e["at"] for e in events if e["kind"] == "failed"))
    assert (ended - last_retry).total_seconds() >= LIMIT_S  # it was given the whole limit to find a worker
    # /metrics is recomputed at most every TALKFARM_METRICS_MIN_INTERVAL_S (5 s): wait out one interval
    wait_for(lambda: _stranded_on_metrics(farm.url) == 0.0, 15, "/metrics to stop counting the job as stranded")

    # the reasons are in the logs as searchable JSON events, not only in a plain-text traceback
    worker_events = _json_events(farm.logs("worker-1"))
    failures = [e for e in worker_events if e.get("job_id") == job_id and e.get("code") == "internal_error"]
    assert len(failures) == 2, [e for e in worker_events if e.get("job_id") == job_id]
    assert {e["attempt"] for e in failures} == {1, 2}
    assert all(e["tenant_id"] == tenant_id and e["worker_id"] and "portrait_info" in e["exc"] for e in failures)
    stranded_events = [e for e in _json_events(farm.logs("scheduler")) if e.get("code") == "no_worker_available"]
    assert [e["job_id"] for e in stranded_events] == [job_id]


def _json_events(log: str) -> list[dict]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]
