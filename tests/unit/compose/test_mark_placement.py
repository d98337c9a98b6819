"""Where the visible mark stands on a vertical cut. An editor's QC: on 9:16 the "AI-generated" mark sat in the
bottom 3-7 % of the frame, where Reels, TikTok and Shorts lay their captions and controls, so the disclosure was
covered once published. It now stands in its corner of the safe area (clear of the bottom fifth and the top
eighth), and the captions and texts keep clear of it as of a logo. Other canvases keep it where it was."""

from __future__ import annotations

import numpy as np
import pytest

from media.compose import safe_area
from tests.unit.compose.jobs import composition, job_spec, new_tenant, run_job, run_spec, scene
from tests.unit.compose.test_composed_jobs import make_services
from tests.unit.compose.viewing import fetch, frame_at

#: the presenter small and to the right, clear of the captions' middle columns
ASIDE = {"offset": {"x": 0.75, "y": 0.0}, "scale": 0.5}
LOWER_THIRD = {"type": "text", "text": "Jane Doe, anchor", "role": "lower_third", "start": 0, "end": None}


def _box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(mask)
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(xs) else None


@pytest.fixture
def farm(tmp_path):
    """One farm for every job of a test: the second job's speech comes from the first's cache, so the mouth is the
    same in every frame compared (Piper's voice varies a little from run to run)."""
    services = make_services(tmp_path / "farm")
    return services, new_tenant(services), iter(range(1, 100))


def _frame(tmp_path, farm, width, height, *, watermark, captions, overlays=()):
    services, tenant, codes = farm
    code = next(codes)
    comp = composition(
        width,
        height,
        [scene("Good evening, and welcome to the news.", overlays=list(overlays))],
        captions={"burn_in": captions, "style": "subtitle"},
    )
    output = run_job(services, tenant, comp, watermark=watermark, wm_code=code)
    return frame_at(fetch(services, output["key"], tmp_path / f"{code}.mp4"), 1.0).astype(np.int16)


def test_on_9_16_the_mark_stands_in_the_safe_area_and_the_captions_and_lower_third_clear_of_it(tmp_path, farm):
    width, height = 360, 640
    area = safe_area(width, height)
    marked = _frame(tmp_path, farm, width, height, watermark=True, captions=True, overlays=[LOWER_THIRD])
    bare = _frame(tmp_path, farm, width, height, watermark=True, captions=False)
    # the mark itself: where the marked frame without texts differs from one without the mark
    none = _frame(tmp_path, farm, width, height, watermark=False, captions=False)
    alone = _box(np.abs(bare - none).max(axis=2) > 40)
    assert alone is not None and alone[3] <= area.bottom and alone[2] <= area.right, (alone, area)
    assert alone[1] >= area.top
    # the captions and the lower third: where the marked frame with them differs from the marked frame without
    texts = np.abs(marked - bare).max(axis=2) > 40
    x0, y0, x1, y1 = alone
    assert texts[y0:y1, x0:x1].sum() == 0, "a text lies over the mark"


@pytest.mark.parametrize("canvas", [(640, 360), (360, 360), (360, 362), (360, 450)])
def test_on_other_canvases_the_mark_keeps_its_place_at_the_frames_edge(tmp_path, farm, canvas):
    width, height = canvas
    bare = _frame(tmp_path, farm, width, height, watermark=True, captions=False)
    none = _frame(tmp_path, farm, width, height, watermark=False, captions=False)
    alone = _box(np.abs(bare - none).max(axis=2) > 40)
    assert alone is not None and alone[3] > safe_area(width, height).bottom  # below the safe area, as before


def test_on_16_9_a_large_mark_moves_no_caption_it_does_not_meet(tmp_path, farm):
    """From review: the mark's rows were kept clear across the safe area's width on every canvas, so on 16:9 a mark of
    size 0.1 lifted the subtitles 90 px though they never met it. Off a vertical cut only a text that would meet
    the mark moves."""
    services, tenant, codes = farm
    width, height = 640, 360
    frames = []
    for size in (None, 0.1):
        comp = composition(
            width,
            height,
            [scene("Good evening.", character=ASIDE)],  # a page narrower than the mark's reach
            captions={"burn_in": True, "style": "subtitle"},
        )
        spec_watermark = {"enabled": True, **({"size": size} if size else {})}
        spec = {**job_spec(comp), "watermark": spec_watermark}
        output, _ = run_spec(services, tenant, spec, next(codes))
        frames.append(frame_at(fetch(services, output["key"], tmp_path / f"{next(codes)}.mp4"), 0.4).astype(np.int16))
    # the captions' white letters, in the bottom third's middle columns (the presenter stands aside, right)
    letters = [_box(f[int(0.66 * height) :, int(0.3 * width) : int(0.62 * width)].min(axis=2) > 215) for f in frames]
    assert letters[0] is not None and letters[1] is not None
    assert abs(letters[0][1] - letters[1][1]) <= 2, letters  # their top, with a small and a large mark
