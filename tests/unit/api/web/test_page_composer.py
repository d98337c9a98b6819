"""The composer: the new-video form's layout fields become the compositions contract, and the preview
fragment shows the API's still (or, in a sentence, why there is none)."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
from flask import Flask
from PIL import Image

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
