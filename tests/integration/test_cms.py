"""Playing a CMS: two tenants register webhook endpoints, submit batches (one
as JSON with a template, one as a CSV upload), poll with ETags, and receive
every event on a receiver that verifies every signature — while it answers
500 for a while."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from werkzeug.serving import make_server

from examples.cms_receiver import Inbox, make_app
from tests.services import free_port

pytestmark = pytest.mark.integration

N_PER_TENANT = 10


@pytest.fixture
def receiver():
    """The CMS receiver on a spare port; it answers 500 until `healthy` is set."""
    state = {"secrets": [], "healthy": threading.Event(), "failures": 0}
    inbox = Inbox()

    def failing() -> bool:
        if state["healthy"].is_set():
            return False
        state["failures"] += 1
        return True

    port = free_port()
    app_holder = {}

    def app(environ, start_response):  # secrets are known only after registration
        if "app" not in app_holder:
            app_holder["app"] = make_app(state["secrets"], inbox, fail_while=failing)
        return app_holder["app"](environ, start_response)

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/talkfarm", state, inbox
    server.shutdown()


def test_cms_gets_every_event_once_through_outages_and_polls_cheaply(real_settings, farm_factory, receiver):
    url, state, inbox = receiver
    settings = dataclasses.replace(real_settings, webhook_retry_schedule=("1", "2", "2", "3", "3", "5", "5", "8"))
    farm = farm_factory(settings, workers=2, concurrency=1)
    clients = {name: farm.client(farm.create_key(name)) for name in ("daily", "weekly")}

    endpoints = {}
    for name, client in clients.items():
        created = client.post("/v1/webhooks", json={"url": url, "events": ["job.succeeded", "batch.completed"]})
        assert created.status_code == 201, created.text
        endpoints[name] = created.json()
        assert created.json()["secret"].startswith("whsec_")
        state["secrets"].append(created.json()["secret"])

    shared = {"avatar": "astronaut", "params": {"resolution": 128, "fps": 15}}
    daily = clients["daily"].post(
        "/v1/batches",
        json={
            "template": "Good morning, {{city}}. Today's top story is {{story}}.",
            "defaults": {**shared, "metadata": {"desk": "daily"}},
            "jobs": [{"variables": {"city": f"City {i}", "story": f"story number {i}"}} for i in range(N_PER_TENANT)],
        },
    )
    assert daily.status_code == 201, daily.text
    csv = "script,priority\n" + "".join(f"Weekly bulletin number {i}.,{i % 10}\n" for i in range(N_PER_TENANT))
    weekly = clients["weekly"].post(
        "/v1/batches",
        files={"file": ("scripts.csv", csv.encode())},
        data={"defaults": '{"avatar": "astronaut", "params": {"resolution": 128, "fps": 15}}'},
    )
    assert weekly.status_code == 201, weekly.text
    batches = {"daily": daily.json(), "weekly": weekly.json()}
    assert all(len(b["job_ids"]) == N_PER_TENANT for b in batches.values())

    # poll one job with ETags while the receiver is down
    job_id = batches["daily"]["job_ids"][0]
    etag, not_modified, polls = None, 0, 0
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        response = clients["daily"].get(f"/v1/jobs/{job_id}", headers={"If-None-Match": etag} if etag else {})
        polls += 1
        if response.status_code == 304:
            not_modified += 1
        else:
            assert response.status_code == 200
            etag = response.headers["ETag"]
        time.sleep(0.1)
    assert not_modified > 0, "an unchanged job should cost a 304"
    state["healthy"].set()  # the CMS comes back

    all_jobs = {jid for b in batches.values() for jid in b["job_ids"]}
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with inbox.lock:
            seen = {e["data"]["id"] for e in inbox.events.values() if e["type"] == "job.succeeded"}
            completed = [e for e in inbox.events.values() if e["type"] == "batch.completed"]
        if seen == all_jobs and len(completed) == 2:
            break
        time.sleep(0.5)
    assert seen == all_jobs, f"missing job.succeeded for {sorted(all_jobs - seen)}"
    assert sorted(e["data"]["id"] for e in completed) == sorted(b["id"] for b in batches.values())
    assert all(e["data"]["counts"]["succeeded"] == N_PER_TENANT for e in completed)
    assert inbox.rejected == 0 and state["failures"] > 0

    # each event once in the inbox; retried deliveries carried the same webhook-id
    daily_events = [
        e
        for e in inbox.events.values()
        if e["type"] == "job.succeeded" and e["data"]["id"] in batches["daily"]["job_ids"]
    ]
    assert all(e["data"]["metadata"] == {"desk": "daily"} for e in daily_events)
    assert all(e["data"]["output"]["url"] for e in daily_events)
    log = clients["daily"].get(f"/v1/webhooks/{endpoints['daily']['id']}/deliveries").json()["items"]
    assert all(d["status"] == "delivered" for d in log)
    retried = [d for d in log if d["attempts"] > 1]
    assert retried and all(entry["status_code"] == 500 for d in retried for entry in d["log"][:-1])

    # a tenant sees only its own deliveries; redelivery sends the same id again, which the CMS dedupes
    assert clients["weekly"].get(f"/v1/webhooks/{endpoints['daily']['id']}/deliveries").status_code == 404
    event_id = log[0]["event_id"]
    before_events, before_seen = len(inbox.events), inbox.times_seen[event_id]
    again = clients["daily"].post(f"/v1/webhooks/{endpoints['daily']['id']}/deliveries/{log[0]['id']}/redeliver")
    assert again.status_code == 202
    deadline = time.monotonic() + 30
    while inbox.times_seen[event_id] == before_seen and time.monotonic() < deadline:
        time.sleep(0.2)
    assert inbox.times_seen[event_id] == before_seen + 1, "redelivered once, with the same webhook-id"
    assert len(inbox.events) == before_events, "and the CMS kept one copy"
