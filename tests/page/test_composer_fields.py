"""The composer's fields as a producer sees them: the music's help text and its upload's status each keep their
own line; a refusal is shown where it belongs and in view, and goes once its field holds a value it may."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from media.encode.wav import wav_bytes
from tests.page.conftest import make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS

pytestmark = pytest.mark.integration


def test_the_music_help_and_the_uploaded_musics_length_do_not_overlap(page_farm, tab, tmp_path):
    music = tmp_path / "tone.wav"
    seconds = np.arange(8 * 16000) / 16000
    music.write_bytes(wav_bytes((np.sin(2 * np.pi * 440 * seconds) * 8000).astype(np.int16), 16000))
    sign_in(tab, page_farm, make_key(page_farm))
    tab.goto(page_farm.url + "/jobs/new")
    tab.get_by_label("Aspect ratio").select_option("16:9")
    tab.get_by_label("Music (optional)").set_input_files(str(music))
    status = tab.locator("#music-result").get_by_text(
        "This music (8 s) stops where the video ends, and starts again from the top if the video is longer."
    )
    expect(status).to_be_visible()

    help_box = tab.locator("#music-help").bounding_box()
    status_box = status.bounding_box()
    assert help_box and status_box
    assert status_box["y"] >= help_box["y"] + help_box["height"], (help_box, status_box)
    if SCREENSHOTS:
        top = help_box["y"] - 90
        clip = {"x": 0, "y": top, "width": 1100, "height": status_box["y"] + status_box["height"] + 30 - top}
        tab.screenshot(path=f"{SCREENSHOTS}/composer-music.png", full_page=True, clip=clip)


KHMER = "សួស្តី ពិភពលោក"


def test_a_script_no_voice_speaks_is_refused_beside_the_script_in_view_until_it_changes(page_farm, tab):
    """On a phone the refused form came back at its top, the sentence out of view, and beside the voice ("Choose
    a voice from the list.") although none was chosen: it is beside the script, in the API's words, in view."""
    tab.set_viewport_size({"width": 390, "height": 844})
    sign_in(tab, page_farm, make_key(page_farm))
    tab.goto(page_farm.url + "/jobs/new")
    script = tab.get_by_label("Script", exact=True)
    script.fill(KHMER)
    tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
    tab.get_by_role("button", name="Submit").click()
    refusal = tab.locator("#script-error")
    expect(refusal).to_have_attribute("data-code", "voice_unknown")
    expect(refusal).to_contain_text("The script is in Khmer (km), as detected")
    expect(refusal).to_be_in_viewport()
    expect(tab.get_by_label("Script", exact=True)).to_be_focused()
    expect(tab.locator("#voice-error")).to_have_count(0)

    script.fill("Good evening.")
    script.blur()
    expect(refusal).to_have_count(0)
    expect(script).not_to_have_attribute("aria-invalid", "true")


def test_a_refused_portrait_or_music_goes_once_the_field_holds_one_it_may(page_farm, tab, tmp_path):
    sound = tmp_path / "voice.wav"
    sound.write_bytes(wav_bytes(np.zeros(16000, dtype=np.int16), 16000))
    picture = tmp_path / "logo.png"
    Image.new("RGB", (8, 8), (200, 0, 0)).save(picture)
    sign_in(tab, page_farm, make_key(page_farm))
    tab.goto(page_farm.url + "/jobs/new")
    tab.get_by_label("Upload a portrait").set_input_files(str(sound))
    refused = tab.locator("#portrait-result .error")
    expect(refused).to_contain_text("audio")
    tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
    expect(refused).to_have_count(0)

    tab.get_by_label("Aspect ratio").select_option("16:9")
    music = tab.get_by_label("Music (optional)")
    music.set_input_files(str(picture))
    refused = tab.locator("#music-result .error")
    expect(refused).to_contain_text("image")
    music.set_input_files([])  # the choice emptied: no music, which a video may have
    expect(refused).to_have_count(0)
    music.set_input_files(str(picture))
    expect(refused).to_contain_text("image")
    music.set_input_files(str(sound))
    expect(refused).to_have_count(0)
    expect(tab.locator("#music-result")).to_contain_text("This music (1 s) stops where the video ends")
