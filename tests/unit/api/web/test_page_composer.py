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
        "title_overlay": schemas["Overlay"]["properties"]["text"]["maxLength"],
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


def png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def upload_logo(browser, token: str, data: bytes, name: str = "logo.png", kind: str = "image/png") -> str:  # type: ignore[no-untyped-def]
    """The logo field's answer (the upload forwarded with purpose logo): its HTML."""
    return str(
        browser.post(
            "/jobs/new/logo", data={"logo_file": (io.BytesIO(data), name, kind)}, headers={"X-CSRFToken": token}
        ).get_data(as_text=True)
    )


def logo_id(answer: str) -> str:
    found = re.search(r'<input type="hidden" name="logo.asset_id" value="([^"]+)">', answer)
    assert found, answer
    return found.group(1)


def test_the_composer_sends_a_title_and_a_logo_in_its_corner(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    answer = upload_logo(browser, token, png((200, 100), (220, 0, 0)))
    assert "This logo (200 × 100) is shown in the corner chosen below" in answer
    logo = logo_id(answer)
    form = {**LAYOUT, "title_overlay": "  River rises  ", "logo.asset_id": logo, "logo.anchor": "bottom_left"}
    job = job_of(app, keys, browser.post("/jobs/new", data={**form, "csrf_token": token}))
    overlays = job["spec"]["composition"]["scenes"][0]["overlays"]
    texts = {o["role"]: o["text"] for o in overlays if o["type"] == "text"}
    assert texts == {"lower_third": "Flood warning", "title": "River rises"}
    images = [o for o in overlays if o["type"] == "image"]
    assert [(o["asset_id"], o["anchor"]) for o in images] == [(logo, "bottom_left")]
    assert job["title"] == "Flood"  # the job's own title (the jobs list's) is another field

    # the corner and the size left as the composer offers them first are the API's defaults
    job = job_of(app, keys, browser.post("/jobs/new", data={**LAYOUT, "logo.asset_id": logo, "csrf_token": token}))
    images = [o for o in job["spec"]["composition"]["scenes"][0]["overlays"] if o["type"] == "image"]
    assert [(o["anchor"], o["scale"]) for o in images] == [("top_right", 0.15)]
    # a smaller logo, as chosen
    small = {**LAYOUT, "logo.asset_id": logo, "logo.scale": "0.06", "csrf_token": token}
    images = [
        o
        for o in job_of(app, keys, browser.post("/jobs/new", data=small))["spec"]["composition"]["scenes"][0][
            "overlays"
        ]
        if o["type"] == "image"
    ]
    assert [o["scale"] for o in images] == [0.06]
    html = browser.get("/jobs/new").get_data(as_text=True)
    corners = re.search(r'<select id="logo.anchor".*?</select>', html, re.S)
    assert corners and re.findall(r'<option value="(\w+)"', corners.group(0))[0] == "top_right"
    sizes = re.search(r'<select id="logo.scale".*?</select>', html, re.S)
    assert sizes and re.findall(r'<option value="([\d.]+)"', sizes.group(0)) == ["0.15", "0.1", "0.06"]


def test_the_preview_shows_the_title_and_the_logo(page: Page) -> None:  # noqa: F811
    browser, token = page
    logo = logo_id(upload_logo(browser, token, png((200, 100), (220, 0, 0))))

    def frame(**fields: str) -> np.ndarray:
        answer = browser.post(
            "/jobs/new/preview", data={**LAYOUT, "preview_at": "1", **fields}, headers={"X-CSRFToken": token}
        ).get_data(as_text=True)
        found = re.search(r'src="data:image/png;base64,([^"]+)"', answer)
        assert found, answer
        return np.asarray(Image.open(io.BytesIO(base64.b64decode(found.group(1)))).convert("RGB")).astype(int)

    plain = frame()
    with_both = frame(**{"title_overlay": "River rises", "logo.asset_id": logo, "logo.anchor": "top_left"})
    # the logo, 0.15 of the height (162 px, so 324 × 162 here), in the top-left corner of the blue background
    red = np.abs(with_both - (220, 0, 0)).max(axis=2) < 40
    rows, cols = np.nonzero(red)
    assert 150 < rows.max() - rows.min() < 175 and 310 < cols.max() - cols.min() < 340
    assert rows.max() < 400 and cols.max() < 500
    assert not (np.abs(plain - (220, 0, 0)).max(axis=2) < 40).any()
    # the title: large letters across the top centre where the plain frame has only the background
    top = np.abs(with_both[:300, 600:1300] - plain[:300, 600:1300]).max(axis=2)
    assert (top > 60).sum() > 2000


def test_a_logo_the_farm_cannot_use_is_refused_beside_it_in_the_apis_words(page: Page) -> None:  # noqa: F811
    import subprocess

    from media.encode.ffmpeg_binary import ffmpeg_exe

    browser, token = page
    clip = subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=160x90:r=10:d=1"]
        + ["-pix_fmt", "yuv420p", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov", "pipe:1"],
        check=True,
        capture_output=True,
    ).stdout
    answer = upload_logo(browser, token, clip, "spot.mp4", "video/mp4")
    refused = re.search(r'<small id="logo-upload-error" class="error" data-code="([^"]+)">([^<]*)<', answer)
    assert refused, answer
    assert "logo" in refused.group(2) and "logo.asset_id" not in answer
    # the choice emptied: no logo of the video's own, nothing refused
    emptied = upload_logo(browser, token, b"", "")
    assert 'class="error"' not in emptied and "logo.asset_id" not in emptied


def test_a_title_the_farm_has_no_font_for_is_refused_beside_the_title(page: Page) -> None:  # noqa: F811
    browser, token = page
    response = browser.post("/jobs/new", data={**LAYOUT, "title_overlay": "► LIVE", "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<small id="title_overlay-error" class="error" data-code="text_undrawable">([^<]*)<', body)
    assert error and error.group(1).startswith("The title has characters"), body[-3000:]
    assert 'id="lower_third-error"' not in body
    assert re.search(
        r'<input type="text" id="title_overlay"[^>]*aria-describedby="title-overlay-help title_overlay-error"', body
    )


def test_a_logo_and_title_of_the_producers_win_over_the_brand_kits(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    """The API adds the kit's logo only to a scene with no image overlay: the producer's logo replaces it, and the
    producer's title keeps its own text under the kit's title font."""
    from tests.unit.api.bearer import client as api_client

    browser, token = page
    api = api_client(app, keys["alpha"])
    kit_logo = logo_id(upload_logo(browser, token, png((120, 120), (0, 200, 0))))
    kit = api.post(
        "/v1/brand-kits",
        json={
            "name": "Green",
            "logo_asset_id": kit_logo,
            "logo": {"anchor": "bottom_right"},
            "fonts": {"title": "noto-serif"},
        },
    )
    assert kit.status_code == 201, kit.get_data(as_text=True)
    ours = logo_id(upload_logo(browser, token, png((200, 100), (220, 0, 0))))
    form = {**LAYOUT, "brand_kit_id": kit.get_json()["id"], "title_overlay": "River rises", "csrf_token": token}

    def overlays(**fields: str) -> list[dict]:
        return list(
            job_of(app, keys, browser.post("/jobs/new", data={**form, **fields}))["spec"]["composition"]["scenes"][0][
                "overlays"
            ]
        )

    own = overlays(**{"logo.asset_id": ours, "logo.anchor": "top_left"})
    assert [(o["asset_id"], o["anchor"]) for o in own if o["type"] == "image"] == [(ours, "top_left")]
    title = next(o for o in own if o.get("role") == "title")
    assert title["text"] == "River rises" and title["font"] == "noto-serif"
    kits = overlays()  # no logo of the producer's: the kit's, in the kit's corner
    assert [(o["asset_id"], o["anchor"]) for o in kits if o["type"] == "image"] == [(kit_logo, "bottom_right")]


def test_save_as_template_makes_the_lower_third_the_headline_beside_a_title_and_a_logo(
    app: Flask,
    keys: Keys,
    page: Page,  # noqa: F811
) -> None:
    from tests.unit.api.bearer import client as api_client

    browser, token = page
    logo = logo_id(upload_logo(browser, token, png((200, 100), (220, 0, 0))))
    for lower_third, headline in (("Flood warning", "Flood warning"), ("", None)):
        saved = browser.post(
            "/templates/save",
            data={
                **LAYOUT,
                "lower_third": lower_third,
                "title_overlay": "River rises",
                "logo.asset_id": logo,
                "template_name": f"Night {lower_third or 'plain'}",
                "vary_headline": "on",
                "csrf_token": token,
            },
        )
        assert saved.status_code == 303, saved.get_data(as_text=True)[-3000:]
        stored = api_client(app, keys["alpha"]).get(f"/v1/templates/{saved.headers['Location'].rsplit('/', 1)[1]}")
        body = stored.get_json()["body"]
        assert [o.get("text") for o in body["overlays"] if o["type"] == "text"][-1] == "River rises"
        variables = {v["name"]: v.get("default") for v in stored.get_json()["variables"]}
        assert variables.get("headline") == headline
