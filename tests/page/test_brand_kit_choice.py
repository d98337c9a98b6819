"""A producer with two brand kits, in Chromium: the composer offers both (the default chosen), the kit chosen
goes with "Save as template", and the template's page says which kit its videos follow and changes it."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.page.conftest import make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS

pytestmark = pytest.mark.integration


def shot(tab, name: str, docs: bool = True) -> None:
    """The page as a person sees it: into docs/page/ (TALKFARM_PAGE_SCREENSHOTS) and a folder to look at."""
    for folder in filter(None, (SCREENSHOTS if docs else None, os.environ.get("TALKFARM_PAGE_REVIEW"))):
        tab.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_a_producer_makes_a_template_that_follows_another_kit_and_changes_it(page_farm, tab):
    key = make_key(page_farm)
    client = page_farm.client(key)
    default = client.get("/v1/brand-kits").json()["items"][0]
    sport = client.post("/v1/brand-kits", json={"name": "Sport", "colors": {"primary": "#00a651"}}).json()
    sign_in(tab, page_farm, key)

    tab.get_by_role("link", name="New video", exact=True).click()
    kit = tab.get_by_label("Brand kit", exact=True)
    expect(kit.locator("option:checked")).to_have_text(f"{default['name']} (the default)")
    kit.select_option(label="Sport")
    tab.get_by_label("Script", exact=True).fill("Tonight: the cup final.")
    tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
    tab.get_by_label("Aspect ratio").select_option("16:9")
    shot(tab, "composer-brand-kit", docs=False)
    tab.locator("summary", has_text="Save as template").click()
    tab.get_by_label("Template name").fill("Match day")
    tab.get_by_role("button", name="Save as template").click()

    expect(tab.get_by_role("heading", name="Match day")).to_be_visible()
    section = tab.get_by_role("region", name="Brand kit")
    expect(section).to_contain_text("Its videos follow the brand kit Sport.")
    shot(tab, "template-brand-kit")
    template_id = tab.url.rsplit("/", 1)[1]
    assert client.get(f"/v1/templates/{template_id}").json()["brand_kit_id"] == sport["id"]

    section.get_by_label("Brand kit").select_option(label=f"{default['name']} (the default)")
    section.get_by_role("button", name="Change the brand kit").click()
    expect(tab.get_by_role("region", name="Brand kit")).to_contain_text(
        f"Its videos follow the brand kit {default['name']} (the default)."
    )
    expect(tab.get_by_text("Version 2", exact=True).first).to_be_visible()
    assert client.get(f"/v1/templates/{template_id}").json()["brand_kit_id"] == default["id"]
