"""A lower third's bar, judged on the frame a viewer sees: it stands out from a colour background (the
default #1f2937 was the bar's own colour, and a name read as bare text on it), its white letters stay readable
on it, and a bar colour the job gives is drawn as given."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from media.compose import Background, contrast_ratio
from tests.unit.compose.jobs import composition, new_tenant, run_job, scene
from tests.unit.compose.test_composed_jobs import make_services
from tests.unit.compose.viewing import fetch, frame_at

#: the presenter right of centre, so that the lower third at the bottom left lies over the background only
RIGHT = {"scale": 0.6, "offset": {"x": 0.5, "y": 0.1}}
LOWER_THIRD = {"type": "text", "text": "Jane Doe · City reporter", "role": "lower_third"}
#: the presenter left of centre, so that its collar and jacket stand behind the lower third
LEFT_OVER_BODY = {"scale": 0.8, "offset": {"x": -0.35, "y": 0.15}}


def test_the_contrast_ratio_is_wcags():
    assert contrast_ratio((255, 255, 255), (0, 0, 0)) == pytest.approx(21.0)
    assert contrast_ratio((31, 41, 55), (31, 41, 55)) == pytest.approx(1.0)
    assert contrast_ratio((255, 255, 255), (31, 41, 55)) == pytest.approx(14.68, abs=0.01)  # gray-800 on white
    assert contrast_ratio((118, 118, 118), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)  # the AA grey


def _bar_and_letters(dressed: np.ndarray, bare: np.ndarray) -> tuple[tuple, tuple, tuple]:
    """The colours of the bar, of what lies behind it and of its letters, from a frame with the lower third and
    the same frame without it: the rectangle where they differ (the bar's, or its letters' where the bar is
    the background's colour), its median colour in each, and in the first the letters': the median of its colours
    farthest in lightness from the bar's (the brightest under white letters, the darkest under navy ones)."""
    changed = np.abs(dressed.astype(np.int16) - bare.astype(np.int16)).max(axis=2) > 20  # not a codec's grain
    rows, cols = np.flatnonzero(changed.sum(axis=1) > 2), np.flatnonzero(changed.sum(axis=0) > 2)
    assert rows.size, "the lower third was drawn"
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    inset = max(2, (y1 - y0) // 8)  # clear of the bar's rounded corners
    shown = dressed[y0 + inset : y1 - inset, x0 + inset : x1 - inset].reshape(-1, 3)
    behind = bare[y0 + inset : y1 - inset, x0 + inset : x1 - inset].reshape(-1, 3)
    median = np.median(shown, axis=0)
    lightness = shown.astype(np.int32).sum(axis=1)
    letters = shown[np.argsort(np.abs(lightness - int(median.sum())))[-20:]]
    return tuple(median), tuple(np.median(behind, axis=0)), tuple(np.median(letters, axis=0))


@pytest.fixture(scope="module")
def astronaut():
    from media.compose import portrait_matte
    from media.preview import Portrait
    from media.render import analyze_portrait, decode_portrait

    image = Path("domain/presets/portraits/astronaut.png").read_bytes()
    rgb = decode_portrait(image)
    return Portrait(rgb, analyze_portrait(image), portrait_matte(rgb))


def _still(portrait, background: dict, overlays: list[dict], character: dict | None = None) -> np.ndarray:
    """The composer's frame (the video's parts, the presenter at rest) of a 1280 × 720 scene; the presenter right
    of centre unless ``character`` places it."""
    from domain.params import with_defaults
    from media.preview import still

    composition = {
        "canvas": {"width": 1280, "height": 720},
        "scenes": [
            {
                "script": "Good evening.",
                "character": {"style": "normal", **(character or RIGHT), "matting": True},
                "background": background,
                "overlays": overlays,
            }
        ],
        "captions": {},
    }
    return still(composition, portrait, with_defaults({}), 0.0, lambda _: b"")[..., :3]


@pytest.mark.parametrize(
    "colour",
    [
        "#1f2937",  # the default background: the default bar's own colour
        "#111827",  # near-black
        "#000000",
        "#1e3a8a",  # a navy brand colour
        "#374151",  # a slate a step lighter than the bar
        "#0f766e",  # teal: the default bar already stands out
        "#ffffff",
    ],
)
def test_a_lower_third_stands_out_from_a_colour_background_and_its_letters_stay_readable(colour, astronaut):
    """The bar stands at least 1.5:1 (WCAG's contrast ratio) from the colour behind it: a step in lightness the
    eye sees as an edge, the least a bar can keep from every colour under white letters at WCAG's 4.5:1. Before,
    on #1f2937 the bar and the background were the same colour (1:1), and on near-black or navy 1.2–1.4:1."""
    background = {"type": "color", "color": colour}
    bar, behind, letters = _bar_and_letters(
        _still(astronaut, background, [LOWER_THIRD]), _still(astronaut, background, [])
    )
    assert contrast_ratio(bar, behind) >= 1.5, (bar, behind)
    assert contrast_ratio(letters, bar) >= 4.5, (letters, bar)


def test_a_lower_third_stands_out_from_the_presenters_body_behind_it(astronaut):
    """The presenter left of centre on a white wall: its dark collar and jacket stand behind the lower third. The
    bar is judged against the frame behind it, not the wall: before, the slate bar, chosen against the white, stood
    1.35:1 from the collar and read as a hole in the jacket."""
    background = {"type": "color", "color": "#ffffff"}
    dressed = _still(astronaut, background, [LOWER_THIRD], LEFT_OVER_BODY)
    bare = _still(astronaut, background, [], LEFT_OVER_BODY)
    bar, behind, letters = _bar_and_letters(dressed, bare)
    assert contrast_ratio(behind, (255, 255, 255)) > 3.0, "the presenter, not the wall, stands behind the bar"
    assert contrast_ratio(bar, behind) >= 1.5, (bar, behind)
    assert contrast_ratio(letters, bar) >= 4.5, (letters, bar)


@pytest.mark.parametrize("navy", ["#26428b", "#1e40af"])
def test_grey_letters_on_navy_read_on_a_bar_that_stands_out(navy, astronaut):
    """Grey letters a job gives (#888888) and no bar colour: the bar keeps them at WCAG's 4.5:1 and stands 1.5:1
    from the navy. Before, the slate bar was kept (it stood 1.5:1 from the navy) and the letters read at 4.0:1."""
    background = {"type": "color", "color": navy}
    grey = {**LOWER_THIRD, "color": "#888888"}
    bar, behind, letters = _bar_and_letters(_still(astronaut, background, [grey]), _still(astronaut, background, []))
    assert contrast_ratio(letters, bar) >= 4.5, (letters, bar)
    assert contrast_ratio(bar, behind) >= 1.5, (bar, behind)
    assert contrast_ratio(letters, (0x88, 0x88, 0x88)) < 1.05, "the letters keep the colour the job gave"


def test_on_a_navy_no_bar_can_stand_out_from_grey_letters_stay_readable(astronaut):
    """On a navy as dark as #040860 no bar keeps #888888 letters at 4.5:1 and stands 1.5:1 from it (a bar dark
    enough for the letters is within 1.2:1 of the navy): the letters come first. Before, the slate bar stood
    1.15:1 from the navy and the letters read at 4.2:1 on it."""
    background = {"type": "color", "color": "#040860"}
    grey = {**LOWER_THIRD, "color": "#888888"}
    bar, behind, letters = _bar_and_letters(_still(astronaut, background, [grey]), _still(astronaut, background, []))
    assert contrast_ratio(letters, bar) >= 4.5, (letters, bar)
    assert contrast_ratio(bar, behind) >= 1.15, (bar, behind)


def test_dark_letters_a_job_gives_take_a_light_bar(astronaut):
    """Navy letters (#1e3a8a) on the default slate background: no dark bar keeps them readable, a light one does
    and stands out from the slate. Before, the near-black bar was drawn, the letters at 1.9:1 on it."""
    background = {"type": "color", "color": "#1f2937"}
    navy = {**LOWER_THIRD, "color": "#1e3a8a"}
    bar, behind, letters = _bar_and_letters(_still(astronaut, background, [navy]), _still(astronaut, background, []))
    assert contrast_ratio(letters, bar) >= 4.5, (letters, bar)
    assert contrast_ratio(bar, behind) >= 1.5, (bar, behind)


def test_a_bar_colour_the_job_gives_is_drawn_as_given_even_on_its_own_colour(astronaut):
    background = {"type": "color", "color": "#1f2937"}
    own = {**LOWER_THIRD, "background_color": "#1f2937"}
    bar, behind, _ = _bar_and_letters(_still(astronaut, background, [own]), _still(astronaut, background, []))
    assert np.abs(np.subtract(bar, (31, 41, 55))).max() <= 2 and contrast_ratio(bar, behind) < 1.05


def test_a_bar_over_a_video_or_a_transparent_background_is_the_farms_own():
    """A video changes under the bar, and what shows through a transparent one is the viewer's: neither is
    measured (the farm's slate bar, at 235/255, is drawn)."""
    assert Background(None, np.zeros((3, 8, 8, 3), np.uint8)).backdrop is None
    assert Background(np.zeros((8, 8, 4), np.uint8)).backdrop is None
    assert Background(np.zeros((8, 8, 3), np.uint8)).backdrop is not None


def test_in_the_video_a_lower_third_on_the_default_background_stands_out_from_it(tmp_path):
    """The same, on a frame of a job run whole by the worker, on the background the API fills in."""
    services = make_services(tmp_path)
    overlays = [{**LOWER_THIRD, "start": 0.0, "end": None, "font": None, "size": None, "color": None}]
    overlays[0] |= {"background_color": None, "position": None}
    dressed = composition(640, 360, [scene("Good evening from the farm.", character=RIGHT, overlays=overlays)])
    bare = composition(640, 360, [scene("Good evening from the farm.", character=RIGHT)])
    tenant = new_tenant(services)
    frames = []
    for code, (name, comp) in enumerate((("dressed", dressed), ("bare", bare))):
        assert comp["scenes"][0]["background"]["color"] == "#1f2937"
        output = run_job(services, tenant, comp, wm_code=code + 1)
        frame = frame_at(fetch(services, output["key"], tmp_path / f"{name}.mp4"), 0.8)
        frames.append(frame[180:, :340])  # the bottom left, where the lower third is: the presenter is right of it
    bar, behind, letters = _bar_and_letters(*frames)
    assert contrast_ratio(bar, behind) >= 1.5, (bar, behind)
    assert contrast_ratio(letters, bar) >= 4.5, (letters, bar)


def test_in_the_video_a_lower_third_stands_out_from_the_presenters_body_behind_it(tmp_path):
    """The same as on the composer's frame, on a frame of a job run whole by the worker: the presenter's collar
    and jacket, not the white wall, stand behind the bar."""
    services = make_services(tmp_path)
    white = {"color": "#ffffff"}
    overlays = [{**LOWER_THIRD, "start": 0.0, "end": None, "font": None, "size": None, "color": None}]
    overlays[0] |= {"background_color": None, "position": None}
    dressed = composition(
        640, 360, [scene("Good evening.", character=LEFT_OVER_BODY, background=white, overlays=overlays)]
    )
    bare = composition(640, 360, [scene("Good evening.", character=LEFT_OVER_BODY, background=white)])
    tenant = new_tenant(services)
    frames = []
    for code, (name, comp) in enumerate((("dressed", dressed), ("bare", bare))):
        output = run_job(services, tenant, comp, wm_code=code + 1)
        frames.append(frame_at(fetch(services, output["key"], tmp_path / f"{name}.mp4"), 0.4)[240:, :320])
    bar, behind, letters = _bar_and_letters(*frames)
    assert contrast_ratio(behind, (255, 255, 255)) > 3.0, "the presenter, not the wall, stands behind the bar"
    assert contrast_ratio(bar, behind) >= 1.5, (bar, behind)
    assert contrast_ratio(letters, bar) >= 4.5, (letters, bar)
