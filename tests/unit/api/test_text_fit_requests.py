"""What POST /v1/jobs and POST /v1/previews refuse before anything is stored because it cannot be drawn readably on
a canvas the job renders: a text overlay whose unbroken word needs more lines than its role's at the floor size, and a
caption size whose one line would take more than a quarter of the safe area's height.
The checks are in Python (``api.intake``), so they hold on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain.models import Job
from tests.unit.api.test_previews import COMPOSED, frame_of
from tests.unit.api.test_requests import assert_problem

URL = "https://www.example.com/news/2026/12/08/council-approves-downtown-park-after-marathon-debate?utm_source=feed&id=12345"


def _lower_third(text: str) -> dict:
    return {"type": "text", "role": "lower_third", "text": text}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # 500 W's on 1280x720: eleven lines at the floor, where a lower third may take four
        ({"canvas": {"width": 1280, "height": 720}, "overlays": [_lower_third("W" * 500)]}, "overlays[0].text"),
        # 120 W's fit the 16:9 job in four lines at the floor, not its 9:16 rendition
        (
            {
                "canvas": {"width": 1920, "height": 1080},
                "overlays": [_lower_third("W" * 120)],
                "renditions": [{"canvas": {"width": 1080, "height": 1920}}],
            },
            "overlays[0].text",
        ),
    ],
)
def test_an_unbroken_word_too_long_for_a_lower_third_is_text_overflow(alpha, sessions, change, field):
    """A word with no space in it was counted as one line, however long: POST /v1/jobs and /v1/previews took
    "W" * 500 and drew it as a bar ~3 px high. It is now measured broken across lines at the floor size, and
    refused where it needs more than the role's lines on the job's canvas or a rendition's."""
    body = {**COMPOSED, **change}
    for path in ("/v1/previews", "/v1/jobs"):
        response = alpha.post(path, json=body)
        assert response.status_code == 422, (path, response.status_code)
        refused = assert_problem(response, 422, "text_overflow")
        assert field in refused["errors"], refused
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_a_pasted_url_in_a_lower_third_on_9_16_is_taken_and_drawn_in_lines(alpha):
    """A 117-character URL takes three lines at the floor on 1080x1920, within a lower third's four: it is taken,
    and drawn readable, not refused."""
    body = {**COMPOSED, "canvas": {"width": 1080, "height": 1920}, "overlays": [_lower_third(URL)]}
    assert frame_of(alpha.post("/v1/previews", json=body)).shape == (1920, 1080, 3)
    taken = alpha.post("/v1/jobs", json=body)
    assert taken.status_code == 202, taken.get_json()


@pytest.mark.parametrize(
    ("change", "field", "code", "largest"),
    [
        (
            {"canvas": {"width": 1280, "height": 720}, "captions": {"burn_in": True, "size": 400}},
            "captions.size",
            "captions_invalid",
            72,
        ),
        # 100 fits the 16:9 job (up to 110), not its 1280x720 rendition, which draws the job's captions
        (
            {
                "canvas": {"width": 1920, "height": 1080},
                "captions": {"burn_in": True, "size": 100},
                "renditions": [{"canvas": {"width": 1280, "height": 720}}],
            },
            "captions.size",
            "captions_invalid",
            72,
        ),
        (
            {
                "canvas": {"width": 1920, "height": 1080},
                "renditions": [{"canvas": {"width": 1280, "height": 720}, "captions": {"burn_in": True, "size": 90}}],
            },
            "renditions[0].captions.size",
            "renditions_invalid",
            72,
        ),
    ],
)
def test_a_caption_size_the_canvas_cannot_hold_is_refused_naming_the_largest_that_fits(
    alpha, sessions, change, field, code, largest
):
    """Captions of size 400 on 1280x720 were taken and drawn taller than the canvas, cut off at its top over the
    whole face. A size whose one line (with its box) takes more than a quarter of the safe area's height on a
    canvas the job renders is refused, naming the field and the largest size that fits there."""
    body = {**COMPOSED, **change}
    for path in ("/v1/previews", "/v1/jobs"):
        response = alpha.post(path, json=body)
        assert response.status_code == 422, (path, response.status_code)
        refused = assert_problem(response, 422, code)
        assert field in refused["errors"], refused
        assert f"The largest that fits is {largest}." in refused["errors"][field][0]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    fitted = {**body, "captions": {**body.get("captions", {}), "size": largest}} if field == "captions.size" else None
    if fitted is not None:
        assert frame_of(alpha.post("/v1/previews", json=fitted)).shape[2] == 3


def test_a_brand_kits_caption_size_too_large_for_a_canvas_is_drawn_smaller_not_refused(alpha):
    """A kit's caption size (90, fine at 1080p) refused every job its tenant sent at 720p, and every 1080p job with a
    360p rendition, though the caller never sent a size and the page has no field for one. The kit's size now draws
    smaller where it does not fit; a size the request itself gives is still refused."""
    kit = alpha.post("/v1/brand-kits", json={"name": "Big captions", "captions": {"size": 90}})
    assert kit.status_code == 201, kit.get_json()
    small = {
        **COMPOSED,
        "canvas": {"width": 1280, "height": 720},
        "captions": {"burn_in": True},
        "brand_kit_id": kit.get_json()["id"],
    }
    assert alpha.post("/v1/jobs", json=small).status_code == 202
    frame = frame_of(alpha.post("/v1/previews", json=small))
    assert frame.shape[:2] == (720, 1280)
    with_rendition = {
        **small,
        "canvas": {"width": 1920, "height": 1080},
        "renditions": [{"canvas": {"width": 640, "height": 360}}],
    }
    assert alpha.post("/v1/jobs", json=with_rendition).status_code == 202
    asked = {**small, "captions": {"burn_in": True, "size": 90}}
    assert_problem(alpha.post("/v1/jobs", json=asked), 422, "captions_invalid")


def test_a_batch_on_many_canvases_reads_its_long_script_once_for_the_caption_check(alpha, monkeypatch):
    """A security review sent 1,000 rows, each on a canvas of its own with four renditions and a caption `size`,
    and a 17,000-character script in `defaults`: the caption check read the script's words once per canvas
    (5,000 times, 60 CPU-s in one request). The fonts the words need are now found once per text; each canvas
    then costs a few glyph measurements."""
    import media.compose.captions as captions

    read = []
    real = captions.caption_words
    monkeypatch.setattr(captions, "caption_words", lambda text: read.append(len(text)) or real(text))
    script = ("The council met again today to discuss the budget for the coming year. " * 60).strip()
    size = {"burn_in": True, "size": 8}
    rows = [
        {
            "canvas": {"width": 640 + 2 * i, "height": 360},
            "captions": size,
            "renditions": [
                {"canvas": {"width": 360 + 2 * k, "height": 640 + 2 * i}, "captions": size} for k in range(4)
            ],
        }
        for i in range(20)
    ]
    made = alpha.post("/v1/batches", json={"defaults": {"script": script, "avatar": "astronaut"}, "jobs": rows})
    assert made.status_code == 201, made.get_data(as_text=True)
    assert len([n for n in read if n >= len(script)]) == 1, read  # the whole script's words, read once
