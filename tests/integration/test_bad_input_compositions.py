"""Hostile and careless compositions and composition assets, on PostgreSQL as
on SQLite (the farm of tests/integration/test_bad_input.py): every bad field
of issue 18's contract is a 4xx problem+json with its stable code, leaves no
job or asset row and no stored file behind, and a good composed job is taken
right after."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given

from tests import composition_files as files
from tests.brand_files import block_font
from tests.composition_files import upload as _upload
from tests.fuzz_budget import fuzz_settings
from tests.hostile_strategies import composed_bodies
from tests.integration.test_bad_input import _stored, farm, submit_hostile  # noqa: F401 — the same farm on both databases

pytestmark = pytest.mark.integration

CANVAS = {"width": 1920, "height": 1080}
SINGLE = {"script": "Good evening from the newsroom.", "avatar": "astronaut", "canvas": CANVAS}
SCENE = {"script": "Good evening.", "avatar": "astronaut"}


@pytest.fixture(scope="module")
def assets(farm):  # noqa: F811
    """One asset of each purpose in the farm's tenant, made before any case counts rows."""
    client = farm[0]
    made = {}
    for name, data, filename, purpose in (
        ("music", files.music(), "bed.wav", "music"),
        ("narration", files.narration(), "voice.wav", None),
        ("picture", files.studio_picture(), "studio.png", "background"),
        ("video", files.video(fmt="webm"), "loop.webm", None),
        ("logo", files.logo(), "logo.png", "logo"),
    ):
        response = _upload(client, data, filename, purpose)
        assert response.status_code == 201, response.get_data(as_text=True)
        made[name] = response.get_json()["id"]
    return made


def job(**fields):
    body = copy.deepcopy(SINGLE)
    body.update(fields)
    return lambda c, a: c.post("/v1/jobs", json=body)


def job_with(make):
    """A job whose body names the farm's assets: ``make(assets) -> body``."""
    return lambda c, a: c.post("/v1/jobs", json=make(a))


def scenes(*items, **fields):
    return job_with(lambda a: {"canvas": CANVAS, "scenes": list(items), **fields})


def upload(data, name: str, purpose: str | None = None):
    return lambda c, a: _upload(c, data(), name, purpose)


def raw(body: str):
    return lambda c, a: c.post("/v1/jobs", data=body.encode(), content_type="application/json")


CASES = {
    # --- canvas
    "odd width": (job(canvas={"width": 1921, "height": 1080}), 422, "canvas_invalid"),
    "odd height": (job(canvas={"width": 1080, "height": 1919}), 422, "canvas_invalid"),
    "8K canvas": (job(canvas={"width": 7680, "height": 4320}), 422, "canvas_invalid"),
    "4K DCI (too many pixels)": (job(canvas={"width": 3840, "height": 2304}), 422, "canvas_invalid"),
    "sliver of 5:1": (job(canvas={"width": 1280, "height": 256}), 422, "canvas_invalid"),
    "zero-sized canvas": (job(canvas={"width": 0, "height": 0}), 422, "canvas_invalid"),
    "negative canvas": (job(canvas={"width": -1920, "height": 1080}), 422, "canvas_invalid"),
    "canvas past 64 bits": (
        raw('{"script": "Hi.", "avatar": "astronaut", "canvas": {"width": 1e400, "height": 2}}'),
        400,
        "json_number_invalid",
    ),
    "canvas as a string": (job(canvas="1920x1080"), 422, "canvas_invalid"),
    "renditions without a canvas": (
        job_with(lambda a: {**SCENE, "renditions": [{"canvas": CANVAS}]}),
        422,
        "canvas_invalid",
    ),
    # --- scenes
    "no scenes": (scenes(), 422, "scenes_invalid"),
    "51 scenes": (scenes(*[SCENE] * 51), 422, "too_many_scenes"),
    "scenes beside a top-level script": (job_with(lambda a: {**SINGLE, "scenes": [SCENE]}), 422, "scenes_invalid"),
    "scene with both script and audio": (scenes({**SCENE, "audio_asset_id": "ast_x"}), 422, "scenes_invalid"),
    "scene of an empty script": (scenes(SCENE, {**SCENE, "script": " \n "}), 422, "script_empty"),
    "scene NUL in the script": (scenes({**SCENE, "script": "Hi\x00"}), 422, "text_invalid_character"),
    "scene narrated by music": (
        job_with(lambda a: {"canvas": CANVAS, "scenes": [{"audio_asset_id": a["music"], "avatar": "astronaut"}]}),
        422,
        "asset_purpose_mismatch",
    ),
    "scene avatar of another kind": (
        job_with(lambda a: {"canvas": CANVAS, "scenes": [{**SCENE, "avatar": a["video"]}]}),
        422,
        "asset_purpose_mismatch",
    ),
    "scene avatar that does not exist": (
        scenes({**SCENE, "avatar": "ast_01m0000000000000000000000"}),
        404,
        "asset_not_found",
    ),
    "crossfade of ten seconds": (
        scenes(SCENE, {**SCENE, "transition": {"type": "crossfade", "duration": 10}}),
        422,
        "scenes_invalid",
    ),
    # --- character
    "presenter scale of 50": (job(character={"scale": 50}), 422, "character_invalid"),
    "presenter offset out of range": (job(character={"offset": {"x": 3, "y": 0}}), 422, "character_invalid"),
    "presenter style unknown": (job(character={"style": "hologram"}), 422, "character_invalid"),
    "matting as a string": (job(character={"matting": "true"}), 422, "character_invalid"),
    # --- background
    "background colour of words": (job(background={"type": "color", "color": "blue-ish"}), 422, "background_invalid"),
    "background colour of 4 digits": (job(background={"type": "color", "color": "#1234"}), 422, "background_invalid"),
    "transparent background in mp4": (job(background={"type": "transparent"}), 422, "transparent_needs_webm"),
    "transparent background, mp4 said": (
        job(background={"type": "transparent"}, output_format="mp4"),
        422,
        "transparent_needs_webm",
    ),
    "background image without an asset": (job(background={"type": "image"}), 422, "background_invalid"),
    "background video that is a picture": (
        job_with(lambda a: {**SINGLE, "background": {"type": "video", "asset_id": a["picture"]}}),
        422,
        "background_invalid",
    ),
    "background of music": (
        job_with(lambda a: {**SINGLE, "background": {"type": "image", "asset_id": a["music"]}}),
        422,
        "asset_purpose_mismatch",
    ),
    "background of a logo": (
        job_with(lambda a: {**SINGLE, "background": {"type": "image", "asset_id": a["logo"]}}),
        422,
        "asset_purpose_mismatch",
    ),
    # --- overlays
    "overlay ending before it starts": (
        job(overlays=[{"type": "text", "text": "Jane", "start": 4, "end": 1}]),
        422,
        "overlay_timing",
    ),
    "overlay starting before its scene": (
        job(overlays=[{"type": "text", "text": "Jane", "start": -2}]),
        422,
        "overlay_timing",
    ),
    "overlay of 2 hours": (job(overlays=[{"type": "text", "text": "Jane", "end": 7200}]), 422, "overlay_timing"),
    "overlay in an unknown font": (
        job(overlays=[{"type": "text", "text": "Jane", "font": "Comic Sans MS"}]),
        422,
        "font_unknown",
    ),
    "overlay NUL in the text": (job(overlays=[{"type": "text", "text": "Ja\x00ne"}]), 422, "text_invalid_character"),
    "overlay of symbols no font draws": (job(overlays=[{"type": "text", "text": "► LIVE"}]), 422, "text_undrawable"),
    "overlay of 100 000 characters": (job(overlays=[{"type": "text", "text": "x" * 100_000}]), 422, "overlay_invalid"),
    "overlay text colour bad": (job(overlays=[{"type": "text", "text": "x", "color": "#ggg"}]), 422, "overlay_invalid"),
    "logo overlay that does not exist": (
        job(overlays=[{"type": "image", "asset_id": "ast_01m0000000000000000000000"}]),
        404,
        "asset_not_found",
    ),
    "logo overlay of a background picture": (
        job_with(lambda a: {**SINGLE, "overlays": [{"type": "image", "asset_id": a["picture"]}]}),
        422,
        "asset_purpose_mismatch",
    ),
    "a thousand overlays": (job(overlays=[{"type": "text", "text": "x"}] * 1000), 422, "overlay_invalid"),
    # --- captions
    "captions in an unknown font": (job(captions={"burn_in": True, "font": "papyrus"}), 422, "font_unknown"),
    "captions style unknown": (job(captions={"style": "karaoke"}), 422, "captions_invalid"),
    "captions colour bad": (job(captions={"color": "white"}), 422, "captions_invalid"),
    "captions size of zero": (job(captions={"size": 0}), 422, "captions_invalid"),
    # --- music
    "music asset used as a portrait": (
        job_with(lambda a: {"script": "Hi.", "avatar": a["music"]}),
        422,
        "asset_purpose_mismatch",
    ),
    "narration used as music": (
        job_with(lambda a: {**SINGLE, "music": {"asset_id": a["narration"]}}),
        422,
        "asset_purpose_mismatch",
    ),
    "music louder than full": (
        job_with(lambda a: {**SINGLE, "music": {"asset_id": a["music"], "volume": 2}}),
        422,
        "music_invalid",
    ),
    "music NaN volume": (
        raw(
            '{"script": "Hi.", "avatar": "astronaut", "canvas": {"width": 640, "height": 360}, '
            '"music": {"asset_id": "ast_x", "volume": NaN}}'
        ),
        400,
        "json_number_invalid",
    ),
    # --- renditions and output
    "rendition of an odd canvas": (
        job(renditions=[{"canvas": {"width": 1081, "height": 1920}}]),
        422,
        "renditions_invalid",
    ),
    "rendition of an 8K canvas": (
        job(renditions=[{"canvas": {"width": 7680, "height": 4320}}]),
        422,
        "renditions_invalid",
    ),
    "rendition of the job's own canvas": (job(renditions=[{"canvas": CANVAS}]), 422, "renditions_invalid"),
    "five renditions": (
        job(renditions=[{"canvas": {"width": 256 * k, "height": 256}} for k in range(1, 6)]),
        422,
        "renditions_invalid",
    ),
    "output as a GIF": (job(output_format="gif"), 422, "output_format_invalid"),
    "composition nested 5000 deep": (
        raw('{"script": "Hi.", "avatar": "astronaut", "canvas": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"),
        400,
        "json_too_deep",
    ),
    # --- composition assets
    "background video of 10 hours": (upload(files.ten_hour_video, "ten-hours.mp4"), 422, "video_too_long"),
    "background video of 8K": (upload(files.eight_k_video, "8k.mp4", "background"), 422, "video_too_large"),
    "8K video of undecodable frames (judged by its header)": (
        upload(lambda: files.frames_as_noise(files.eight_k_video()), "8k.mp4"),
        422,
        "video_too_large",
    ),
    "10-hour video of undecodable frames": (
        upload(lambda: files.frames_as_noise(files.ten_hour_video()), "ten-hours.mp4"),
        422,
        "video_too_long",
    ),
    "background video of 120 fps": (upload(lambda: files.video(fps="120"), "fast.mp4"), 422, "video_too_large"),
    "background video in AVI": (upload(lambda: files.video(fmt="avi"), "clip.avi"), 415, "asset_unsupported_type"),
    "streamed WebM that states no length": (upload(files.streamed_webm, "recorded.webm"), 422, "video_unreadable"),
    "half a video": (
        upload(lambda: files.video()[: len(files.video()) // 2], "half.mp4", "background"),
        422,
        "asset_unreadable",
    ),
    "video uploaded as a logo": (
        upload(lambda: files.video(fmt="webm"), "clip.webm", "logo"),
        422,
        "asset_purpose_invalid",
    ),
    "music uploaded as a portrait": (upload(files.music, "bed.wav", "portrait"), 422, "asset_purpose_invalid"),
    "PDF uploaded as a logo": (upload(files.document, "doc.pdf", "logo"), 422, "asset_purpose_invalid"),
    "PDF uploaded as a background": (upload(files.document, "doc.pdf", "background"), 422, "asset_purpose_invalid"),
    "PDF uploaded as narration": (upload(files.document, "doc.pdf", "narration"), 422, "asset_purpose_invalid"),
    "PDF uploaded as music": (upload(files.document, "doc.pdf", "music"), 422, "asset_purpose_invalid"),
    "PDF uploaded with no purpose": (upload(files.document, "doc.pdf"), 415, "asset_unsupported_type"),
    "font uploaded as a logo": (upload(block_font, "brand.ttf", "logo"), 422, "asset_purpose_invalid"),
    "picture uploaded as music": (upload(files.logo, "logo.png", "music"), 422, "asset_purpose_invalid"),
    "purpose unknown": (upload(files.logo, "logo.png", "wallpaper"), 422, "asset_purpose_invalid"),
    "purpose with a NUL": (upload(files.logo, "logo.png", "logo\x00"), 422, "text_invalid_character"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_composition_is_a_4xx_problem_and_stores_nothing(farm, assets, case):  # noqa: F811
    client, sessions, settings = farm
    send, status, code = CASES[case]
    before = _stored(sessions, settings)
    response = send(client, assets)
    assert response.status_code == status, response.get_data(as_text=True)[:600]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code, response.get_json()
    assert _stored(sessions, settings) == before
    # the server and its database connections stay healthy: a good composed job goes through
    good = client.post("/v1/jobs", json={**SINGLE, "background": {"type": "color", "color": "#000"}})
    assert good.status_code == 202, good.get_data(as_text=True)
    assert client.post(f"/v1/jobs/{good.get_json()['id']}/cancel").status_code == 200


@fuzz_settings(40)
@given(body=composed_bodies)
def test_any_composed_body_is_answered_on_either_database(farm, body):  # noqa: F811
    """Plausible compositions with hostile values inside: never a 500; a refusal stores nothing."""
    submit_hostile(farm, body)


def test_a_good_composition_with_every_part_is_taken_on_either_database(farm, assets):  # noqa: F811
    client = farm[0]
    body = {
        "canvas": CANVAS,
        "output_format": "webm",
        "captions": {"burn_in": True, "style": "word"},
        "music": {"asset_id": assets["music"], "volume": 0.3},
        "renditions": [{"canvas": {"width": 1080, "height": 1920}, "character": {"scale": 0.6}}],
        "scenes": [
            {
                **SCENE,
                "background": {"type": "video", "asset_id": assets["video"]},
                "overlays": [
                    {"type": "text", "text": "Jane Doe, anchor", "role": "lower_third", "end": 4},
                    {"type": "image", "asset_id": assets["logo"]},
                ],
            },
            {
                "audio_asset_id": assets["narration"],
                "avatar": "cameraman",
                "background": {"type": "image", "asset_id": assets["picture"]},
            },
            {**SCENE, "background": {"type": "transparent"}, "transition": {"type": "crossfade"}},
        ],
    }
    response = client.post("/v1/jobs", json=body)
    assert response.status_code == 202, response.get_data(as_text=True)
    stored = response.get_json()["spec"]["composition"]
    assert json.loads(json.dumps(stored)) == stored and len(stored["scenes"]) == 3
    assert stored["scenes"][2]["transition"] == {"type": "crossfade", "duration": 0.5}
