"""The Webhooks page shows the per-job webhook secret when the listing it read made it (the first listing answers it
that once; the page used to throw it away, so a tenant who opened the page first could never learn it), and makes a
new one on request, shown once, with the overlap said."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from domain.models import Tenant, WebhookEndpoint
from tests.unit.api.web.test_page_session import csrf_token, signed_in

BUTTON = "New signing secret for per-job webhook URLs"


def shown_secret(page: str) -> str | None:
    """The value of the page's per-job secret box, if it has one."""
    found = re.search(r'<input id="job-secret" type="text" readonly value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def alphas(sessions) -> Tenant:
    with sessions() as session:
        return session.scalars(sa.select(Tenant).where(Tenant.name == "alpha")).one()


@pytest.fixture
def browser(app: Flask, keys: dict[str, str]) -> FlaskClient:
    client, _ = signed_in(app, keys["alpha"])
    return client


def test_the_webhooks_page_shows_the_secret_its_listing_made_once(browser, sessions):
    first = browser.get("/webhooks").get_data(as_text=True)
    secret = shown_secret(first)
    assert secret and secret.startswith("whsec_")
    assert secret == alphas(sessions).webhook_secret  # the one that signs deliveries to a job's webhook_url
    assert "Shown once: copy it now" in first and BUTTON in first
    again = browser.get("/webhooks").get_data(as_text=True)
    assert shown_secret(again) is None and secret not in again and BUTTON in again


def test_the_deliveries_page_shows_it_when_its_listing_made_it(browser, sessions):
    with sessions() as session, session.begin():
        endpoint = WebhookEndpoint(
            tenant_id=alphas(sessions).id, url="https://cms.example.com/hook", events=[], secret="whsec_" + "a" * 32
        )
        session.add(endpoint)
        session.flush()
        endpoint_id = endpoint.id
    page = browser.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "Deliveries" in page and shown_secret(page) == alphas(sessions).webhook_secret
    assert shown_secret(browser.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)) is None


def test_the_button_makes_a_new_secret_shown_once_with_the_overlap_said(browser, sessions):
    old = shown_secret(browser.get("/webhooks").get_data(as_text=True))
    token = csrf_token(browser, "/webhooks")
    made = browser.post("/webhooks/job-secret", data={"csrf_token": token})
    assert made.status_code == 200
    page = made.get_data(as_text=True)
    new = shown_secret(page)
    assert new and new != old and "A new per-job webhook secret" in page
    assert "The previous secret keeps signing beside it until" in page and "signature by both" in page
    tenant = alphas(sessions)
    assert (tenant.webhook_secret, tenant.previous_webhook_secret) == (new, old)
    assert shown_secret(browser.get("/webhooks").get_data(as_text=True)) is None


def test_a_first_secret_made_by_the_button_says_there_was_none_before(app, keys, sessions):
    """A tenant that never listed its webhooks gets its first secret from the button, and is told so."""
    client, _ = signed_in(app, keys["beta"])
    made = client.post("/webhooks/job-secret", data={"csrf_token": csrf_token(client, "/jobs")})
    page = made.get_data(as_text=True)
    assert made.status_code == 200 and "There was no secret before this one" in page
    assert shown_secret(page) is not None


def test_the_button_without_its_csrf_token_changes_nothing(browser, sessions):
    browser.get("/webhooks")
    before = alphas(sessions).webhook_secret
    refused = browser.post("/webhooks/job-secret", data={})
    assert refused.status_code == 400 and "csrf_invalid" in refused.get_data(as_text=True)
    assert alphas(sessions).webhook_secret == before
