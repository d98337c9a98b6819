"""/docs draws the HTTP API's reference from the farm's own /openapi.json in
Chromium, and no request leaves the machine while it does."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "page"


def test_the_api_reference_renders_from_the_farms_own_spec_with_nothing_fetched_from_outside(tab, page_farm):
    requested: list[str] = []
    tab.on("request", lambda request: requested.append(request.url))
    tab.goto(page_farm.url + "/docs")
    # the spec's title and an operation's summary, drawn by Redoc
    expect(tab.get_by_role("heading", name=re.compile(r"^talkfarm"))).to_be_visible(timeout=30_000)
    expect(tab.get_by_role("heading", name=re.compile(r"Submit a job"))).to_be_attached()
    farm = urlsplit(page_farm.url).netloc
    outside = [url for url in requested if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != farm]
    assert outside == []
    assert any(url.endswith("/openapi.json") for url in requested)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "api-reference.png"))
