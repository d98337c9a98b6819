"""Webhook endpoints per tenant are bounded: every job event writes a delivery to each inside the request that ends
the job, and 1,500 endpoints made one cancel take 16 s. A tenant keeps at most MAX_ENDPOINTS_PER_TENANT (deleted
ones do not count), one live endpoint per URL (a second would receive nothing: an event goes once to a URL), and
GET /v1/webhooks has pages, whose default holds every endpoint a tenant may keep."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from flask import Flask

from api.webhooks import LIST_DEFAULT_LIMIT, MAX_ENDPOINTS_PER_TENANT
from domain.config import Settings
from domain.models import WebhookEndpoint
from tests.stubs import RecordingSender
from tests.unit.api.test_requests import assert_problem


@pytest.fixture
def app(sqlite_settings: Settings, sender: RecordingSender) -> Flask:
    from api.app import create_app

    return create_app(dataclasses.replace(sqlite_settings, webhook_allow_hosts=("127.0.0.0/8",)), sender=sender)


def hook(i: int) -> str:
    return f"http://127.0.0.1:9105/hook{i}"


def create(client, url: str):
    return client.post("/v1/webhooks", json={"url": url})


def fill(client, count: int) -> list[str]:
    made = []
    for i in range(count):
        response = create(client, hook(i))
        assert response.status_code == 201, response.get_data(as_text=True)
        made.append(response.get_json()["id"])
    return made


def stored(sessions) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint))


def test_the_default_page_holds_every_endpoint_a_tenant_may_keep():
    assert LIST_DEFAULT_LIMIT >= MAX_ENDPOINTS_PER_TENANT


def test_an_endpoint_past_the_tenants_limit_is_refused_and_deleting_one_makes_room(alpha, beta, sessions):
    made = fill(alpha, MAX_ENDPOINTS_PER_TENANT)
    problem = assert_problem(create(alpha, hook(999)), 409, "too_many_webhook_endpoints")
    assert str(MAX_ENDPOINTS_PER_TENANT) in problem["detail"] and "Delete" in problem["detail"]
    assert stored(sessions) == MAX_ENDPOINTS_PER_TENANT
    assert create(beta, hook(999)).status_code == 201  # the limit is the tenant's, not the farm's
    assert alpha.delete(f"/v1/webhooks/{made[0]}").status_code == 204
    assert create(alpha, hook(999)).status_code == 201  # a deleted endpoint does not count
    assert_problem(create(alpha, hook(1000)), 409, "too_many_webhook_endpoints")


def test_a_second_live_endpoint_for_one_url_is_refused_naming_the_first(alpha, beta, sessions):
    first = create(alpha, hook(1)).get_json()
    problem = assert_problem(create(alpha, hook(1)), 409, "webhook_endpoint_exists")
    assert problem["errors"] == {"endpoint_id": first["id"]} and first["id"] in problem["detail"]
    assert stored(sessions) == 1
    assert create(beta, hook(1)).status_code == 201  # another tenant's endpoint is its own
    assert alpha.delete(f"/v1/webhooks/{first['id']}").status_code == 204
    assert create(alpha, hook(1)).status_code == 201  # once deleted, the URL may be registered again


def test_the_listing_has_pages_in_the_order_endpoints_were_made(alpha):
    made = fill(alpha, 5)
    alpha.delete(f"/v1/webhooks/{made[1]}")  # deleted endpoints stay listed, as before
    whole = alpha.get("/v1/webhooks").get_json()
    assert [e["id"] for e in whole["items"]] == made and whole["next_cursor"] is None
    seen, cursor = [], None
    while True:
        page = alpha.get("/v1/webhooks", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.get_data(as_text=True)
        body = page.get_json()
        assert len(body["items"]) <= 2
        seen += [e["id"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == made


@pytest.mark.parametrize("query", ["limit=0", f"limit={LIST_DEFAULT_LIMIT + 1}", "cursor=job_nope", "cursor=x"])
def test_a_bad_listing_query_is_a_problem(alpha, query):
    response = alpha.get(f"/v1/webhooks?{query}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
