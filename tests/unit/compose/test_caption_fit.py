"""Burned-in captions kept readable and off the face: a page never cut off at the canvas's edge nor taller than
half the safe area, and captions at the top that a logo would push onto the presenter's features stand beside it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from media.compose import caption_track, largest_caption_size, safe_area
from tests.unit.compose.test_overlay_layout import _drawn, _features_region, astronaut, png

__all__ = ["astronaut"]  # the module's fixture, shared

WORDS = [(w, 0.3 * i, 0.3 * i + 0.3) for i, w in enumerate("Breaking news tonight from the council.".split())]


@pytest.mark.parametrize("position", ["bottom", "top", "middle"])
def test_captions_of_a_size_the_canvas_cannot_hold_are_drawn_smaller_inside_the_safe_area(position):
    """At size 400 on 1280x720 a subtitle page was 1,100 px tall: cut off at the canvas's top edge and over the whole
    face. The API refuses that size now; a page drawn anyway (a job taken before) is drawn smaller until it stays in
    the safe area, in at most half its height."""
    captions = {"burn_in": True, "style": "subtitle", "size": 400, "position": position}
    track = caption_track(WORDS, captions, 1280, 720)
    drawn = track.layer_at(0.1)
    assert drawn is not None
    pixels, x, y = drawn
    area = safe_area(1280, 720)
    h, w = pixels.shape[:2]
    assert area.top <= y and y + h <= area.bottom, (y, h)
    assert area.left <= x and x + w <= area.right
    assert h <= 0.5 * (area.bottom - area.top)


def test_captions_of_the_largest_size_that_fits_are_drawn_at_that_size():
    """Below the bound nothing shrinks: a one-line word page at the largest size that fits keeps its size."""
    largest = largest_caption_size({}, 1280, 720, "Breaking news tonight")
    track = caption_track(WORDS[:1], {"burn_in": True, "style": "word", "size": largest}, 1280, 720)
    pixels = track.layer_at(0.1)[0]
    area = safe_area(1280, 720)
    assert pixels.shape[0] <= 0.25 * (area.bottom - area.top)
    assert pixels.shape[0] > 0.2 * (area.bottom - area.top)  # not shrunk


def _frame(canvas, script, overlays, captions, portrait):
    from domain.composition import normalise_composition
    from domain.params import with_defaults
    from media.preview import still

    width, height = canvas
    body = {
        "script": script,
        "avatar": "astronaut",
        "canvas": {"width": width, "height": height},
        "overlays": overlays,
        "captions": captions,
    }
    composition = normalise_composition(body)
    return still(composition, portrait, with_defaults({}), 0.0, lambda _: png(300, 120))[..., :3]


LOGO = {"type": "image", "asset_id": "ast_logo"}  # top right by default


@pytest.mark.parametrize(
    ("script", "texts"),
    [
        ("Breaking news tonight from the council.", []),
        (
            "أخبار عاجلة الليلة من المجلس البلدي",
            [
                {"type": "text", "role": "title", "text": "أخبار عاجلة"},
                {"type": "text", "role": "label", "text": "مباشر"},
            ],
        ),
    ],
)
def test_top_captions_beside_a_top_right_logo_on_9_16_cover_none_of_the_features(astronaut, script, texts):
    """Word captions at the top of a 9:16 cut with a logo at its default top right: the logo pushed the captions
    below it, onto her forehead and brows (in Arabic, with a title and a label, across her eyes). Judged on the
    frame, by the face mesh: no caption pixel lies over the brows, eyes, nose, mouth or chin, and none over the
    logo."""
    top = {"burn_in": True, "style": "word", "position": "top"}
    off = {"burn_in": False}
    bare = _frame((1080, 1920), script, [], off, astronaut)
    with_logo = _frame((1080, 1920), script, [LOGO, *texts], off, astronaut)
    captioned = _frame((1080, 1920), script, [LOGO, *texts], top, astronaut)
    captions = _drawn(captioned, with_logo, 12)
    assert captions.any(), "the captions were drawn"
    # the features where the presenter stands, found on the frame without captions
    over = np.argwhere(captions & _features_region(with_logo))
    assert not over.size, f"{len(over)} caption pixels over the features, e.g. at (y, x) {over[0].tolist()}"
    logo = _drawn(_frame((1080, 1920), script, [LOGO], off, astronaut), bare, 12)
    assert not (captions & logo).any(), "the captions are drawn over the logo"


def test_in_the_video_top_captions_beside_a_logo_cover_none_of_the_features(tmp_path):
    """The same, on a frame of a 9:16 job run whole by the worker: the face the captions keep off reaches the
    worker's caption track as the preview's (``SceneCompositor.face_area``)."""
    from domain.composition import normalise_composition
    from tests.unit.compose.jobs import add_asset, new_tenant, run_job
    from tests.unit.compose.test_composed_jobs import make_services
    from tests.unit.compose.viewing import fetch, frame_at

    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_logo", png(300, 120), "image", "image/png")
    frames = {}
    top = {"burn_in": True, "style": "word", "position": "top"}
    for code, (name, captions) in enumerate((("bare", {"burn_in": False}), ("top", top)), start=1):
        body = {
            "script": "Breaking news tonight from the council.",
            "avatar": "astronaut",
            "voice": "joe",
            "language": "en",
            "canvas": {"width": 540, "height": 960},
            "overlays": [LOGO],
            "captions": captions,
        }
        output = run_job(services, tenant, normalise_composition(body), wm_code=code)
        frames[name] = frame_at(fetch(services, output["key"], tmp_path / f"{name}.mp4"), 0.6)
    # what the captions drew: the differences in blobs of letters, not the few pixels where the two encodes of the
    # speaking mouth differ
    changed = _drawn(frames["top"], frames["bare"], 24).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(changed, connectivity=8)
    captions = np.isin(labels, [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= 30])
    assert captions.any(), "the captions were drawn"
    over = np.argwhere(captions & _features_region(frames["bare"]))
    assert not over.size, f"{len(over)} caption pixels over the features, e.g. at (y, x) {over[0].tolist()}"


@pytest.mark.parametrize(("canvas", "pages"), [((1920, 1080), 1), ((1280, 720), 1), ((1080, 1920), 2)])
def test_a_subtitle_line_runs_to_about_42_characters_as_the_caption_files_do(canvas, pages):
    """An editor's QC: on 16:9 the burned-in subtitle ran 58 characters in one line ("Our top story tonight: heavy
    rain flooded the river valley."), where the VTT cut it 41 + 17 and broadcast's norm is 37-42. A subtitle line
    is now at most 23 ems wide (about 42 characters); on 9:16, whose safe area is the narrower, the two lines it
    would take there do not hold it at its size, so it is two pages (once it was drawn smaller)."""
    from media.compose.captions import caption_band
    from media.compose.text import block_height

    sentence = "Our top story tonight: heavy rain flooded the river valley."
    words = [(w, 0.3 * i, 0.3 * i + 0.3) for i, w in enumerate(sentence.split())]
    captions = {"burn_in": True, "style": "subtitle"}
    track = caption_track(words, captions, *canvas)
    assert len(track.pages) == pages
    size = track.text_style.size
    for page in track.pages:
        pixels = track.layer_at(page.start)[0]
        heights = [block_height("noto-sans", size, lines) for lines in (1, 2)]
        assert pixels.shape[0] in (heights if pages > 1 else heights[1:]), "its lines at the captions' own size"
        assert pixels.shape[1] <= 23 * size + 2 * max(2, round(size * 0.35))
        # the room the layout keeps for the captions holds the two lines, so a lower third stands above them
        assert caption_band(captions, *canvas, sentence)["bottom"] >= pixels.shape[0]
