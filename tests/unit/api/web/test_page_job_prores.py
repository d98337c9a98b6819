"""A ProRes .mov job's page: browsers play no ProRes, so the page shows the poster, says so, and offers the file
(a <video> of it showed Chromium's empty player with only its sound)."""

from __future__ import annotations

from flask import Flask

from tests.unit.api.web.test_page_forms import Keys, Page, page  # noqa: F401  (the signed-in fixture)
from tests.unit.api.web.test_page_job_downloads import _downloads, _output, _succeeded


def test_a_prores_job_shows_its_poster_and_offers_the_mov_instead_of_a_player(
    app: Flask,
    keys: Keys,
    sessions,
    page: Page,  # noqa: F811
):
    browser, _ = page
    job_id = _succeeded(app, keys, sessions, _output("mov", "outputs/t/m/", sidecars=False))

    html = browser.get(f"/jobs/{job_id}/status").get_data(as_text=True)

    assert "<video" not in html
    assert '<img class="poster-still"' in html
    assert "Browsers do not play ProRes" in html
    assert _downloads(html)["download the MOV"] == f"{job_id}.mov"
    assert _downloads(html)["Download the MOV (ProRes 4444)"] == f"{job_id}.mov"


def test_an_mp4_job_still_plays_in_the_page(app: Flask, keys: Keys, sessions, page: Page):  # noqa: F811
    browser, _ = page
    job_id = _succeeded(app, keys, sessions, _output("mp4", "outputs/t/n/", sidecars=False))

    html = browser.get(f"/jobs/{job_id}/status").get_data(as_text=True)

    assert "<video" in html and "Browsers do not play ProRes" not in html
