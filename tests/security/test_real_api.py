"""Issue 21's scenarios replayed against a real `talkfarm api` (gunicorn, its
own process), measuring what the server holds: its peak memory (VmHWM) and
its threads, read from /proc. The webhook scenarios run against receivers on
loopback in tests/security/test_webhook_delivery.py; here the API's side."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.farm import lone_api

pytestmark = pytest.mark.integration

METRICS_KEY = "scrape-key-for-the-test"


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (gunicorn's master and workers)."""
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            frontier += [int(c) for c in children]
    return found


def _status(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+)", text, re.M).group(1))


def usage(pid: int) -> dict[str, int]:
    """Peak resident memory (MiB, the largest process) and threads (all processes) of the server."""
    pids = _tree(pid)
    return {
        "peak_mib": max(_status(p, "VmHWM") for p in pids) // 1024,
        "threads": sum(_status(p, "Threads") for p in pids),
    }


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    pids: list[int] = []
    settings = {
        "TALKFARM_METRICS_KEY": METRICS_KEY,
        "TALKFARM_METRICS_ALLOW_FROM": "192.0.2.0/24",
        "TALKFARM_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
    }
    with lone_api(tmp_path_factory.mktemp("security"), "mallory", processes=1, settings=settings, pids=pids) as (
        base,
        _,
        key,
    ):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        yield base, session, pids[0]


def test_a_batch_built_to_expand_to_gigabytes_is_a_422_and_the_server_stays_small(api):
    base, tenant, pid = api
    before = usage(pid)
    # 500 KB of template and 100 items of 30 KB: 3 GB per item once filled; the body is 3.5 MB
    body = {
        "template": "{{a}}" * 100_000,
        "defaults": {"avatar": "astronaut"},
        "jobs": [{"variables": {"a": "y" * 30_000}} for _ in range(100)],
    }
    response = tenant.post(base + "/v1/batches", json=body, timeout=120)
    assert response.status_code == 422, response.text[:300]
    problem = response.json()
    assert problem["code"] == "batch_invalid"
    assert {e["code"] for e in problem["errors"].values()} == {"template_too_large"}
    after = usage(pid)
    print(
        f"batch bomb: peak RSS {before['peak_mib']} -> {after['peak_mib']} MiB, "
        f"threads {before['threads']} -> {after['threads']}"
    )
    assert after["peak_mib"] - before["peak_mib"] < 300  # parsing a 3.5 MB body, not filling 300 GB
    assert after["threads"] <= before["threads"] + 4


def test_a_csv_upload_built_to_expand_is_refused_the_same_way(api):
    base, tenant, pid = api
    before = usage(pid)
    rows = "a\n" + "\n".join("z" * 30_000 for _ in range(100)) + "\n"
    response = tenant.post(
        base + "/v1/batches",
        files={"file": ("rows.csv", rows.encode())},
        data={"template": "{{a}}" * 100_000, "defaults": '{"avatar": "astronaut"}'},
        timeout=120,
    )
    assert response.status_code == 422 and response.json()["code"] == "batch_invalid", response.text[:300]
    assert usage(pid)["peak_mib"] - before["peak_mib"] < 300


def test_metrics_need_the_key_from_an_address_the_operator_did_not_allow(api):
    base, _, pid = api
    refused = requests.get(base + "/metrics", timeout=10)
    assert refused.status_code == 403 and refused.json()["code"] == "metrics_forbidden"
    before = usage(pid)
    keyed = [
        requests.get(base + "/metrics", headers={"Authorization": f"Bearer {METRICS_KEY}"}, timeout=10)
        for _ in range(200)
    ]
    assert all(r.status_code == 200 and "talkfarm_jobs" in r.text for r in keyed)
    assert len({r.text for r in keyed}) == 1  # one computation served them all (within the 5 s interval)
    assert usage(pid)["threads"] <= before["threads"] + 4


def test_webhook_listing_shows_no_secret(api):
    base, tenant, _ = api
    created = tenant.post(base + "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, timeout=10)
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    tenant.get(base + "/v1/webhooks", timeout=10)  # the first listing makes (and shows) the job secret
    listing = tenant.get(base + "/v1/webhooks", timeout=10).json()
    assert "whsec_" not in str(listing)


def test_a_signed_out_page_post_is_redirected_without_its_body_parsed(api):
    base, _, _ = api
    deep = b"[" * 1_500_000 + b"]" * 1_500_000
    response = requests.post(
        base + "/jobs/new", data=deep, headers={"Content-Type": "application/json"}, allow_redirects=False, timeout=30
    )
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]


def test_signing_out_makes_a_stolen_cookie_worthless(api):
    base, tenant, _ = api
    key = tenant.headers["Authorization"].split()[1]
    browser = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(base + "/sign-in", timeout=10).text).group(1)
    assert (
        browser.post(
            base + "/sign-in", data={"api_key": key, "csrf_token": token}, allow_redirects=False, timeout=10
        ).status_code
        == 303
    )
    thief = requests.Session()
    thief.cookies.set("talkfarm_session", browser.cookies["talkfarm_session"])
    assert thief.get(base + "/jobs", allow_redirects=False, timeout=10).status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(base + "/jobs", timeout=10).text).group(1)
    browser.post(base + "/sign-out", data={"csrf_token": token}, allow_redirects=False, timeout=10)
    assert thief.get(base + "/jobs", allow_redirects=False, timeout=10).status_code == 303


def test_a_batch_built_to_expand_is_a_422_on_postgresql(real_settings, farm_factory):
    farm = farm_factory(real_settings, workers=0, scheduler=False, webhooks=False)
    client = farm.client(farm.create_key("mallory"))
    body = {
        "template": "{{a}}" * 100_000,
        "defaults": {"avatar": "astronaut"},
        "jobs": [{"variables": {"a": "y" * 30_000}} for _ in range(20)],
    }
    response = client.post("/v1/batches", json=body, timeout=120)
    assert response.status_code == 422 and response.json()["code"] == "batch_invalid", response.text[:300]
    assert {e["code"] for e in response.json()["errors"].values()} == {"template_too_large"}


def test_other_tenants_webhooks_flow_while_one_receiver_trickles(real_settings, farm_factory):
    """A real farm (API, null render workers, the webhook worker and the scheduler, each its own
    process): tenant mallory's jobs announce to a receiver that trickles forever, tenant newsroom's
    to one that answers. Every newsroom delivery arrives; mallory's fail with the one no-answer text."""
    import dataclasses
    import time

    from tests.security.receivers import receiver

    settings = dataclasses.replace(real_settings, webhook_timeout_s=2.0)
    farm = farm_factory(settings, workers=1, concurrency=4, null_workers=True)
    mallory, newsroom = farm.client(farm.create_key("mallory")), farm.client(farm.create_key("newsroom"))
    with receiver("trickle") as slow, receiver("ok") as fast:
        for _ in range(12):
            for client, url in ((mallory, slow.url), (newsroom, fast.url)):
                job = client.post("/v1/jobs", json={"script": "Hello.", "avatar": "astronaut", "webhook_url": url})
                assert job.status_code == 202, job.text
        deadline = time.monotonic() + 180
        while fast.requests < 12 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert fast.requests == 12, f"newsroom got {fast.requests} of 12 while mallory's receiver trickled"
        assert slow.requests >= 1  # the trickler was really being hit meanwhile
    with farm.sessions() as session:
        from domain.models import WebhookDelivery

        errors = {
            d.last_error for d in session.query(WebhookDelivery).filter(WebhookDelivery.url == slow.url) if d.last_error
        }
    assert errors <= {
        "no_answer: the receiver gave no HTTP answer within 2 s.",
        "receiver_unavailable: the last attempts to this receiver got no answer; "
        "not tried until its circuit closes (retried on schedule).",
    }, errors
