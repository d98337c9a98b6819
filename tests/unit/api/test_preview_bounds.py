"""What one preview may cost is worked out before it is drawn: a canvas longer than PREVIEW_MAX_SIDE is drawn at that
size and enlarged, and a scene with more text or picture pixels than a preview's budget is refused, undrawn."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.unit.api.test_previews import COMPOSED, frame_of
from tests.unit.api.test_requests import assert_problem, png_bytes

HEADLINE = ("Council approves the downtown park after a marathon debate and the river rises " * 7)[:480]
#: the security review's body: 20 titles of 480 characters at size 100 on 4K (8.8 s alone, ~17 s four at once)
HEAVY = {
    **COMPOSED,
    "canvas": {"width": 3840, "height": 2160},
    "overlays": [{"type": "text", "role": "title", "text": HEADLINE, "size": 100} for _ in range(20)],
}


@pytest.fixture
def drawn(monkeypatch):
    """What each preview drew: its composition as handed to ``still`` (its canvas and its texts' sizes)."""
    import api.previews

    seen: list[dict] = []
    real = api.previews.still

    def recording(composition, *args, **kwargs):
        seen.append(composition)
        return real(composition, *args, **kwargs)

    monkeypatch.setattr(api.previews, "still", recording)
    return seen


def test_twenty_long_titles_on_4k_are_refused_before_anything_is_drawn(alpha, drawn):
    refused = assert_problem(alpha.post("/v1/previews", json=HEAVY), 422, "preview_too_much_text")
    assert drawn == []  # refused from the request alone, without a slot or a drawing
    from media.preview import PREVIEW_TEXT_BUDGET, drawn_composition, text_cost

    assert "overlays" in refused["errors"] and f"{PREVIEW_TEXT_BUDGET:,}" in refused["detail"]
    # as drawn (at 1920x1080, sizes 50) it is 480,000: nineteen times the budget
    cost = text_cost(drawn_composition({"canvas": HEAVY["canvas"], "scenes": [{"overlays": HEAVY["overlays"]}]}))
    assert cost == 20 * 480 * 50 > PREVIEW_TEXT_BUDGET
    # the job itself is taken: its worker lays each text out once
    assert alpha.post("/v1/jobs", json=HEAVY).status_code == 202


def test_the_scenes_form_names_the_first_scenes_overlays(alpha, drawn):
    scene = {"script": "Good evening.", "avatar": "astronaut", "overlays": HEAVY["overlays"]}
    body = {"canvas": HEAVY["canvas"], "scenes": [scene, {**scene, "overlays": []}]}
    refused = assert_problem(alpha.post("/v1/previews", json=body), 422, "preview_too_much_text")
    assert "scenes[0].overlays" in refused["errors"] and drawn == []


def test_a_4k_canvas_is_drawn_at_1920_with_its_sizes_scaled_and_answered_at_its_own_size(alpha, drawn):
    body = {
        **COMPOSED,
        "canvas": {"width": 3840, "height": 2160},
        "overlays": [{"type": "text", "role": "title", "text": "River rises", "size": 100}],
        "captions": {"burn_in": True, "style": "subtitle", "size": 60},
    }
    frame = frame_of(alpha.post("/v1/previews", json=body))
    assert frame.shape == (2160, 3840, 3)  # the contract: the PNG is the canvas's size
    (composition,) = drawn
    assert composition["canvas"] == {"width": 1920, "height": 1080}  # a quarter of the pixels drawn
    assert composition["scenes"][0]["overlays"][0]["size"] == 50 and composition["captions"]["size"] == 30
    # the colour background fills the enlarged frame as it would the drawn one
    assert np.all(np.abs(frame[10:50, -60:-10].astype(int) - (0, 0, 255)) < 12)


def test_a_canvas_up_to_1920_is_drawn_as_it_is(alpha, drawn):
    body = {**COMPOSED, "canvas": {"width": 1080, "height": 1920}}
    assert frame_of(alpha.post("/v1/previews", json=body)).shape == (1920, 1080, 3)
    assert drawn[0]["canvas"] == {"width": 1080, "height": 1920} and drawn[0] is not body


def test_a_long_title_within_the_budget_is_drawn(alpha, drawn):
    """480 characters at size 50 on 1080p is 24,000: within the budget, as the composer's longest titles are."""
    body = {
        **COMPOSED,
        "canvas": {"width": 1920, "height": 1080},
        "overlays": [{"type": "text", "role": "title", "text": HEADLINE, "size": 50}],
    }
    assert frame_of(alpha.post("/v1/previews", json=body)).shape == (1080, 1920, 3)
    assert len(drawn) == 1


def test_the_text_cost_counts_characters_times_their_drawn_size_a_wide_one_twice():
    from media.compose.placement import ROLE_SIZE
    from media.preview import text_cost

    def cost(overlays, canvas=(1920, 1080)):
        return text_cost({"canvas": {"width": canvas[0], "height": canvas[1]}, "scenes": [{"overlays": overlays}]})

    assert cost([{"type": "text", "role": "title", "text": "abcd", "size": 40}]) == 160
    assert cost([{"type": "text", "role": "title", "text": "公园🔴a", "size": 40}]) == (2 + 2 + 2 + 1) * 40
    # a role's own size on this canvas, the size the layout gives it
    assert cost([{"type": "text", "role": "lower_third", "text": "ab"}]) == 2 * round(ROLE_SIZE["lower_third"] * 1080)
    assert cost([{"type": "image", "asset_id": "ast_x"}]) == 0


def test_pictures_past_the_budget_are_refused_before_anything_is_drawn(alpha, drawn):
    """20 logo overlays of one 40 MP logo took 16.7 s of CPU to preview: each overlay decodes its picture. Twenty
    of 2.6 MP are 52 MP, past the budget of 48."""
    logo = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(png_bytes(np.full((1300, 2000, 4), 200, np.uint8))), "l.png"), "purpose": "logo"},
        content_type="multipart/form-data",
    ).get_json()
    overlay = {"type": "image", "asset_id": logo["id"], "anchor": "top_left", "scale": 0.1}
    refused = assert_problem(
        alpha.post("/v1/previews", json={**COMPOSED, "overlays": [overlay] * 20}), 422, "preview_too_many_pixels"
    )
    assert "overlays" in refused["errors"] and drawn == []
    assert frame_of(alpha.post("/v1/previews", json={**COMPOSED, "overlays": [overlay] * 2})).shape == (360, 640, 3)


def test_an_enlarged_transparent_frame_keeps_its_edges_colours():
    """Enlarged as it is, the black under transparent pixels would darken a white edge half-transparent."""
    from media.preview import enlarged

    frame = np.zeros((4, 4, 4), np.uint8)
    frame[:, :2] = (255, 255, 255, 255)
    big = enlarged(frame, 16, 16)
    edge = big[..., 3]
    partly = (edge > 0) & (edge < 255)
    assert big.shape == (16, 16, 4) and partly.any()
    assert np.all(big[partly][:, :3] >= 250)  # white, less opaque: not grey
    assert np.all(big[edge == 0][:, :3] == 0)
