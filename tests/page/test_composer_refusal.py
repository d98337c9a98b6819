"""A composer submitted with no portrait comes back at the portrait: the upload is marked invalid and described by
the refusal ("Choose a portrait or a preset."), and has the focus, so a screen reader reads the problem. An
accessibility review found the page reloaded with focus on the body and the upload unmarked, the refusal only in
a live region, which a fresh page does not speak (WCAG 3.3.1, 1.3.1). Choosing a preset settles it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.page.conftest import make_key, sign_in

pytestmark = pytest.mark.integration


def test_a_submit_without_a_portrait_lands_on_the_upload_marked_with_why(page_farm, tab):
    sign_in(tab, page_farm, make_key(page_farm))
    tab.goto(page_farm.url + "/jobs/new")
    tab.get_by_label("Script", exact=True).fill("Good evening.")
    tab.get_by_role("button", name="Submit").click()

    upload = tab.get_by_label("Upload a portrait")
    expect(upload).to_be_focused()
    expect(upload).to_have_attribute("aria-invalid", "true")
    expect(upload).to_have_accessible_description(
        "JPEG, PNG or WebP with one visible face, up to 25 MB. The farm shows the face it found. "
        "Choose a portrait or a preset."
    )

    tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
    expect(upload).not_to_have_attribute("aria-invalid", "true")
    expect(tab.get_by_text("Choose a portrait or a preset.")).to_have_count(0)
