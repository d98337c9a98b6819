"""POST /v1/previews: a job body's frame as a PNG, checked as POST /v1/jobs checks it, storing nothing."""

from __future__ import annotations

import io

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from domain.models import Job
from tests.unit.api.test_requests import assert_problem, png_bytes

COMPOSED = {
    "script": "Tonight: the river rose two metres.",
    "avatar": "astronaut",
    "canvas": {"width": 640, "height": 360},
    "character": {"scale": 0.8, "offset": {"x": -0.55, "y": 0.1}},
    "background": {"type": "color", "color": "#0000ff"},
    "overlays": [
        {
            "type": "text",
            "role": "lower_third",
            "text": "Flood warning",
            "background_color": "#ff0000",
            "start": 1.0,
            "end": 4.0,
        }
    ],
    "captions": {"burn_in": True, "style": "subtitle"},
}


def frame_of(response) -> np.ndarray:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.data)))


def share(frame: np.ndarray, rgb: tuple[int, int, int], region=np.s_[:, :], within: int = 12) -> float:
    """The share of ``region``'s pixels within ``within`` levels of ``rgb``."""
    near = np.all(np.abs(frame[region][..., :3].astype(int) - rgb) < within, axis=-1)
    return float(near.mean())


def test_the_frame_has_the_canvas_background_presenter_overlay_and_caption(alpha, sessions):
    frame = frame_of(alpha.post("/v1/previews", json={**COMPOSED, "at_s": 2.0}))
    assert frame.shape == (360, 640, 3)
    # the background colour around, the presenter at the left (not blue there), nothing at the right edge
    assert share(frame, (0, 0, 255), np.s_[:, 560:]) > 0.6
    left, right = frame[60:300, 60:200], frame[60:300, 440:580]
    assert share(left, (0, 0, 255)) < 0.5 < share(right, (0, 0, 255))
    # the lower third's red bar is shown at 2 s ...
    assert share(frame, (255, 0, 0), within=40) > 0.005  # drawn smaller to stand clear of the face beside it
    # ... and not at 0 s (it starts at 1 s)
    assert share(frame_of(alpha.post("/v1/previews", json={**COMPOSED, "at_s": 0.0})), (255, 0, 0), within=40) < 0.001
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_the_caption_is_a_sample_line_of_the_script(alpha):
    with_caption = frame_of(alpha.post("/v1/previews", json=COMPOSED))
    without = frame_of(alpha.post("/v1/previews", json={**COMPOSED, "captions": {"burn_in": False}}))
    changed = np.any(with_caption != without, axis=-1)
    rows = np.nonzero(changed.any(axis=1))[0]
    assert rows.size and rows.min() > 360 * 0.6  # the caption band, at the bottom


def test_a_transparent_background_previews_with_alpha(alpha):
    frame = frame_of(
        alpha.post("/v1/previews", json={**COMPOSED, "background": {"type": "transparent"}, "output_format": "webm"})
    )
    assert frame.shape[2] == 4 and frame[5, 630, 3] == 0 and frame[200, 130, 3] > 200


def test_an_uploaded_background_image_is_used(alpha):
    green = np.zeros((90, 160, 3), np.uint8)
    green[..., 1] = 255
    asset = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(png_bytes(green)), "bg.png"), "purpose": "background"},
        content_type="multipart/form-data",
    ).get_json()
    frame = frame_of(
        alpha.post("/v1/previews", json={**COMPOSED, "background": {"type": "image", "asset_id": asset["id"]}})
    )
    assert share(frame, (0, 255, 0), np.s_[:, 560:]) > 0.6


def test_a_square_job_previews_as_its_framed_portrait(alpha):
    frame = frame_of(
        alpha.post("/v1/previews", json={"script": "Hello.", "avatar": "astronaut", "params": {"resolution": 256}})
    )
    assert frame.shape == (256, 256, 3)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"canvas": {"width": 641, "height": 360}}, 422, "canvas_invalid"),
        ({"avatar": "nobody"}, 422, "avatar_unknown"),
        ({"background": {"type": "image", "asset_id": "ast_missing"}}, 404, "asset_not_found"),
        ({"overlays": [{"type": "text", "text": "x", "start": 3, "end": 1}]}, 422, "overlay_timing"),
        ({"at_s": -1}, 422, "validation_error"),
        ({"surprise": 1}, 422, "unknown_field"),
    ],
)
def test_refusals_are_those_of_post_jobs(alpha, sessions, change, status, code):
    body = {**COMPOSED, **change}
    assert_problem(alpha.post("/v1/previews", json=body), status, code)
    job_body = {k: v for k, v in body.items() if k != "at_s"}
    if "at_s" not in change:
        assert_problem(alpha.post("/v1/jobs", json=job_body), status, code)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_another_tenants_asset_is_not_found(alpha, beta):
    logo = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(png_bytes(np.zeros((40, 40, 3), np.uint8))), "l.png"), "purpose": "background"},
        content_type="multipart/form-data",
    ).get_json()
    body = {**COMPOSED, "background": {"type": "image", "asset_id": logo["id"]}}
    assert_problem(beta.post("/v1/previews", json=body), 404, "asset_not_found")


def test_an_uploaded_portrait_is_cut_out_at_upload_and_its_first_preview_shows_that_matte(alpha, sqlite_settings):
    from storage import open_storage

    storage = open_storage(sqlite_settings)
    photo = Image.open("domain/presets/portraits/cameraman.png").convert("RGB")
    asset = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(png_bytes(np.asarray(photo))), "me.png"), "purpose": "portrait"},
        content_type="multipart/form-data",
    ).get_json()
    recorded = asset["info"]["matte"]
    matte = np.asarray(Image.open(io.BytesIO(storage.get_bytes(recorded["key"]))))
    assert matte.shape == (photo.height, photo.width) and 0.1 < (matte > 127).mean() < 0.9  # a person, cut out
    # the preview draws the upload's matte (not one of its own): a matte emptied in storage empties the presenter
    storage.put_bytes(recorded["key"], png_bytes(np.zeros_like(matte)), "image/png")
    body = {**COMPOSED, "avatar": asset["id"], "background": {"type": "transparent"}, "output_format": "webm"}
    frame = frame_of(alpha.post("/v1/previews", json={**body, "captions": {"burn_in": False}, "overlays": []}))
    assert frame.shape[2] == 4 and frame[..., 3].max() == 0


def test_a_preloaded_preset_is_previewed_without_being_analysed_again(alpha, monkeypatch):
    import api.previews

    api.previews.preload_presets()

    def analysed_again(*args):
        raise AssertionError("the preset was analysed again")

    monkeypatch.setattr(api.previews, "analyze_image", analysed_again)
    monkeypatch.setattr(api.previews, "portrait_matte", analysed_again)
    for name in ("astronaut", "cameraman"):
        frame = frame_of(alpha.post("/v1/previews", json={**COMPOSED, "avatar": name}))
        assert share(frame[60:300, 60:200], (0, 0, 255)) < 0.5  # the presenter, cut out on the blue


def test_previews_sent_together_make_a_new_portrait_once(alpha, app, keys, monkeypatch):
    import threading
    import time

    import api.previews
    from tests.unit.api.bearer import client

    photo = np.asarray(Image.open("domain/presets/portraits/astronaut_offcentre.png").convert("RGB"))
    asset = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(png_bytes(photo)), "me.png"), "purpose": "portrait"},
        content_type="multipart/form-data",
    ).get_json()
    decoded = []
    real = api.previews.decode_portrait

    def slow_decode(image):  # slow enough that the two requests overlap
        decoded.append(1)
        time.sleep(0.5)
        return real(image)

    monkeypatch.setattr(api.previews, "decode_portrait", slow_decode)
    statuses = []
    body = {**COMPOSED, "avatar": asset["id"]}

    def preview():
        statuses.append(client(app, keys["alpha"]).post("/v1/previews", json=body).status_code)

    threads = [threading.Thread(target=preview) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200] and decoded == [1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"overlays": [{"type": "text", "role": "title", "text": "Breaking " * 55}]}, "overlays[0].text"),
        ({"overlays": [{"type": "text", "role": "lower_third", "text": "Jane Doe " * 55}]}, "overlays[0].text"),
        # fits the 16:9 job, not its 9:16 rendition
        (
            {
                "overlays": [{"type": "text", "role": "title", "text": "Council approves the park " * 12}],
                "renditions": [{"canvas": {"width": 360, "height": 640}}],
            },
            "overlays[0].text",
        ),
    ],
)
@pytest.mark.parametrize("draft", [False, True])
def test_a_text_too_long_for_a_canvas_is_text_overflow_before_anything_is_written(
    alpha, sessions, change, field, draft
):
    """A title of "Breaking " * 55 on 9:16 was taken by POST /v1/jobs and /v1/previews and drawn off the canvas's
    bottom edge over the face, where a template's render refused it: both refuse it now, naming the field."""
    body = {**COMPOSED, "canvas": {"width": 1080, "height": 1920}, **change, "draft": draft}
    if "renditions" in change:
        body["canvas"] = {"width": 1920, "height": 1080}
    for path in ("/v1/previews", "/v1/jobs"):
        refused = assert_problem(alpha.post(path, json=body), 422, "text_overflow")
        assert field in refused["errors"], refused
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


LIVE_TITLE = "🔴 LIVE: Council approves downtown park after a marathon eight-hour debate"


@pytest.mark.parametrize(
    ("canvas", "renditions"),
    [
        ((1080, 1080), []),
        ((1080, 1920), []),
        ((1920, 1080), [(1080, 1920), (1080, 1080)]),
    ],
)
def test_a_newsroom_headline_is_taken_on_every_shape(alpha, canvas, renditions):
    """A 74-character headline was refused text_overflow on 1:1 and 9:16 (and on a 16:9 job with such renditions):
    the check allowed a title two lines at 0.6 of its size, where the layout draws one in up to five."""
    body = {
        **COMPOSED,
        "canvas": {"width": canvas[0], "height": canvas[1]},
        "overlays": [{"type": "text", "role": "title", "text": LIVE_TITLE}],
        "renditions": [{"canvas": {"width": w, "height": h}} for w, h in renditions],
        "draft": True,
    }
    taken = alpha.post("/v1/jobs", json=body)
    assert taken.status_code == 202, taken.get_json()


def test_a_lower_third_of_a_set_size_taken_for_the_final_is_taken_for_its_draft(alpha):
    """A brand kit's lower third of size 64 (pixels) fitted the 1920x1080 final; its draft was refused, measured at
    64 pixels on the 640x360 draft canvas the caller never named. A draft is a smaller copy of the final."""
    lower = {"type": "text", "role": "lower_third", "text": "Jane Doe-Montgomery, Senior City Hall Correspondent"}
    body = {**COMPOSED, "canvas": {"width": 1920, "height": 1080}, "overlays": [{**lower, "size": 64}]}
    for draft in (False, True):
        taken = alpha.post("/v1/jobs", json={**body, "draft": draft})
        assert taken.status_code == 202, (draft, taken.get_json())


def measured_texts(monkeypatch) -> list[str]:
    """The texts the API lays out to check they fit, in order, from now on (its cache of layouts emptied)."""
    import api.intake
    from media.compose import text_overflows

    measured: list[str] = []

    def counting(*args, **kwargs):
        measured.append(args[0]["text"])
        return text_overflows(*args, **kwargs)

    monkeypatch.setattr(api.intake, "text_overflows", counting)
    api.intake._overflows.cache_clear()
    return measured


def test_the_text_fit_check_measures_a_bounded_number_of_layouts(alpha, monkeypatch):
    """50 scenes of 20 text overlays on 5 canvases, a draft: 10,000 layouts at about 1 ms each held the request for
    29 s. Each text is measured once per canvas size, and at most TEXT_FIT_LAYOUTS a request."""
    import api.intake

    measured = measured_texts(monkeypatch)
    scene = {
        "script": "Good evening.",
        "avatar": "astronaut",
        "overlays": [{"type": "text", "role": "label", "text": f"Label {n}"} for n in range(20)],
    }
    scenes = [
        {**scene, "overlays": [{**o, "text": f"{o['text']} of scene {i}"} for o in scene["overlays"]]}
        for i in range(50)
    ]
    body = {
        "canvas": {"width": 1920, "height": 1080},
        "scenes": scenes,
        "renditions": [
            {"canvas": {"width": w, "height": h}} for w, h in ((1080, 1920), (1080, 1080), (1280, 720), (720, 1280))
        ],
        "draft": True,
    }
    alpha.post("/v1/jobs", json=body)
    assert 0 < len(measured) <= api.intake.TEXT_FIT_LAYOUTS
    # the same texts again: each layout is remembered, none measured twice
    measured.clear()
    alpha.post("/v1/jobs", json=body)
    assert measured == []


def test_on_9_16_the_preview_keeps_its_texts_clear_of_the_visible_marks_room_as_the_video_does(app, sessions):
    """From review: the video keeps its lower third and captions clear of a 9:16 mark's rows, the preview did not
    (the lower third 60 px lower on 1080x1920 than in the video). The preview does not draw the mark, but now
    keeps its room: with the mark off (a tenant allowed to) the lower third stands lower."""
    from domain.tenants import create_key, get_or_create_tenant
    from tests.unit.api.bearer import client

    with sessions() as session, session.begin():
        tenant = get_or_create_tenant(session, "relaxed")
        tenant.may_disable_watermark = True
        relaxed = client(app, create_key(session, tenant))
    body = {**COMPOSED, "canvas": {"width": 360, "height": 640}, "at_s": 1.5}

    def red_top(mark: dict) -> int:
        frame = frame_of(relaxed.post("/v1/previews", json={**body, "watermark": mark}))
        rows = np.flatnonzero((np.abs(frame[..., :3].astype(int) - (255, 0, 0)).max(axis=2) < 40).sum(axis=1) > 20)
        return int(rows.min())

    assert red_top({"enabled": True}) < red_top({"enabled": False})


def test_the_text_fit_check_measures_a_bounded_number_of_characters(alpha, monkeypatch):
    """50 scenes of 20 labels of 500 distinct characters on 5 canvases: 400 layouts of 500 characters took
    4.8 CPU-s to accept (2026-12-08). At most TEXT_FIT_CHARS characters are laid out a request; the job is
    accepted, and the worker shrinks what was not measured."""
    import api.intake

    measured = measured_texts(monkeypatch)
    words = "the news at nine with the weather and the markets after the break".split()

    def label(i: int, n: int) -> dict:
        """A small label of about 480 characters, different for every scene and overlay."""
        text = (f"{i}-{n} " + " ".join(words[(i * 7 + n * 3 + k) % len(words)] for k in range(100)))[:480]
        return {"type": "text", "role": "label", "size": 8, "text": text}

    scenes = [
        {"script": "Good evening.", "avatar": "astronaut", "overlays": [label(i, n) for n in range(20)]}
        for i in range(50)
    ]
    body = {
        "canvas": {"width": 3840, "height": 2160},
        "scenes": scenes,
        "renditions": [{"canvas": {"width": 2160, "height": 3840}}],
    }
    taken = alpha.post("/v1/jobs", json=body)
    assert taken.status_code == 202, taken.get_json()
    assert 0 < sum(len(text) for text in measured) <= api.intake.TEXT_FIT_CHARS
    assert len(measured) < api.intake.TEXT_FIT_LAYOUTS
