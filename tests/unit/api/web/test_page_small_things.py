"""Small things a producer noticed: voices by their language's name, a job's page (and its tab) headed by its title, and a
template's spreadsheet downloaded under the template's name."""

from __future__ import annotations

import re
from urllib.parse import unquote

from flask import Flask

from api.web.template_pages import csv_file_stem
from media.tts import language_name
from tests.unit.api.bearer import client as api_client
from tests.unit.api.test_drafts import succeed
from tests.unit.api.web.test_page_forms import Keys, Page, page  # noqa: F401  (the signed-in fixture)


def test_a_language_tag_reads_as_its_name() -> None:
    """One source of names for the page's voices and the API's refusals alike (CLDR, through Babel)."""
    assert language_name("af") == "Afrikaans"
    assert language_name("en-gb-x-rp", region=True) == "English (United Kingdom)"
    assert language_name("es-419", region=True) == "Spanish (Latin America)"
    assert language_name("en-gb") == "English"  # a refusal names the language, not the place
    assert language_name("cmn") == "Mandarin Chinese"
    assert language_name("sw") == "Swahili"  # a refusal said "(sw)": its own table had 30 names
    assert language_name("xx-nothing") == "xx-nothing"


def test_the_voices_are_listed_by_language_name_joe_first_for_english(page: Page) -> None:  # noqa: F811
    browser, _ = page
    html = browser.get("/jobs/new").get_data(as_text=True)
    select = re.search(r'<select id="voice".*?</select>', html, re.S)
    assert select
    labels = re.findall(r'<option value="[^"]+"[^>]*>([^<]*)</option>', select.group(0))
    assert "English (United States) — joe" in labels
    english = [label for label in labels if label.startswith("English")]
    assert english[0] == "English (United States) — joe"
    if "Afrikaans — espeak:af" in labels:  # espeak-ng is installed here
        assert labels[0] == "Afrikaans — espeak:af" and "English (United Kingdom) — espeak:en-gb" in labels
    languages = [label.split(" — ")[0].split(" (")[0] for label in labels]
    assert languages == sorted(languages, key=str.casefold)


def test_a_jobs_page_is_headed_by_its_title(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, _ = page
    job = (
        api_client(app, keys["alpha"])
        .post(
            "/v1/jobs",
            json={
                "script": "Storms hit the coast tonight.",
                "avatar": "astronaut",
                "title": "Coast storm",
                "draft": True,
            },
        )
        .get_json()
    )
    html = browser.get(f"/jobs/{job['id']}").get_data(as_text=True)
    heading = re.search(r"<hgroup>(.*?)</hgroup>", html, re.S)
    assert heading
    assert re.search(r"<h1>Draft: Coast storm</h1>", heading.group(1)), heading.group(1)
    assert job["id"] in heading.group(1) and "Storms hit the coast tonight." in heading.group(1)
    # and the browser's tab, which a screen reader reads first, says the same (it said "Job job_01…")
    assert "<title>Draft: Coast storm · talkfarm</title>" in html


def test_a_file_name_from_a_template_name_holds_nothing_unsafe() -> None:
    assert csv_file_stem("Night news") == "Night news"
    assert csv_file_stem('Night news: 16/9 "late"') == "Night news- 16-9 -late"
    assert csv_file_stem("../../etc/passwd") == "etc-passwd"
    assert csv_file_stem("Journal du soir — Météo") == "Journal du soir — Météo"
    assert csv_file_stem("...") == ""


def test_the_templates_spreadsheet_is_named_after_it(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, _ = page
    api = api_client(app, keys["alpha"])
    body = {"script": "{{script}}", "avatar": "astronaut"}
    variables = [{"name": "script", "type": "text", "required": True}]
    for name, ascii_name, utf8_name in (
        ("Night news", 'filename="Night news.csv"', None),
        ("Journal du soir — Météo", None, "Journal du soir — Météo.csv"),
    ):
        made = api.post("/v1/templates", json={"name": name, "body": body, "variables": variables}).get_json()
        answer = browser.get(f"/templates/{made['id']}/csv")
        assert answer.status_code == 200 and answer.get_data(as_text=True).startswith("script")
        disposition = answer.headers["Content-Disposition"]
        assert disposition.startswith("attachment") and "tpl_" not in disposition
        if ascii_name:
            assert ascii_name in disposition, disposition
        if utf8_name:
            found = re.search(r"filename\*=UTF-8''(\S+)", disposition)
            assert found and unquote(found.group(1)) == utf8_name, disposition


def test_the_brand_kits_colours_are_a_list_of_swatches_without_separators(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    """On a phone each colour wrapped on its own, its comma left dangling before the next: the colours are a list,
    each a swatch of its colour, its name and its value; a kit with none says so."""
    alpha = api_client(app, keys["alpha"])
    alpha.post("/v1/brand-kits", json={"name": "Night", "colors": {"primary": "#c8102e", "text": "#ffffff"}})
    alpha.post("/v1/brand-kits", json={"name": "Plain"})
    browser, _ = page
    html = browser.get("/brand-kits").get_data(as_text=True)
    cells = dict(
        re.findall(r'<a href="/brand-kits/[^"]+">([^<]+)</a></td>\s*<td data-label="Colours">(.*?)</td>', html, re.S)
    )
    night = cells["Night"]
    assert re.findall(
        r'<li><svg[^>]*>.*?fill="(#[0-9a-f]{6})".*?</svg>(\w+) <code>(#[0-9a-f]{6})</code></li>', night
    ) == [
        ("#c8102e", "primary", "#c8102e"),
        ("#ffffff", "text", "#ffffff"),
    ]
    assert "," not in night
    assert "None set" in cells["Plain"]


def test_a_jobs_history_scrolls_inside_its_own_box(app: Flask, keys: Keys, page: Page, sessions) -> None:  # noqa: F811
    """Its four columns are wider than a phone: the table scrolls in a region of its own, not the whole page."""
    job = api_client(app, keys["alpha"]).post("/v1/jobs", json={"script": "Hello.", "avatar": "astronaut"}).get_json()
    succeed(sessions, job["id"])  # a finished job's page shows its history
    browser, _ = page
    html = browser.get(f"/jobs/{job['id']}").get_data(as_text=True)
    assert re.search(
        r'<div class="overflow-auto" tabindex="0" role="region" aria-label="History">\s*<table>\s*<thead><tr><th scope="col">When</th>',
        html,
    ), html[-3000:]
