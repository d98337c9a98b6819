"""The jobs list a person can scan (titles, search, filters) and refusals in sentences."""

from __future__ import annotations

import re

from flask import Flask

from tests.unit.api.bearer import client as api_client
from tests.unit.api.web.test_page_forms import Keys, Page, page  # noqa: F401  (the signed-in fixture)


def test_the_list_shows_titles_and_searches_them(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, _ = page
    api = api_client(app, keys["alpha"])
    api.post("/v1/jobs", json={"script": "Flood warning for the valley tonight.", "avatar": "astronaut"})
    api.post("/v1/jobs", json={"script": "Markets closed higher.", "avatar": "astronaut", "title": "Markets"})
    listing = browser.get("/jobs").get_data(as_text=True)
    assert "Flood warning for the valley tonight." in listing and ">Markets</a>" in listing
    assert 'class="stacking"' in listing and 'data-label="Duration"' in listing
    found = browser.get("/jobs?q=flood").get_data(as_text=True)
    assert "Flood warning" in found and ">Markets</a>" not in found
    # the polled fragment keeps the search
    assert 'hx-get="/jobs/rows?q=flood"' in found
    assert "No jobs match." in browser.get("/jobs?q=nothing-like-this").get_data(as_text=True)


def test_a_refusal_speaks_to_a_person_and_keeps_its_code_on_the_element(page: Page) -> None:  # noqa: F811
    browser, token = page
    response = browser.post("/jobs/new", data={"script": "Hello.", "preset": "", "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(
        r'<small id="avatar-error" class="error" data-code="validation_error">Choose a portrait or a '
        r"preset.</small>",
        body,
    ), body[-3000:]
    assert "Length must be" not in body
