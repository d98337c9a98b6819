"""Composed jobs through the HTTP API (SQLite; PostgreSQL in
tests/integration/test_bad_input_compositions.py): the stored
spec["composition"], asset purposes and background videos, drafts that
compose, renditions in the job's document, and the catalog and spec that
describe them."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from domain.composition_rules import FONT_NAMES
from domain.models import Asset, Job
from domain.states import JobState
from tests import composition_files as files
from tests.brand_files import block_font
from tests.unit.api.test_requests import assert_problem as problem

CANVAS = {"width": 1920, "height": 1080}


def upload(client, data: bytes, name: str, purpose: str | None = None):
    form = {"file": (io.BytesIO(data), name)}
    if purpose is not None:
        form["purpose"] = purpose
    return client.post("/v1/assets", data=form, content_type="multipart/form-data")


def asset_id(client, data: bytes, name: str, purpose: str | None = None) -> str:
    response = upload(client, data, name, purpose)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def count_jobs(sessions) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Job))


# --- jobs -----------------------------------------------------------------------------------------
def test_a_job_without_canvas_is_todays_square_job(alpha):
    response = alpha.post("/v1/jobs", json={"script": "Hello from the newsroom.", "avatar": "astronaut"})
    assert response.status_code == 202
    spec = response.get_json()["spec"]
    assert "composition" not in spec and spec["script"] == "Hello from the newsroom."


def test_a_single_form_job_with_a_canvas_stores_one_scene_with_its_voice_resolved(alpha):
    response = alpha.post(
        "/v1/jobs",
        json={
            "script": "  Good evening.  ",
            "avatar": "astronaut",
            "canvas": CANVAS,
            "background": {"type": "color", "color": "#1F2937"},
            "overlays": [{"type": "text", "text": "Jane Doe, anchor", "role": "lower_third"}],
            "captions": {"burn_in": True, "style": "word"},
            "output_format": "webm",
        },
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    spec = response.get_json()["spec"]
    composition = spec["composition"]
    assert composition["canvas"] == CANVAS and composition["output_format"] == "webm"
    (scene,) = composition["scenes"]
    assert scene["script"] == "Good evening." == spec["script"]
    assert scene["voice"] == spec["voice"] and scene["language"] == spec["language"] and scene["voice"]
    assert scene["background"]["color"] == "#1f2937" and scene["character"]["matting"] is True
    assert composition["captions"]["style"] == "word"


def test_scenes_each_speak_with_their_own_voice_and_the_first_is_the_jobs(alpha):
    response = alpha.post(
        "/v1/jobs",
        json={
            "canvas": {"width": 1080, "height": 1920},
            "scenes": [
                {"script": "Good evening and welcome.", "avatar": "astronaut"},
                {
                    "script": "Guten Abend und willkommen.",
                    "avatar": "cameraman",
                    "language": "de",
                    "transition": {"type": "crossfade"},
                },
            ],
        },
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    spec = response.get_json()["spec"]
    first, second = spec["composition"]["scenes"]
    assert spec["script"] == first["script"] and spec["avatar"] == {"preset": "astronaut"}
    assert second["language"].startswith("de") and second["voice"] != first["voice"]
    assert second["avatar"] == {"preset": "cameraman"} and second["transition"]["duration"] == 0.5


def test_a_bad_scene_is_refused_naming_the_scene_and_nothing_is_written(alpha, sessions):
    response = alpha.post(
        "/v1/jobs",
        json={
            "canvas": CANVAS,
            "scenes": [{"script": "Fine.", "avatar": "astronaut"}, {"script": "   ", "avatar": "astronaut"}],
        },
    )
    body = problem(response, 422, "script_empty")
    assert body["detail"].startswith("scenes[1]: ")
    assert count_jobs(sessions) == 0


def test_a_scene_its_voice_would_spell_out_is_refused_naming_the_scene(alpha, sessions):
    scenes = [{"script": "Fine.", "avatar": "astronaut"}, {"script": "The mayor of 北京 spoke.", "avatar": "astronaut"}]
    response = alpha.post("/v1/jobs", json={"canvas": CANVAS, "scenes": scenes})
    body = problem(response, 422, "script_unreadable")
    assert body["detail"].startswith("scenes[1]: The voice 'joe' (English) cannot read Chinese characters (北 京)")
    assert count_jobs(sessions) == 0


def test_a_job_of_several_scenes_refuses_a_duration(alpha):
    response = alpha.post(
        "/v1/jobs",
        json={
            "canvas": CANVAS,
            "params": {"duration": 2.0},
            "scenes": [{"script": "One.", "avatar": "astronaut"}, {"script": "Two.", "avatar": "astronaut"}],
        },
    )
    problem(response, 422, "scenes_invalid")


def test_a_bad_field_is_a_problem_with_its_code_and_stores_no_job(alpha, sessions):
    cases = [
        ({"canvas": {"width": 1921, "height": 1080}}, "canvas_invalid"),
        ({"canvas": CANVAS, "background": {"type": "transparent"}}, "transparent_needs_webm"),
        ({"canvas": CANVAS, "overlays": [{"type": "text", "text": "x", "font": "comic-sans"}]}, "font_unknown"),
        ({"output_format": "webm"}, "canvas_invalid"),
    ]
    for fields, code in cases:
        body = problem(alpha.post("/v1/jobs", json={"script": "Hi.", "avatar": "astronaut", **fields}), 422, code)
        assert body["errors"]
    assert count_jobs(sessions) == 0


def test_a_text_overlay_no_shipped_font_draws_is_refused_naming_its_characters(alpha, sessions):
    """Drawn, a symbol no shipped font has (►, ✗) or a Khmer word would be boxes on the picture: the caller is
    told which. Emoji are drawn, in colour."""
    scenes = [
        {"script": "One.", "avatar": "astronaut", "overlays": [{"type": "text", "text": "北京 · 25°C · €3"}]},
        {"script": "Two.", "avatar": "astronaut", "overlays": [{"type": "text", "text": "► LIVE ✗ Paris"}]},
    ]
    body = problem(alpha.post("/v1/jobs", json={"canvas": CANVAS, "scenes": scenes}), 422, "text_undrawable")
    assert list(body["errors"]) == ["scenes[1].overlays[0].text"]
    assert "'►', '✗'" in body["detail"] and "emoji" in body["detail"]
    assert all(
        script in body["detail"] for script in ("Tamil", "Telugu", "Hebrew", "Bengali", "Thai")
    )  # it says what is
    khmer = {"script": "Hi.", "avatar": "astronaut", "canvas": CANVAS, "overlays": [{"type": "text", "text": "ខ្មែរ"}]}
    assert list(problem(alpha.post("/v1/jobs", json=khmer), 422, "text_undrawable")["errors"]) == ["overlays[0].text"]
    # burned-in captions of words in letters no font draws (a narration's transcript: no voice speaks Khmer)
    narration = upload(alpha, files.narration(), "voice.wav").get_json()["id"]
    spoken = {"audio_asset_id": narration, "transcript": "ខ្មែរ ភាសា", "avatar": "astronaut", "canvas": CANVAS}
    spoken["captions"] = {"burn_in": True}
    assert list(problem(alpha.post("/v1/jobs", json=spoken), 422, "text_undrawable")["errors"]) == ["transcript"]
    assert count_jobs(sessions) == 0
    # a script's symbols are only left out of the picture
    captioned = {"script": "Hi.", "avatar": "astronaut", "canvas": CANVAS, "captions": {"burn_in": True}}
    # every script a voice speaks is drawn: a Hebrew title over Hebrew captions, a Bengali one, a Georgian one
    for script, title in (("שלום עולם.", "חדשות: היום"), ("শুভ সন্ধ্যা।", "আজকের সংবাদ"), ("გამარჯობა.", "ამბები")):
        body = {**captioned, "script": script, "overlays": [{"type": "text", "text": title, "role": "title"}]}
        assert alpha.post("/v1/jobs", json=body).status_code == 202, script
    captioned["script"] = "Breaking news ► tonight ✗ live."
    assert alpha.post("/v1/jobs", json=captioned).status_code == 202
    # what the shipped fonts draw between them, symbols in a Chinese title and arrows included, is taken
    scenes[1]["overlays"] = [{"type": "text", "text": "🔴 LIVE · Paris → Lyon ▲ 2% ✈️", "role": "title"}]
    assert alpha.post("/v1/jobs", json={"canvas": CANVAS, "scenes": scenes}).status_code == 202


# --- asset purposes -------------------------------------------------------------------------------
def test_uploads_get_their_kinds_default_purpose(alpha):
    portrait = upload(alpha, files.portrait(), "face.png").get_json()
    narration = upload(alpha, files.narration(), "voice.wav").get_json()
    clip = upload(alpha, files.video(fmt="webm"), "loop.webm").get_json()
    assert (portrait["kind"], portrait["purpose"]) == ("image", "portrait")
    assert (narration["kind"], narration["purpose"]) == ("audio", "narration")
    assert (clip["kind"], clip["purpose"], clip["content_type"]) == ("video", "background", "video/webm")
    assert clip["info"]["width"] == 320 and clip["info"]["height"] == 240 and clip["info"]["fps"] == 25


def test_a_film_with_sound_sent_without_purpose_is_narration_as_before_and_a_background_when_asked(alpha):
    as_before = upload(alpha, files.film_with_sound(), "clip.mp4").get_json()
    assert (as_before["kind"], as_before["purpose"]) == ("audio", "narration")
    background = upload(alpha, files.film_with_sound(), "clip.mp4", "background").get_json()
    assert (background["kind"], background["purpose"]) == ("video", "background")
    assert background["info"]["duration_s"] == pytest.approx(1.5, abs=0.1)


def test_a_logo_keeps_its_alpha_and_a_background_picture_needs_no_face(alpha):
    logo = upload(alpha, files.logo(), "logo.png", "logo").get_json()
    assert logo["purpose"] == "logo" and logo["info"]["alpha"] is True
    background = upload(alpha, files.studio_picture(), "studio.png", "background")
    assert background.status_code == 201 and background.get_json()["purpose"] == "background"
    # the same faceless picture as a portrait is refused as it always was
    problem(upload(alpha, files.studio_picture(), "studio.png"), 422, "avatar_no_face")


@pytest.mark.parametrize(
    "data, name, purpose, status, code",
    [
        (files.music, "music.wav", "portrait", 422, "asset_purpose_invalid"),
        (files.logo, "logo.png", "music", 422, "asset_purpose_invalid"),
        (files.video, "clip.mp4", "logo", 422, "asset_purpose_invalid"),
        (files.logo, "logo.png", "wallpaper", 422, "asset_purpose_invalid"),
        (files.ten_hour_video, "ten-hours.mp4", "background", 422, "video_too_long"),
        (files.eight_k_video, "8k.mp4", None, 422, "video_too_large"),
        (lambda: files.video(fps="120"), "fast.mp4", None, 422, "video_too_large"),
        (lambda: files.video(fmt="avi"), "clip.avi", None, 415, "asset_unsupported_type"),
    ],
)
def test_an_upload_that_cannot_serve_its_purpose_is_refused_and_stores_nothing(
    alpha, sessions, data, name, purpose, status, code
):
    problem(upload(alpha, data(), name, purpose), status, code)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Asset)) == 0


@pytest.mark.parametrize(
    "data, name, purpose, takes",
    [
        (files.document, "doc.pdf", "logo", "A logo is a PNG, JPEG or WebP image; this file is none of those."),
        (block_font, "brand.ttf", "logo", "A logo is a PNG, JPEG or WebP image; this file is a font."),
        (files.document, "doc.pdf", "background", "A background is a JPEG, PNG or WebP image, or an MP4, MOV or WebM"),
        (files.document, "doc.pdf", "portrait", "A portrait is a JPEG, PNG or WebP photo of one face"),
        (files.music, "bed.wav", "logo", "A logo is a PNG, JPEG or WebP image; this file is audio."),
    ],
)
def test_a_file_that_is_not_what_its_purpose_takes_is_refused_saying_what_it_takes(
    alpha, sessions, sqlite_settings, data, name, purpose, takes
):
    refused = problem(upload(alpha, data(), name, purpose), 422, "asset_purpose_invalid")
    assert takes in refused["detail"]
    assert not any(word in refused["detail"] for word in ("Errno", "FFmpeg", "Invalid data", "audio that"))
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Asset)) == 0
    assert not any(p.is_file() for p in sqlite_settings.data_dir.rglob("assets/**/*"))


def test_an_asset_used_against_its_purpose_is_refused_naming_both(alpha):
    music = asset_id(alpha, files.music(), "music.wav", "music")
    background = asset_id(alpha, files.studio_picture(), "studio.png", "background")
    as_portrait = problem(
        alpha.post("/v1/jobs", json={"script": "Hi.", "avatar": music}), 422, "asset_purpose_mismatch"
    )
    assert "purpose portrait" in as_portrait["detail"] and "purpose music" in as_portrait["detail"]
    as_music = problem(
        alpha.post(
            "/v1/jobs",
            json={"script": "Hi.", "avatar": "astronaut", "canvas": CANVAS, "music": {"asset_id": background}},
        ),
        422,
        "asset_purpose_mismatch",
    )
    assert "music" in as_music["detail"] and "background" in as_music["detail"]
    as_logo = problem(
        alpha.post(
            "/v1/jobs",
            json={
                "script": "Hi.",
                "avatar": "astronaut",
                "canvas": CANVAS,
                "overlays": [{"type": "image", "asset_id": background}],
            },
        ),
        422,
        "asset_purpose_mismatch",
    )
    assert as_logo["errors"] == {"scenes[0].overlays[0].asset_id": ["purpose background, not logo"]}


def test_a_narration_as_the_avatar_keeps_todays_code(alpha):
    narration = asset_id(alpha, files.narration(), "voice.wav")
    problem(alpha.post("/v1/jobs", json={"script": "Hi.", "avatar": narration}), 422, "avatar_not_image")


def test_a_job_uses_its_backgrounds_logo_and_music_by_purpose(alpha):
    clip = asset_id(alpha, files.video(fmt="webm"), "loop.webm")
    picture = asset_id(alpha, files.studio_picture(), "studio.png", "background")
    logo = asset_id(alpha, files.logo(), "logo.png", "logo")
    music = asset_id(alpha, files.music(), "music.wav", "music")
    response = alpha.post(
        "/v1/jobs",
        json={
            "canvas": CANVAS,
            "music": {"asset_id": music},
            "scenes": [
                {
                    "script": "One.",
                    "avatar": "astronaut",
                    "background": {"type": "video", "asset_id": clip, "play": "freeze"},
                    "overlays": [{"type": "image", "asset_id": logo, "anchor": "bottom_left"}],
                },
                {
                    "script": "Two.",
                    "avatar": "astronaut",
                    "background": {"type": "image", "asset_id": picture, "fit": "contain"},
                },
            ],
        },
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    composition = response.get_json()["spec"]["composition"]
    assert composition["output_format"] == "mp4"  # the default
    assert composition["music"] == {"asset_id": music, "volume": 0.2, "ducking": True, "fade": 1.0}
    assert composition["scenes"][0]["background"]["asset_id"] == clip
    # a picture is not a video background
    problem(
        alpha.post(
            "/v1/jobs",
            json={
                "script": "Hi.",
                "avatar": "astronaut",
                "canvas": CANVAS,
                "background": {"type": "video", "asset_id": picture},
            },
        ),
        422,
        "background_invalid",
    )


# --- drafts and renditions ------------------------------------------------------------------------
def test_a_composed_draft_composes_small_and_its_approval_keeps_every_rendition(alpha, sessions):
    body = {
        "script": "Hello.",
        "avatar": "astronaut",
        "canvas": CANVAS,
        "draft": True,
        "renditions": [{"canvas": {"width": 1080, "height": 1920}}],
    }
    draft = alpha.post("/v1/jobs", json=body).get_json()
    assert draft["spec"]["draft_render"]["canvas"] == {"width": 640, "height": 360}
    with sessions() as session, session.begin():
        session.get(Job, draft["id"]).status = JobState.SUCCEEDED
    final = alpha.post(f"/v1/jobs/{draft['id']}/approve").get_json()
    assert "draft_render" not in final["spec"]
    assert final["spec"]["composition"] == draft["spec"]["composition"]
    assert final["spec"]["composition"]["renditions"][0]["canvas"] == {"width": 1080, "height": 1920}


def test_renditions_and_their_c2pa_sidecars_are_listed_with_freshly_signed_links_and_no_storage_keys(alpha, sessions):
    job_id = alpha.post(
        "/v1/jobs",
        json={
            "script": "Hello.",
            "avatar": "astronaut",
            "canvas": CANVAS,
            "output_format": "webm",
            "renditions": [{"canvas": {"width": 1080, "height": 1920}}],
        },
    ).get_json()["id"]

    def sidecar(name: str) -> dict:
        return {
            "content_credentials": {"key": f"outputs/{job_id}/{name}", "content_type": "application/c2pa", "bytes": 7}
        }

    cut = {"width": 1080, "height": 1920, "bytes": 1234, "sha256": "ab" * 32, "key": f"outputs/{job_id}/1080x1920.webm"}
    cut["files"] = sidecar("video-1080x1920-r1.c2pa")
    with sessions() as session, session.begin():
        job = session.get(Job, job_id)
        job.status = JobState.SUCCEEDED
        job.output = {
            "key": f"outputs/{job_id}/video.webm",
            "width": 1920,
            "height": 1080,
            "bytes": 9,
            "sha256": "cd" * 32,
            "renditions": [cut],
            "files": sidecar("video.c2pa"),
        }
    output = alpha.get(f"/v1/jobs/{job_id}").get_json()["output"]
    (listed,) = output["renditions"]
    assert "key" not in listed and listed["width"] == 1080 and listed["height"] == 1920
    assert listed["bytes"] == 1234 and listed["sha256"] == "ab" * 32
    assert listed["url"] != output["url"] and "1080x1920" in listed["url"]
    for beside, name in [(output["files"], "video.c2pa"), (listed["files"], "video-1080x1920-r1.c2pa")]:
        credentials = beside["content_credentials"]
        assert "key" not in credentials and credentials["content_type"] == "application/c2pa"
        assert name in credentials["url"] and credentials["url"] not in (output["url"], listed["url"])
    redirect = alpha.get(f"/v1/jobs/{job_id}/output")
    assert redirect.status_code == 302 and ".webm" in redirect.headers["Location"]


# --- what documents it ----------------------------------------------------------------------------
def test_the_catalog_lists_fonts_styles_and_video_bounds(alpha):
    catalog = alpha.get("/v1/catalog").get_json()["composition"]
    assert catalog["fonts"] == list(FONT_NAMES)
    assert catalog["character_styles"] == ["normal", "close_up", "circle"]
    assert catalog["output_formats"] == ["mp4", "webm", "mov"]
    assert catalog["max_video"]["duration_s"] == 600.0


def test_the_spec_documents_every_composition_field_with_its_range_and_default(app):
    schemas = app.test_client().get("/openapi.json").get_json()["components"]["schemas"]
    job = schemas["JobRequest"]["properties"]
    assert {"canvas", "scenes", "captions", "music", "renditions", "output_format"} <= set(job)
    assert job["scenes"]["maxItems"] == 50 and job["output_format"]["enum"][:3] == ["mp4", "webm", "mov"]
    canvas = schemas["Canvas"]["properties"]["width"]
    assert (canvas["minimum"], canvas["maximum"], canvas["multipleOf"]) == (128, 3840, 2)
    character = schemas["Character"]["properties"]
    assert character["offset"] and schemas["Offset"]["properties"]["x"]["minimum"] == -1
    assert schemas["Overlay"]["properties"]["font"]["enum"][: len(FONT_NAMES)] == list(FONT_NAMES)
    assert schemas["Music"]["properties"]["volume"]["default"] == 0.2
    assert "renditions" in schemas["Output"]["properties"]


def test_a_batch_composes_every_item_from_shared_defaults_or_names_each_bad_one(alpha, sessions):
    defaults = {
        "avatar": "astronaut",
        "canvas": {"width": 1080, "height": 1920},
        "background": {"type": "color", "color": "#112233"},
        "captions": {"burn_in": True, "style": "word"},
    }
    refused = problem(
        alpha.post(
            "/v1/batches",
            json={
                "defaults": defaults,
                "jobs": [
                    {"script": "One."},
                    {"script": "Two.", "overlays": [{"type": "text", "text": "x", "start": 3, "end": 1}]},
                    {"script": "Three.", "canvas": {"width": 1081, "height": 1920}},
                ],
            },
        ),
        422,
        "batch_invalid",
    )
    assert refused["errors"]["1"]["code"] == "overlay_timing" and refused["errors"]["2"]["code"] == "canvas_invalid"
    assert count_jobs(sessions) == 0
    batch = alpha.post("/v1/batches", json={"defaults": defaults, "jobs": [{"script": "One."}, {"script": "Two."}]})
    assert batch.status_code == 201, batch.get_data(as_text=True)
    with sessions() as session:
        specs = [session.get(Job, job_id).spec for job_id in batch.get_json()["job_ids"]]
    assert [s["composition"]["scenes"][0]["script"] for s in specs] == ["One.", "Two."]
    assert all(s["composition"]["scenes"][0]["background"]["color"] == "#112233" for s in specs)


def test_a_square_jobs_idempotency_fingerprint_is_what_it_was_before_compositions():
    from api.intake import request_hash
    from api.schemas import JobSpecSchema

    loaded = JobSpecSchema().load({"script": "Hello.", "avatar": "astronaut"})
    before = {
        "script": "Hello.",
        "audio_asset_id": None,
        "transcript": None,
        "avatar": "astronaut",
        "voice": None,
        "language": None,
        "model": "builtin",
        "params": {},
        "accelerator": "auto",
        "priority": 5,
        "webhook_url": None,
        "metadata": {},
        "watermark": None,
        "draft": False,
    }
    assert request_hash(loaded) == request_hash(before)
    assert request_hash({**loaded, "canvas": CANVAS}) != request_hash(before)


def test_scenes_share_one_jobs_bounds_of_script_and_narration(sqlite_settings, keys, monkeypatch):
    import dataclasses

    from api.app import create_app
    from tests.stubs import RecordingSender
    from tests.unit.api.bearer import client

    tight = dataclasses.replace(sqlite_settings, max_audio_s=2.0, max_script_chars=30)
    alpha = client(create_app(tight, sender=RecordingSender()), keys["alpha"])
    narration = asset_id(alpha, files.narration(), "voice.wav")  # 1.5 s: within the bound on its own
    twice = [{"audio_asset_id": narration, "avatar": "astronaut"}] * 2
    assert alpha.post("/v1/jobs", json={"canvas": CANVAS, "scenes": twice[:1]}).status_code == 202
    problem(alpha.post("/v1/jobs", json={"canvas": CANVAS, "scenes": twice}), 422, "audio_too_long")
    scripts = [{"script": "Twenty characters ok.", "avatar": "astronaut"}] * 2
    assert alpha.post("/v1/jobs", json={"canvas": CANVAS, "scenes": scripts[:1]}).status_code == 202
    problem(alpha.post("/v1/jobs", json={"canvas": CANVAS, "scenes": scripts}), 422, "script_too_long")
