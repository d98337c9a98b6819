"""A ProRes .mov job's page in Chromium, which plays no ProRes: the poster is shown instead of a player, with a
line saying why and the .mov to download."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.page.conftest import make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_prores_job_shows_its_poster_and_offers_the_mov(page_farm, tab):
    key = make_key(page_farm)
    client = page_farm.client(key)
    made = client.post(
        "/v1/jobs",
        json={
            "script": "Good evening.",
            "avatar": "astronaut",
            "canvas": {"width": 320, "height": 180},
            "background": {"type": "color", "color": "#1f2937"},
            "output_format": "mov",
            "params": {"resolution": 128, "fps": 10},
        },
    )
    assert made.status_code == 202, made.text
    job = page_farm.wait_job(client, made.json()["id"])
    assert job["status"] == "succeeded", job

    sign_in(tab, page_farm, key)
    tab.goto(f"{page_farm.url}/jobs/{job['id']}")
    expect(tab.locator("video")).to_have_count(0)
    poster = tab.get_by_role("img", name="The video's poster: a frame of the rendered video")
    expect(poster).to_be_visible()
    assert poster.evaluate("img => img.complete && img.naturalWidth > 0")  # the poster loads
    expect(tab.locator("#prores-note")).to_contain_text("Browsers do not play ProRes")
    with tab.expect_download() as downloading:
        tab.locator("#prores-note").get_by_role("link", name="download the MOV").click()
    assert downloading.value.suggested_filename == f"{job['id']}.mov"
    assert Path(downloading.value.path()).read_bytes()[4:8] in (b"ftyp", b"wide", b"moov", b"mdat")
    if SCREENSHOTS:
        tab.screenshot(path=f"{SCREENSHOTS}/job-prores.png", full_page=True)
