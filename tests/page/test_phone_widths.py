"""The main pages on a phone (390 px), in Chromium: nothing runs past the screen's edge (the job page's facts
two by two and its history scrolling in its own box, a batch's id breaking in its heading), the navigation
compact below the brand, a batch's 9:16 poster shown whole in its thumbnail, a brand kit's colours a list of
swatches."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.page.conftest import TINY, make_key, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
VERTICAL = {
    "script": "{{script}}",
    "title": "{{headline}}",
    "avatar": "astronaut",
    "canvas": {"width": 1080, "height": 1920},
    "params": {k: int(v) for k, v in TINY.items()},
}
VARIABLES = [
    {"name": "script", "type": "text", "required": True},
    {"name": "headline", "type": "text", "required": True},
]


def past_the_edge(tab) -> int:
    return int(tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_no_main_page_runs_past_a_phones_edge(page_farm, tab):
    key = make_key(page_farm)
    client = page_farm.client(key)
    template = client.post("/v1/templates", json={"name": "Nightly vertical", "body": VERTICAL, "variables": VARIABLES})
    assert template.status_code == 201, template.text
    batch = client.post(
        "/v1/batches",
        data={"template_id": template.json()["id"], "defaults": '{"draft": true}'},
        files={"file": ("night.csv", b'script,headline\n"The old bridge stays shut until Friday.",Bridge closed\n')},
    )
    assert batch.status_code in (201, 202), batch.text
    job_id = batch.json()["job_ids"][0]
    assert page_farm.wait_job(client, job_id, timeout_s=300)["status"] == "succeeded"
    kit = client.post("/v1/brand-kits", json={"name": "Evening", "colors": {"primary": "#c8102e", "text": "#ffffff"}})
    assert kit.status_code == 201, kit.text

    tab.set_viewport_size(PHONE)
    sign_in(tab, page_farm, key)
    tab.goto(f"{page_farm.url}/jobs/{job_id}")
    tab.get_by_text("History (").click()
    expect(tab.get_by_role("columnheader", name="Worker")).to_be_visible()
    assert past_the_edge(tab) == 0, "job"
    expect(tab.get_by_role("region", name="History")).to_be_visible()  # the table scrolls in its own box
    status, progress = tab.get_by_text("Status", exact=True), tab.get_by_text("Progress", exact=True)
    assert status.bounding_box()["x"] == progress.bounding_box()["x"]  # two facts a row: Progress under Status

    tab.goto(f"{page_farm.url}/batches/{batch.json()['id']}")
    poster = tab.locator("td.poster img")
    expect(poster).to_have_count(1)
    assert past_the_edge(tab) == 0, "batch"
    # the 9:16 poster is shown whole, upright inside the landscape thumbnail's box, not cut to its middle
    shape = poster.evaluate("img => [img.naturalWidth, img.naturalHeight, getComputedStyle(img).objectFit]")
    assert shape[1] > shape[0] and shape[2] == "contain", shape

    for path in ("/jobs", "/jobs/new", "/batches", "/templates", "/brand-kits", f"/templates/{template.json()['id']}"):
        tab.goto(page_farm.url + path)
        assert past_the_edge(tab) == 0, path

    # the navigation: the brand on its own line, the links in at most three compact rows below it
    brand = tab.get_by_role("navigation", name="Main").get_by_text("talkfarm").bounding_box()
    links = tab.get_by_role("navigation", name="Main").get_by_role("link")
    boxes = [links.nth(n).bounding_box() for n in range(links.count())]
    assert brand and all(b and b["y"] >= brand["y"] + brand["height"] for b in boxes), (brand, boxes)
    assert len({round(b["y"]) for b in boxes if b}) <= 3, boxes

    # the brand kits: each colour a swatch, its name and its value, with no separator left between them
    tab.goto(page_farm.url + "/brand-kits")
    colours = tab.locator("tr").filter(has_text="Evening").locator('td[data-label="Colours"]').get_by_role("listitem")
    expect(colours).to_have_text(["primary #c8102e", "text #ffffff"])
