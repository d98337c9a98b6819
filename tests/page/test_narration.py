"""A producer with a recorded narration: choose "a recorded narration" on the
new-video page, upload it, paste its words, and get a video whose mouth is
timed to those words; the mistakes (no narration, a picture as narration) are
shown beside the field and nothing is submitted."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.page.conftest import TINY, job_id_from_url, make_key, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WORDS = "Good evening from the newsroom. The bridge opens on Monday."


@pytest.fixture(scope="module")
def narration_wav(tmp_path_factory):
    """A real narration: Piper speaking WORDS, as a WAV file."""
    from domain.config import Settings
    from media.encode.wav import wav_bytes
    from media.tts.engines import engine_for
    from media.tts.voices import resolve_voice

    speech = engine_for(resolve_voice(None, "en", Settings.from_env({}))).speak(WORDS)
    path = tmp_path_factory.mktemp("narration") / "narration.wav"
    path.write_bytes(wav_bytes(speech.samples, speech.sample_rate))
    return path


def open_new_video_with_narration(tab, page_farm) -> str:
    """Signed in with a new tenant's key (returned), on the new-video form with a narration chosen."""
    key = make_key(page_farm)
    sign_in(tab, page_farm, key)
    tab.get_by_role("link", name="New video", exact=True).click()
    tab.wait_for_url("**/jobs/new", wait_until="domcontentloaded")  # its deferred scripts have run
    expect(tab.get_by_label("Narration", exact=True)).to_be_hidden()  # a script is the default
    tab.get_by_label("A recorded narration", exact=False).check()
    expect(tab.get_by_label("Script", exact=True)).to_be_hidden()
    expect(tab.get_by_label("Voice", exact=True)).to_be_hidden()  # the narration is the voice
    tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
    tab.get_by_text("Render settings").click()
    tab.get_by_label("Resolution (pixels)").fill(TINY["resolution"])
    tab.get_by_label("Frames per second").fill(TINY["fps"])
    return key


def test_a_narration_with_its_transcript_is_lip_synced_to_those_words(page_farm, tab, narration_wav):
    key = open_new_video_with_narration(tab, page_farm)
    tab.get_by_label("Narration", exact=True).set_input_files(str(narration_wav))
    expect(tab.get_by_text("The face will lip-sync it.")).to_be_visible(timeout=60_000)
    tab.get_by_label("Transcript (optional)").fill(WORDS)
    tab.get_by_role("button", name="Submit").click()

    expect(tab.get_by_role("heading", name="Draft")).to_be_visible(timeout=30_000)
    job_id = job_id_from_url(tab.url)
    expect(tab.get_by_role("status").filter(has_text="Draft succeeded")).to_have_count(1, timeout=240_000)
    expect(tab.locator("#timing-source")).to_contain_text("the transcript, fitted to the narration")
    expect(tab.locator("track[kind=captions]")).to_have_count(1)
    job = page_farm.client(key).get(f"/v1/jobs/{job_id}").json()
    assert job["spec"]["audio_asset_id"] and job["spec"]["transcript"] == WORDS and not job["spec"].get("script")
    assert job["output"]["timing"]["source"] == "aligned"


def test_no_narration_or_a_picture_as_narration_is_shown_at_the_field_and_nothing_is_submitted(page_farm, tab):
    from domain.presets import preset_path

    open_new_video_with_narration(tab, page_farm)
    tab.get_by_role("button", name="Submit").click()
    expect(tab.get_by_text("Upload the narration first.")).to_be_visible()
    expect(tab.get_by_label("Narration", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(tab.get_by_label("A recorded narration", exact=False)).to_be_checked()  # the choice is kept

    tab.get_by_label("Narration", exact=True).set_input_files(str(preset_path("astronaut")))
    expect(tab.get_by_text("Narration is audio (WAV, MP3, M4A, Ogg or FLAC); this file is an image.")).to_be_visible(
        timeout=60_000
    )
    tab.get_by_role("link", name="Jobs", exact=True).click()
    expect(tab.get_by_text("No jobs yet.")).to_be_visible()
