"""The issue's producer, in Chromium, never touching a terminal: design a 16:9 look in the composer, save
it as a template, download its CSV, fill three rows (one with a voice the farm does not have), upload it,
see that row's problem first with nothing made, fix it, and get three videos, each showing its own
headline (read back from a frame by OCR)."""

from __future__ import annotations

import csv
import io
import os

import pytest
import requests
from playwright.sync_api import expect

from tests.page.conftest import make_key, sign_in
from tests.unit.compose.viewing import frame_at, ocr

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HEADLINES = ("Bridge closed", "Markets rise", "Council votes")


def test_a_producer_designs_saves_and_fills_a_look_from_a_spreadsheet(page_farm, browser, tmp_path):
    key = make_key(page_farm, tenant=f"producer-{os.getpid()}")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        sign_in(tab, page_farm, key)
        # design: 16:9, presenter bottom-left, a dark blue background, a headline lower third
        tab.get_by_role("link", name="New video", exact=True).click()
        tab.get_by_label("Script", exact=True).fill("Good evening. Here is the news.")
        tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
        tab.get_by_label("Aspect ratio").select_option("16:9")
        tab.get_by_label("Size", exact=True).fill("0.7")
        tab.get_by_label("Across").fill("0.55")
        tab.get_by_label("Down").fill("0.15")
        tab.get_by_label("A colour").check()
        tab.get_by_label("Lower third", exact=True).fill("Headline here")
        tab.get_by_label("Lower third", exact=True).press("Tab")
        expect(
            tab.get_by_role("img", name="The frame as the video will show it, with the presenter at rest")
        ).to_be_visible()

        # save it as a template: the script, the headline and the voice vary by row
        tab.locator("summary", has_text="Save as template").click()
        tab.get_by_label("Template name").fill("Night news")
        tab.get_by_role("button", name="Save as template").click()
        expect(tab.get_by_role("heading", name="Night news")).to_be_visible()

        # the CSV to fill, three rows, the second with a voice the farm does not have
        with tab.expect_download() as downloading:
            tab.get_by_role("link", name="Download the spreadsheet to fill (CSV)").click()
        header = next(csv.reader(io.StringIO(downloading.value.path().read_text())))
        assert set(header) == {"script", "headline", "voice"}

        def write(rows: list[dict[str, str]]) -> str:
            path = tmp_path / "night.csv"
            with open(path, "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=header)
                writer.writeheader()
                writer.writerows(rows)
            return str(path)

        rows = [{"script": f"Story {n}. {h}.", "headline": h, "voice": "joe"} for n, h in enumerate(HEADLINES, 1)]
        rows[1]["voice"] = "nobody-speaks-this"
        tab.get_by_label("Filled spreadsheet (CSV)").set_input_files(write(rows))
        tab.get_by_label("Drafts first").check()
        tab.get_by_role("button", name="Check and make the videos").click()
        problems = tab.get_by_role("table", name="Problems by row")
        expect(problems).to_be_visible()
        expect(problems.get_by_role("row", name="Row 3")).to_contain_text("voice")
        client = page_farm.client(key)
        assert client.get("/v1/jobs").json()["items"] == []  # nothing was made

        rows[1]["voice"] = "joe"
        tab.get_by_label("Filled spreadsheet (CSV)").set_input_files(write(rows))
        tab.get_by_label("Drafts first").check()
        tab.get_by_role("button", name="Check and make the videos").click()
        tab.wait_for_url("**/batches/*")
        batch_id = tab.url.rsplit("/", 1)[1]
        jobs = client.get("/v1/jobs", params={"batch_id": batch_id}).json()["items"]
        assert len(jobs) == 3
        read = {}
        for job in jobs:
            done = page_farm.wait_job(client, job["id"], timeout_s=600)
            assert done["status"] == "succeeded", done
            video = tmp_path / f"{job['id']}.mp4"
            video.write_bytes(requests.get(done["output"]["url"], timeout=30).content)
            frame = frame_at(video, 1.0)
            assert frame.shape[1] > frame.shape[0]  # 16:9
            read[done["spec"]["composition"]["scenes"][0]["overlays"][0]["text"]] = ocr(frame, tmp_path)
        assert sorted(read) == sorted(HEADLINES)
        for headline, text in read.items():
            assert headline.lower() in " ".join(text.split()).lower(), (headline, text)
        # the jobs list shows them by title, from their template and batch
        tab.goto(page_farm.url + "/jobs")
        expect(tab.get_by_text("Template").first).to_be_visible()
    finally:
        context.close()
