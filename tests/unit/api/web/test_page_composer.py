"""The composer: the new-video form's layout fields become the compositions contract, and the preview
fragment shows the API's still (or, in a sentence, why there is none)."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
from flask import Flask
from PIL import Image

from media.encode.wav import wav_bytes
from tests.unit.api.web.test_page_forms import Keys, Page, job_of, page  # noqa: F401  (the signed-in fixture)

LAYOUT = {
    "script": "Tonight: the river rose two metres.",
    "preset": "astronaut",
    "aspect": "16:9",
    "character.scale": "0.7",
    "character.x": "-0.5",
    "character.y": "0.2",
    "character.style": "normal",
    "background.type": "color",
    "background.color": "#0044aa",
    "lower_third": "Flood warning",
    "captions.style": "word",
    "title": "Flood",
}


def test_the_composer_submits_the_compositions_contract(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    job = job_of(app, keys, browser.post("/jobs/new", data={**LAYOUT, "csrf_token": token}))
    composition = job["spec"]["composition"]
    assert composition["canvas"] == {"width": 1920, "height": 1080}
    scene = composition["scenes"][0]
    assert scene["character"]["scale"] == 0.7 and scene["character"]["offset"] == {"x": -0.5, "y": 0.2}
    assert scene["background"] == {**scene["background"], "type": "color", "color": "#0044aa"}
    assert [o["text"] for o in scene["overlays"]] == ["Flood warning"] and scene["overlays"][0]["role"] == "lower_third"
    assert composition["captions"]["burn_in"] is True and composition["captions"]["style"] == "word"
    assert job["title"] == "Flood"


def test_also_deliver_asks_for_a_cut_of_each_other_shape_ticked(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    ticked = {"also.9:16": "on", "also.1:1": "on", "also.16:9": "on"}  # 16:9 is the main shape: no cut of its own
    job = job_of(app, keys, browser.post("/jobs/new", data={**LAYOUT, **ticked, "csrf_token": token}))
    renditions = job["spec"]["composition"]["renditions"]
    assert [r["canvas"] for r in renditions] == [{"width": 1080, "height": 1920}, {"width": 1080, "height": 1080}]
    assert all(r["character"] is None for r in renditions)  # laid out again by the farm for each shape
    plain = job_of(app, keys, browser.post("/jobs/new", data={**LAYOUT, "csrf_token": token}))
    assert plain["spec"]["composition"]["renditions"] == []


def test_without_an_aspect_the_video_is_the_square_face_as_before(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    job = job_of(app, keys, browser.post("/jobs/new", data={**LAYOUT, "aspect": "", "csrf_token": token}))
    assert "composition" not in job["spec"]


def test_transparent_backgrounds_are_webm_and_vertical_places_centre(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    form = {**LAYOUT, "aspect": "9:16", "background.type": "transparent", "character.x": "", "character.y": ""}
    composition = job_of(app, keys, browser.post("/jobs/new", data={**form, "csrf_token": token}))["spec"][
        "composition"
    ]
    assert composition["canvas"] == {"width": 1080, "height": 1920} and composition["output_format"] == "webm"
    # left empty, the composer's 9:16 place is the API's own: the face in the upper half, above the lower third
    assert composition["scenes"][0]["character"]["offset"] == {"x": 0.0, "y": -0.2}


def test_the_shape_chosen_above_is_ticked_and_fixed_among_the_also_deliver_boxes(page: Page) -> None:  # noqa: F811
    """It is delivered anyway: its box shows that, and cannot be unticked; the other shapes' boxes are free. A
    refused form comes back so too."""
    browser, token = page
    body = browser.post(
        "/jobs/new", data={**LAYOUT, "aspect": "9:16", "character.scale": "big", "csrf_token": token}
    ).get_data(as_text=True)
    boxes = dict(re.findall(r'<input type="checkbox" id="also-\d" name="also\.([0-9:]+)"([^>]*)>', body))
    assert set(boxes) == {"16:9", "9:16", "1:1"}, body[-3000:]
    assert "checked" in boxes["9:16"] and "disabled" in boxes["9:16"]
    assert "disabled" not in boxes["16:9"] and "checked" not in boxes["16:9"] and "disabled" not in boxes["1:1"]


def test_a_number_that_is_not_one_is_refused_in_a_sentence_by_the_presenter(page: Page) -> None:  # noqa: F811
    browser, token = page
    response = browser.post("/jobs/new", data={**LAYOUT, "character.scale": "big", "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'<small id="character-error" class="error" data-code="character_invalid">', body), body[-3000:]


def test_a_lower_third_the_farm_has_no_font_for_is_refused_by_it_in_a_sentence(page: Page) -> None:  # noqa: F811
    browser, token = page
    response = browser.post("/jobs/new", data={**LAYOUT, "lower_third": "► LIVE", "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<small id="lower_third-error" class="error" data-code="text_undrawable">([^<]*)<', body)
    assert error and "no font for" in error.group(1), body[-3000:]


def test_the_preview_fragment_shows_the_frame(page: Page) -> None:  # noqa: F811
    browser, token = page
    answer = browser.post("/jobs/new/preview", data={**LAYOUT, "preview_at": "1"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    found = re.search(r'src="data:image/png;base64,([^"]+)"', answer.get_data(as_text=True))
    assert found
    frame = np.asarray(Image.open(io.BytesIO(base64.b64decode(found.group(1)))))
    assert frame.shape == (1080, 1920, 3)
    assert np.abs(frame[20, 1900].astype(int) - (0, 0x44, 0xAA)).max() < 8  # the chosen colour, top right
    nothing = browser.post(
        "/jobs/new/preview", data={**LAYOUT, "preset": "", "preview_at": "1"}, headers={"X-CSRFToken": token}
    ).get_data(as_text=True)
    assert "Choose a portrait or a preset." in nothing and "data:image/png" not in nothing


def test_the_preview_needs_the_csrf_token(page: Page) -> None:  # noqa: F811
    browser, _ = page
    assert browser.post("/jobs/new/preview", data=LAYOUT).status_code == 400


def test_a_script_no_voice_speaks_is_refused_beside_the_script_in_the_apis_words(page: Page) -> None:  # noqa: F811
    """No voice was chosen, so the voice field is not what is wrong: the script's language is, and the API's detail
    names it ("The script is in Khmer (km), as detected. No voice speaks 'km'."); the page has no language field to set."""
    browser, token = page
    for path in ("/jobs/new", "/jobs/new/preview"):
        body = browser.post(
            path, data={**LAYOUT, "script": "សួស្តី ពិភពលោក", "csrf_token": token}, headers={"X-CSRFToken": token}
        ).get_data(as_text=True)
        assert 'data-code="voice_unknown"' in body, body[-3000:]
        assert "The script is in Khmer (km), as detected. No voice speaks" in body and "Set language" not in body, body[
            -3000:
        ]
        assert "Choose a voice from the list." not in body
    body = browser.post("/jobs/new", data={**LAYOUT, "script": "សួស្តី ពិភពលោក", "csrf_token": token}).get_data(
        as_text=True
    )
    assert re.search(r'<small id="script-error" class="error" data-code="voice_unknown">The script is in Khmer', body)
    assert re.search(r'<textarea id="script"[^>]*aria-describedby="script-count script-error"', body)
    assert 'id="voice-error"' not in body


def test_each_text_field_of_the_composer_takes_as_many_characters_as_the_api(app: Flask, page: Page) -> None:  # noqa: F811
    """A field's maxlength is the API's own bound (its /openapi.json maxLength): a browser cuts a pasted headline
    at maxlength without a word, so a smaller one lost the end of a headline the API would have taken."""
    browser, _ = page
    schemas = app.test_client().get("/openapi.json").get_json()["components"]["schemas"]
    bound = {
        "title": schemas["JobRequest"]["properties"]["title"]["maxLength"],
        "lower_third": schemas["Overlay"]["properties"]["text"]["maxLength"],
        "template_name": schemas["TemplateCreate"]["properties"]["name"]["maxLength"],
        "template_description": schemas["TemplateCreate"]["properties"]["description"]["maxLength"],
    }
    html = browser.get("/jobs/new").get_data(as_text=True)
    shown = {
        name: int(n) for name, n in re.findall(r'<input type="text" id="[^"]+" name="([^"]+)" maxlength="(\d+)"', html)
    }
    assert shown == bound


def test_music_is_said_to_stop_with_the_video_and_an_emptied_choice_is_no_music(page: Page) -> None:  # noqa: F811
    browser, token = page
    headers = {"X-CSRFToken": token}
    music = wav_bytes(np.zeros(16000 * 75, dtype=np.int16), 16000)
    chosen = browser.post(
        "/jobs/new/music", data={"music_file": (io.BytesIO(music), "bed.wav", "audio/wav")}, headers=headers
    ).get_data(as_text=True)
    # a producer reads what happens to it under a video of any length, not a number of seconds "used"
    assert (
        "This music (1 min 15 s) stops where the video ends, and starts again from the top if the video is longer."
        in chosen
    )
    assert "will be used" not in chosen
    # the choice emptied (the file dialog cancelled): no music, which a video may have, and nothing refused
    emptied = browser.post("/jobs/new/music", data={"music_file": (io.BytesIO(b""), "")}, headers=headers)
    assert emptied.status_code == 200
    assert 'class="error"' not in emptied.get_data(as_text=True) and "music.asset_id" not in emptied.get_data(
        as_text=True
    )
