"""An editor's spreadsheet: a CSV with one bad row shows that row's problem
and creates nothing; fixed, it creates every job, the batch page follows them,
and the Batches page lists the batch."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.page.conftest import TINY, make_key, sign_in

pytestmark = pytest.mark.integration

GOOD_ROWS = ['"First clip.",astronaut', '"Second clip.",astronaut', '"Third clip.",astronaut']


def upload_batch(tab, path) -> None:
    tab.get_by_role("link", name="Batches").click()
    tab.get_by_label("CSV or JSONL file").set_input_files(str(path))
    tab.get_by_label("Resolution (pixels)").fill(TINY["resolution"])
    tab.get_by_label("Frames per second").fill(TINY["fps"])
    tab.get_by_role("button", name="Check and create the batch").click()


def test_a_bad_row_creates_nothing_and_the_fixed_file_creates_every_job(page_farm, tab, tmp_path):
    key = make_key(page_farm)
    api = page_farm.client(key)
    sign_in(tab, page_farm, key)

    bad = tmp_path / "bad.csv"
    bad.write_text("script,avatar\n" + "\n".join([GOOD_ROWS[0], '"Second clip.",nobody-here', GOOD_ROWS[2]]) + "\n")
    upload_batch(tab, bad)
    problems = tab.get_by_role("table", name="Problems by row")
    expect(problems).to_be_visible()
    expect(problems.get_by_role("row")).to_have_count(2)  # the header and the one bad row
    expect(problems.get_by_role("rowheader", name="Row 3")).to_be_visible()  # line 3 of the file
    expect(problems).to_contain_text("avatar_unknown")
    expect(tab.locator('[data-code="batch_invalid"]')).to_be_visible()
    assert api.get("/v1/jobs").json()["items"] == []

    fixed = tmp_path / "fixed.csv"
    fixed.write_text("script,avatar\n" + "\n".join(GOOD_ROWS) + "\n")
    upload_batch(tab, fixed)
    expect(tab.get_by_role("heading", name="Batch")).to_be_visible(timeout=30_000)
    expect(tab.get_by_role("table", name="Jobs of this batch").get_by_role("link")).to_have_count(3)
    jobs = api.get("/v1/jobs").json()["items"]
    assert len(jobs) == 3 and len({j["batch_id"] for j in jobs}) == 1
    assert all(j["draft"] and j["spec"]["params"]["resolution"] == int(TINY["resolution"]) for j in jobs)
    for job in jobs:  # keep the farm free for the other tests
        api.post(f"/v1/jobs/{job['id']}/cancel")

    # the batch is listed on the Batches page, and its link leads back to it
    batch_id = jobs[0]["batch_id"]
    tab.get_by_role("link", name="Batches").click()
    listing = tab.get_by_role("table", name="Your batches")
    expect(listing.get_by_role("link")).to_have_count(1)  # the refused file made no batch
    row = listing.get_by_role("row").filter(has_text=batch_id)
    cells = row.get_by_role("cell")
    for column, text in ((0, batch_id), (2, "3"), (3, "0"), (4, "0"), (5, "3"), (6, "0")):  # 3 videos, all canceled
        expect(cells.nth(column)).to_have_text(text)
    row.get_by_role("link", name=batch_id).click()
    expect(tab.get_by_role("heading", name=f"Batch {batch_id}")).to_be_visible()


def test_the_csv_template_downloads(page_farm, tab):
    sign_in(tab, page_farm, make_key(page_farm))
    tab.get_by_role("link", name="Batches").click()
    with tab.expect_download() as downloading:
        tab.get_by_role("link", name="Download a CSV template").click()
    text = open(downloading.value.path()).read()
    assert text.splitlines()[0] == "script,avatar,voice,priority"
