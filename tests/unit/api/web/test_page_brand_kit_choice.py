"""A producer picks the brand kit a video follows: in the composer (the default kit chosen until another is),
carried into the job and into "Save as template"; a template's page says which kit its videos follow and
changes it."""

from __future__ import annotations

import re

from flask import Flask

from tests.unit.api.bearer import client as api_client
from tests.unit.api.web.test_page_composer import LAYOUT
from tests.unit.api.web.test_page_forms import Keys, Page, job_of, page  # noqa: F401  (the signed-in fixture)


def two_kits(app: Flask, keys: Keys) -> tuple[str, str]:
    """Tenant alpha's default kit and a second one, "Sport" (green bars): their ids."""
    api = api_client(app, keys["alpha"])
    default = api.get("/v1/brand-kits").get_json()["items"][0]
    assert default["default"]
    sport = api.post("/v1/brand-kits", json={"name": "Sport", "colors": {"primary": "#00a651"}})
    assert sport.status_code == 201, sport.get_data(as_text=True)
    return default["id"], sport.get_json()["id"]


def selected(html: str, select_id: str) -> str:
    found = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)
    assert found, f"no select #{select_id}"
    chosen = re.findall(r'<option value="([^"]*)"[^>]* selected>', found.group(0))
    assert len(chosen) == 1, chosen
    return chosen[0]


def test_the_composer_offers_every_kit_with_the_default_chosen(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, _ = page
    default_id, sport_id = two_kits(app, keys)
    html = browser.get("/jobs/new").get_data(as_text=True)
    assert '<label for="brand_kit_id">Brand kit</label>' in html
    assert selected(html, "brand_kit_id") == default_id
    assert f'<option value="{sport_id}">Sport</option>' in html


def test_the_kit_chosen_in_the_composer_is_the_jobs(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    _, sport_id = two_kits(app, keys)
    job = job_of(app, keys, browser.post("/jobs/new", data={**LAYOUT, "brand_kit_id": sport_id, "csrf_token": token}))
    assert job["spec"]["brand_kit"]["id"] == sport_id


def test_a_refused_video_comes_back_with_its_kit_still_chosen(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    _, sport_id = two_kits(app, keys)
    refused = browser.post("/jobs/new", data={**LAYOUT, "script": "", "brand_kit_id": sport_id, "csrf_token": token})
    assert refused.status_code == 422
    assert selected(refused.get_data(as_text=True), "brand_kit_id") == sport_id


def test_save_as_template_keeps_the_kit_and_the_templates_page_shows_and_changes_it(
    app: Flask,
    keys: Keys,
    page: Page,  # noqa: F811
) -> None:
    browser, token = page
    default_id, sport_id = two_kits(app, keys)
    saved = browser.post(
        "/templates/save",
        data={
            **LAYOUT,
            "brand_kit_id": sport_id,
            "template_name": "Match day",
            "vary_script": "on",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)[-3000:]
    template_id = saved.headers["Location"].rsplit("/", 1)[1]
    api = api_client(app, keys["alpha"])
    stored = api.get(f"/v1/templates/{template_id}").get_json()
    assert stored["brand_kit_id"] == sport_id and "brand_kit_id" not in stored["body"]

    html = browser.get(f"/templates/{template_id}").get_data(as_text=True)
    assert re.search(r'<p id="template-kit">Its videos follow the brand kit <a [^>]*>Sport</a>\.', html), html
    assert selected(html, "template-brand-kit") == sport_id

    changed = browser.post(
        f"/templates/{template_id}/brand-kit", data={"brand_kit_id": default_id, "csrf_token": token}
    )
    assert changed.status_code == 303, changed.get_data(as_text=True)[-3000:]
    stored = api.get(f"/v1/templates/{template_id}").get_json()
    assert stored["brand_kit_id"] == default_id and stored["version"] == 2
    assert stored["body"]["script"] == "{{script}}"  # the design is kept as it was
    html = browser.get(f"/templates/{template_id}").get_data(as_text=True)
    assert "(the default)." in html and selected(html, "template-brand-kit") == default_id

    browser.post(f"/templates/{template_id}/brand-kit", data={"brand_kit_id": "", "csrf_token": token})
    assert api.get(f"/v1/templates/{template_id}").get_json()["brand_kit_id"] is None
    html = browser.get(f"/templates/{template_id}").get_data(as_text=True)
    assert "Its videos follow the default brand kit of the day they are made" in html
