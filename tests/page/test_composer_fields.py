"""The composer's fields as a producer sees them: the music's help text and its upload's status each keep their
own line."""

from __future__ import annotations

import numpy as np
import pytest
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
    status = tab.locator("#music-result").get_by_text("Music of 8.0 s will be used.")
    expect(status).to_be_visible()

    help_box = tab.locator("#music-help").bounding_box()
    status_box = status.bounding_box()
    assert help_box and status_box
    assert status_box["y"] >= help_box["y"] + help_box["height"], (help_box, status_box)
    if SCREENSHOTS:
        top = help_box["y"] - 90
        clip = {"x": 0, "y": top, "width": 1100, "height": status_box["y"] + status_box["height"] + 30 - top}
        tab.screenshot(path=f"{SCREENSHOTS}/composer-music.png", full_page=True, clip=clip)
