"""A producer's brand kit on the page: only the colours the producer sets are stored (a colour picker always
sends one), and the kit's page shows which are set; a file chosen for a kit the farm refused is kept, and the
form says so (a browser cannot refill a file input)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.page.conftest import make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS

pytestmark = pytest.mark.integration


@pytest.fixture
def producer(page_farm, tab):
    """A signed-in producer on the new-brand-kit page, and the API as that producer."""
    key = make_key(page_farm)
    sign_in(tab, page_farm, key)
    tab.goto(page_farm.url + "/brand-kits/new")
    return tab, page_farm.client(key)


def shot(tab, name: str) -> None:
    if SCREENSHOTS:
        tab.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_a_kit_stores_only_the_colours_the_producer_set_and_its_page_shows_which(producer):
    tab, api = producer
    tab.get_by_label("Name", exact=True).fill("House")
    tab.get_by_label("Bars (lower thirds)").fill("#aa0000")  # choosing a colour sets it
    tab.get_by_role("button", name="Save the kit").click()
    expect(tab.get_by_role("heading", name="Brand kit House")).to_be_visible()

    kit_id = tab.url.rsplit("/", 1)[1]
    colours = {k: v for k, v in (api.get(f"/v1/brand-kits/{kit_id}").json().get("colors") or {}).items() if v}
    assert colours == {"primary": "#aa0000"}  # the background and the letters are left to each video

    boxes = tab.locator(".grid-colours").get_by_role("checkbox")
    expect(boxes).to_have_count(4)
    expect(boxes.nth(0)).not_to_be_checked()  # the bars' colour is set
    for unset in (1, 2, 3):
        expect(boxes.nth(unset)).to_be_checked()
    expect(tab.get_by_label("Not set: the portrait's own, blurred")).to_be_checked()
    shot(tab, "brand-kit-colours")

    # the bars' colour unset again, the letters' set: the kit stores exactly that
    boxes.nth(0).check()
    tab.get_by_label("Letters").fill("#fafafa")
    tab.get_by_role("button", name="Save the kit").click()
    expect(tab.get_by_text("Version 2.")).to_be_visible()
    colours = {k: v for k, v in (api.get(f"/v1/brand-kits/{kit_id}").json().get("colors") or {}).items() if v}
    assert colours == {"text": "#fafafa"}


def test_a_logo_chosen_with_a_refused_font_is_kept_and_the_form_says_so(producer, tmp_path):
    from PIL import Image

    tab, api = producer
    logo, not_a_font = tmp_path / "station-logo.png", tmp_path / "house.ttf"
    Image.new("RGBA", (200, 80), (200, 16, 46, 255)).save(logo)
    not_a_font.write_bytes(b"not a font at all")
    tab.get_by_label("Name", exact=True).fill("Station")
    tab.get_by_label("Logo", exact=True).set_input_files(str(logo))
    tab.get_by_label("Font for lower thirds and captions").set_input_files(str(not_a_font))
    tab.get_by_role("button", name="Save the kit").click()

    font = tab.get_by_label("Font for lower thirds and captions")
    expect(font).to_have_attribute("aria-invalid", "true")
    expect(tab.get_by_label("Logo", exact=True)).to_have_accessible_description(
        "station-logo.png is uploaded and kept for this kit: no need to choose it again "
        "(choose another file to replace it)."
    )
    shot(tab, "brand-kit-logo-kept")

    tab.get_by_role("button", name="Save the kit").click()  # the font left out, nothing chosen again
    expect(tab.get_by_role("heading", name="Brand kit Station")).to_be_visible()
    kit = api.get(f"/v1/brand-kits/{tab.url.rsplit('/', 1)[1]}").json()
    assert kit["logo_asset_id"], kit
