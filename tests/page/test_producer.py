"""A producer's whole path through the page, in a real browser against a real
farm: sign in, upload a portrait and see the face found, submit a draft, watch
it succeed, play it, approve it, and download the final."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.page.conftest import SHORT_SCRIPT, TINY, job_id_from_url, make_key, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RENDER_TIMEOUT_MS = 240_000


def fill_new_video(tab, script: str = SHORT_SCRIPT) -> None:
    tab.get_by_role("link", name="New video", exact=True).click()
    tab.wait_for_url("**/jobs/new", wait_until="domcontentloaded")  # its deferred scripts have run
    tab.get_by_label("Script", exact=True).fill(script)
    tab.get_by_text("Render settings").click()
    tab.get_by_label("Resolution (pixels)").fill(TINY["resolution"])
    tab.get_by_label("Frames per second").fill(TINY["fps"])


def wait_succeeded(tab, what: str) -> None:
    expect(tab.get_by_role("status").filter(has_text=f"{what} succeeded")).to_have_count(1, timeout=RENDER_TIMEOUT_MS)


def video_duration(tab) -> float:
    video = tab.get_by_label("The rendered video")
    video.evaluate("v => v.readyState >= 1 || new Promise(r => v.addEventListener('loadedmetadata', r, {once: true}))")
    return video.evaluate("v => v.duration")


def test_sign_in_and_a_new_video_by_keyboard_alone(page_farm, tab):
    tab.goto(page_farm.url + "/sign-in")
    tab.keyboard.press("Tab")  # the skip link comes first
    expect(tab.get_by_role("link", name="Skip to content")).to_be_focused()
    tab.keyboard.press("Tab")
    expect(tab.get_by_label("API key")).to_be_focused()
    tab.keyboard.type(make_key(page_farm))
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    tab.get_by_role("link", name="New video", exact=True).focus()
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", name="New video")).to_be_visible()
    for _ in range(60):  # every control is reachable with Tab, up to the submit button
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.textContent.trim()") == "Submit":
            break
    expect(tab.get_by_role("button", name="Submit")).to_be_focused()


def test_producer_uploads_a_portrait_drafts_approves_and_downloads_the_final(page_farm, tab):
    from domain.presets import preset_path

    key = make_key(page_farm)
    api = page_farm.client(key)
    sign_in(tab, page_farm, key)

    fill_new_video(tab)
    tab.get_by_label("Upload a portrait").set_input_files(str(preset_path("astronaut")))
    expect(tab.get_by_text("Face found:")).to_be_visible(timeout=60_000)
    expect(tab.get_by_role("img", name="The face the farm found in your portrait")).to_be_visible()
    expect(tab.get_by_label("Draft first", exact=False)).to_be_checked()
    tab.get_by_role("button", name="Submit").click()

    expect(tab.get_by_role("heading", name="Draft")).to_be_visible(timeout=30_000)
    draft_id = job_id_from_url(tab.url)
    tab.evaluate("""() => { const region = document.getElementById('job-announce'); window.announced = [];
        new MutationObserver(() => window.announced.push(region.textContent)).observe(region,
            {childList: true, characterData: true, subtree: true}); }""")
    wait_succeeded(tab, "Draft")
    announced = tab.evaluate("window.announced")  # status and stage changes only, never each percent
    assert all(re.fullmatch(r"Draft (queued|running(: [a-z ]+)?|succeeded)\.", a) for a in announced), announced
    assert all(a != b for a, b in zip(announced, announced[1:])), announced
    draft = api.get(f"/v1/jobs/{draft_id}").json()
    assert draft["status"] == "succeeded" and draft["spec"]["avatar"].get("asset_id")
    assert video_duration(tab) == pytest.approx(draft["output"]["duration_s"], abs=0.25)
    tab.get_by_label("The rendered video").evaluate("v => { v.muted = true; return v.play(); }")
    expect(tab.get_by_label("The rendered video")).to_have_js_property("paused", False)
    expect(tab.locator("track[kind=captions]")).to_have_count(1)

    tab.get_by_role("button", name="Approve for the final render").click()
    expect(tab.get_by_role("heading", name="Video")).to_be_visible(timeout=30_000)
    expect(tab.get_by_role("link", name=draft_id)).to_be_visible()  # the final names its draft
    final_id = job_id_from_url(tab.url)
    assert final_id != draft_id
    wait_succeeded(tab, "Job")
    final = api.get(f"/v1/jobs/{final_id}").json()
    assert final["status"] == "succeeded"
    assert video_duration(tab) == pytest.approx(final["output"]["duration_s"], abs=0.25)

    with tab.expect_download() as downloading:
        tab.get_by_role("link", name="Download the MP4").click()
    path = downloading.value.path()
    data = open(path, "rb").read()
    assert data[4:8] == b"ftyp" and len(data) == final["output"]["bytes"]
    captions = requests.get(final["output"]["files"]["captions_vtt"]["url"], timeout=30).text
    assert captions.startswith("WEBVTT")
    expect(tab.get_by_text("The draft took")).to_contain_text("% of this final's")
    tab.get_by_role("link", name=draft_id).click()  # the draft now links to its final instead of offering approval
    expect(tab.get_by_role("link", name=final_id)).to_be_visible()
    expect(tab.get_by_role("button", name="Approve for the final render")).to_have_count(0)

    # the integrator's check: the downloaded clip is ours, and names the job that made it
    tab.get_by_role("link", name="Verify").click()
    tab.get_by_label("Clip").set_input_files(str(path))
    tab.get_by_role("button", name="Verify").click()
    expect(tab.get_by_role("link", name=final_id)).to_be_visible(timeout=60_000)
