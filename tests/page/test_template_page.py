"""A producer's "Make one video" on a template's page: refused, the form keeps what was typed and says why
beside the value concerned, in words for a person (never the job's field path)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.page.conftest import TINY, make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS

pytestmark = pytest.mark.integration

BODY = {
    "script": "{{script}}",
    "avatar": "astronaut",
    "voice": "{{voice}}",
    "canvas": {"width": 640, "height": 360},
    "background": {"type": "color", "color": "#1f2937"},
    "overlays": [{"type": "text", "role": "lower_third", "text": "{{headline}}"}],
    "params": {"resolution": int(TINY["resolution"]), "fps": int(TINY["fps"])},
}
VARIABLES = [
    {"name": "script", "type": "text", "required": True, "label": "Script"},
    {"name": "headline", "type": "text", "required": True, "label": "Headline", "default": "Storm warning"},
    {"name": "voice", "type": "voice", "required": False, "label": "Voice"},
]


@pytest.fixture
def template_page(page_farm, tab):
    """A signed-in producer on the page of a template with a script, a headline and a voice to fill."""
    key = make_key(page_farm)
    made = page_farm.client(key).post(
        "/v1/templates", json={"name": "Night news", "body": BODY, "variables": VARIABLES}
    )
    assert made.status_code == 201, made.text
    sign_in(tab, page_farm, key)
    tab.goto(f"{page_farm.url}/templates/{made.json()['id']}")
    return tab


def shot(tab, name: str) -> None:
    if SCREENSHOTS:
        tab.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_a_symbol_no_font_draws_in_the_headline_is_refused_beside_it_and_what_was_typed_stays(template_page):
    # emoji are drawn since 2026-12-07 (in colour): a symbol no shipped font has stands in for what is refused
    tab = template_page
    script, headline = tab.get_by_label("Script", exact=True), tab.get_by_label("Headline", exact=True)
    script.fill("Hello there.")
    headline.fill("Storm ► warning")
    tab.get_by_role("button", name="Make the video", exact=True).click()

    expect(headline).to_have_accessible_description(
        "This has characters the farm has no font for (a script such as Khmer or Tibetan, or a rare symbol): they"
        " would show as boxes. Take them out."
    )
    expect(headline).to_have_attribute("aria-invalid", "true")
    expect(headline).to_have_value("Storm ► warning")
    expect(script).to_have_value("Hello there.")
    expect(tab.get_by_label("Voice (optional)")).not_to_have_attribute("aria-invalid", "true")
    expect(tab.get_by_text("overlays[")).to_have_count(0)
    shot(tab, "template-symbol-headline")


def test_an_empty_script_is_refused_beside_the_script_and_the_headline_stays(template_page):
    tab = template_page
    script, headline = tab.get_by_label("Script", exact=True), tab.get_by_label("Headline", exact=True)
    headline.fill("Floods in the valley")
    tab.get_by_label("Draft first").uncheck()
    tab.get_by_role("button", name="Make the video", exact=True).click()

    expect(script).to_have_accessible_description("Fill this in: the template has no default for it.")
    expect(headline).to_have_value("Floods in the valley")
    expect(headline).not_to_have_attribute("aria-invalid", "true")
    expect(tab.get_by_label("Draft first")).not_to_be_checked()
    expect(tab.get_by_text("Variable 'script'")).to_have_count(0)
    shot(tab, "template-empty-script")


def test_a_template_saved_with_the_default_voice_lets_each_rows_language_pick_its_voice(page_farm, tab, tmp_path):
    key = make_key(page_farm)
    api = page_farm.client(key)
    sign_in(tab, page_farm, key)
    tab.goto(page_farm.url + "/jobs/new")
    tab.get_by_label("Script", exact=True).fill("Good evening.")
    tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
    expect(tab.get_by_label("Voice", exact=True)).to_have_value("")  # "The default voice for the script's language"
    tab.get_by_label("Aspect ratio").select_option("16:9")
    tab.get_by_label("Lower third", exact=True).fill("Headline here")
    tab.locator("summary", has_text="Save as template").click()
    tab.get_by_label("Template name").fill("Every language")
    tab.get_by_role("button", name="Save as template").click()
    expect(tab.get_by_role("heading", name="Every language")).to_be_visible()

    template_id = tab.url.rsplit("/", 1)[1]
    voice = next(v for v in api.get(f"/v1/templates/{template_id}").json()["variables"] if v["name"] == "voice")
    assert "default" not in voice or voice["default"] is None, voice
    expect(tab.get_by_label("Voice (optional)").locator("option").first).to_have_text(
        "The default voice for the script's language"
    )

    # a French row and an English one, each with its voice cell empty: each gets a voice for its language
    rows = tmp_path / "rows.csv"
    rows.write_text("script,headline,voice\nBonsoir à tous. Voici les nouvelles.,Météo,\nGood evening.,Weather,\n")
    tab.get_by_label("Filled spreadsheet (CSV)").set_input_files(str(rows))
    tab.get_by_label("Drafts first (fast previews to approve)").check()
    tab.get_by_role("button", name="Check and make the videos").click()
    expect(tab.get_by_role("heading", name="Batch")).to_be_visible()
    jobs = api.get("/v1/jobs", params={"template_id": template_id}).json()["items"]
    for job in jobs:  # keep the farm free for the other tests
        api.post(f"/v1/jobs/{job['id']}/cancel")
    voices = {job["spec"]["script"]: job["spec"]["voice"] for job in jobs}
    assert voices["Good evening."] == "joe"
    assert voices["Bonsoir à tous. Voici les nouvelles."].startswith("espeak:fr"), voices
