"""A batch's items cannot make one request resolve hundreds of webhook hosts
synchronously (issue 21, Low): each distinct host is resolved once, and a batch
naming more than a handful of hosts is refused before any is resolved."""

from __future__ import annotations

import ipaddress

import pytest

from tests.unit.api.bearer import client as bearer_client
from tests.unit.api.test_requests import assert_problem


@pytest.fixture
def lookups(monkeypatch):
    from tasks import webhook_targets

    asked: list[str] = []

    def resolve(host, port):
        asked.append(host)
        return [ipaddress.ip_address("93.184.216.34")]

    monkeypatch.setattr(webhook_targets, "resolve", resolve)
    return asked


def test_hundreds_of_items_to_one_host_resolve_it_once(app, keys, lookups):
    jobs = [
        {"script": "Hello.", "avatar": "astronaut", "webhook_url": f"https://cms.example.com/hook/{i}"}
        for i in range(300)
    ]
    response = bearer_client(app, keys["alpha"]).post("/v1/batches", json={"jobs": jobs})
    assert response.status_code == 201, response.get_json()
    assert lookups == ["cms.example.com"]


def test_a_batch_naming_many_webhook_hosts_is_refused_before_resolving_any(app, keys, lookups):
    jobs = [
        {"script": "Hello.", "avatar": "astronaut", "webhook_url": f"https://h{i}.example.com/hook"} for i in range(50)
    ]
    assert_problem(
        bearer_client(app, keys["alpha"]).post("/v1/batches", json={"jobs": jobs}), 422, "batch_webhook_hosts_too_many"
    )
    assert lookups == []
