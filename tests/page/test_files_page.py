"""A producer's Files page: what the tenant uploaded, by the names the files came with, newest first, with the
room they take of its quota; a filter by purpose; and a delete button, which the API refuses while a brand kit
uses the file (the page then says which kit, and the file stays listed)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests import composition_files as files
from tests.page.conftest import make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS

pytestmark = pytest.mark.integration


def upload(api, data: bytes, name: str, purpose: str) -> dict:
    response = api.post("/v1/assets", files={"file": (name, io.BytesIO(data))}, data={"purpose": purpose})
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_a_producer_finds_a_file_by_its_name_and_deletes_it_unless_a_kit_uses_it(page_farm, tab):
    key = make_key(page_farm)
    api = page_farm.client(key)
    bed = upload(api, files.music(), "evening-bed.wav", "music")
    logo = upload(api, files.logo(), "station-logo.png", "logo")
    api.post("/v1/brand-kits", json={"name": "Evening", "logo_asset_id": logo["id"]}).raise_for_status()
    sign_in(tab, page_farm, key)
    tab.get_by_role("navigation", name="Main").get_by_role("link", name="Files").click()

    table = tab.get_by_role("table", name="Your files")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(3)  # the heading's row, then the newest first
    expect(rows.nth(1)).to_contain_text("station-logo.png")
    expect(rows.nth(2)).to_contain_text("evening-bed.wav")
    expect(rows.nth(2)).to_contain_text("Music")
    expect(tab.locator("#room")).to_contain_text("2 of 10,000 files")
    if SCREENSHOTS:
        tab.screenshot(path=f"{SCREENSHOTS}/files.png", full_page=True)

    tab.get_by_label("Show").select_option("music")
    tab.get_by_role("button", name="Apply").click()
    expect(tab.get_by_role("table", name="Your files: music").get_by_role("row")).to_have_count(2)

    other = tab.context.new_page()  # the same list open in a second tab
    other.goto(tab.url)
    tab.get_by_role("button", name="Delete evening-bed.wav").click()
    expect(tab.get_by_role("status").filter(has_text="The file is deleted.")).to_be_visible()
    expect(tab.get_by_text("No files of this kind yet")).to_be_visible()
    assert api.get(f"/v1/assets/{bed['id']}").status_code == 404
    other.get_by_role("button", name="Delete evening-bed.wav").click()  # pressed again there: no error page
    expect(other.get_by_role("status").filter(has_text="The file is already deleted.")).to_be_visible()
    other.close()

    tab.get_by_label("Show").select_option("")
    tab.get_by_role("button", name="Apply").click()
    tab.get_by_role("button", name="Delete station-logo.png").click()
    expect(tab.get_by_role("alert")).to_contain_text("brand kit 'Evening'")
    expect(tab.get_by_role("table", name="Your files")).to_contain_text("station-logo.png")
    if SCREENSHOTS:
        tab.screenshot(path=f"{SCREENSHOTS}/files-in-use.png", full_page=True)
    assert api.get(f"/v1/assets/{logo['id']}").status_code == 200
