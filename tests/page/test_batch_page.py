"""A producer's batch from a template, in Chromium: a refused spreadsheet keeps "Drafts first" on; the batch's
page lists the videos in the spreadsheet's order by row number and title, with a poster once each is done,
and "Approve all drafts" approves each, saying what happened to each; then the page follows each draft's final until
it is done, and offers its video."""

from __future__ import annotations

import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.page.conftest import TINY, make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BODY = {
    "script": "{{script}}",
    "title": "{{headline}}",
    "avatar": "astronaut",
    "params": {k: int(v) for k, v in TINY.items()},
}
VARIABLES = [
    {"name": "script", "type": "text", "required": True, "label": "Script"},
    {"name": "headline", "type": "text", "required": True, "label": "Headline"},
]
HEADLINES = ("Rain moves east", "Markets close higher", "Council votes")


def shot(tab, name: str, docs: bool = True) -> None:
    """The page as a person sees it: into docs/page/ (TALKFARM_PAGE_SCREENSHOTS) and a folder to look at."""
    for folder in filter(None, (SCREENSHOTS if docs else None, os.environ.get("TALKFARM_PAGE_REVIEW"))):
        tab.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_a_producer_follows_a_batch_by_its_rows_and_approves_every_draft(page_farm, tab, tmp_path):
    key = make_key(page_farm)
    client = page_farm.client(key)
    made = client.post("/v1/templates", json={"name": "Night news", "body": BODY, "variables": VARIABLES})
    assert made.status_code == 201, made.text
    sign_in(tab, page_farm, key)
    tab.goto(f"{page_farm.url}/templates/{made.json()['id']}")

    sheet = tmp_path / "night.csv"
    sheet.write_text(
        "script,headline\n"
        + "".join(f'"Story {n}.",{h}\n' for n, h in enumerate(HEADLINES, 1)).replace('"Story 2."', '""')
    )
    tab.get_by_label("Filled spreadsheet (CSV)").set_input_files(str(sheet))
    tab.get_by_label("Drafts first").check()
    tab.get_by_role("button", name="Check and make the videos").click()
    expect(tab.get_by_role("table", name="Problems by row").get_by_role("rowheader", name="Row 3")).to_be_visible()
    expect(tab.get_by_label("Drafts first")).to_be_checked()  # as the producer left it

    sheet.write_text("script,headline\n" + "".join(f'"Story {n}.",{h}\n' for n, h in enumerate(HEADLINES, 1)))
    tab.get_by_label("Filled spreadsheet (CSV)").set_input_files(str(sheet))
    tab.get_by_role("button", name="Check and make the videos").click()
    tab.wait_for_url("**/batches/*")
    expect(tab.get_by_text("3 videos from the template Night news v1, in the spreadsheet's order.")).to_be_visible()
    table = tab.get_by_role("table", name="Jobs of this batch")
    rows = table.get_by_role("row")
    expect(rows).to_have_count(4)
    for n, headline in enumerate(HEADLINES, 1):
        expect(rows.nth(n).get_by_role("rowheader")).to_have_text(str(n + 1))
        expect(rows.nth(n).get_by_role("link").first).to_have_text(headline)
        expect(rows.nth(n)).to_contain_text("Draft")

    batch_id = tab.url.rsplit("/", 1)[1]
    for job_id in client_job_ids(client, batch_id):
        assert page_farm.wait_job(client, job_id, timeout_s=300)["status"] == "succeeded"
    expect(table.locator("td.poster img")).to_have_count(3, timeout=20_000)  # the page follows by itself
    shot(tab, "batch-drafts", docs=False)

    tab.get_by_role("button", name="Approve all drafts").click()
    said = tab.get_by_role("status").filter(has_text="Approving the drafts").get_by_role("listitem")
    expect(said).to_have_count(3)
    for n, headline in enumerate(HEADLINES):
        expect(said.nth(n)).to_contain_text(f"Row {n + 2}, {headline}: approved; its final is job_")
    expect(tab.get_by_role("button", name="Approve all drafts")).to_have_count(0)
    expect(table.get_by_role("link", name="the final")).to_have_count(3)
    shot(tab, "batch-finals-running", docs=False)

    # the drafts are done, their finals not: the page follows the finals by itself until they are, and offers them
    finals = [client.get(f"/v1/jobs/{job_id}").json()["final_job_id"] for job_id in client_job_ids(client, batch_id)]
    for final_id in finals:
        assert page_farm.wait_job(client, final_id, timeout_s=300)["status"] == "succeeded"
    downloads = table.get_by_role("link", name=re.compile(r"^Download the final of row \d$"))
    expect(downloads).to_have_count(3, timeout=20_000)
    expect(tab.get_by_text("Finals of the approved drafts: 3 succeeded.")).to_be_visible()
    for n in range(1, 4):
        expect(rows.nth(n).get_by_role("cell").last).to_contain_text("Succeeded")
    video = tab.request.get(downloads.first.get_attribute("href") or "")
    assert video.ok and video.body()[4:8] == b"ftyp", video.status  # the final's MP4
    expect(tab.locator("#batch-progress[hx-get]")).to_have_count(0)  # all done: the page stops asking
    results = Axe().run(tab)
    assert results.violations_count == 0, results.generate_report()
    shot(tab, "batch-approved")


def client_job_ids(client, batch_id: str) -> list[str]:
    return client.get(f"/v1/batches/{batch_id}").json()["job_ids"]
