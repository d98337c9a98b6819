"""The inside of the built-in mouth: real teeth, a shaded cavity, a tongue that
rises, soft lip edges (issue 22). Frames are painted from the real model's
fields on Grace Hopper's closed-mouth portrait (the teeth are drawn) and the
regions read from the same fields."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from media.render.batcher import DirectRunner
from media.render.builtin import mouth as mouth_module
from media.render.builtin import teeth
from media.render.builtin.visemes import VISEMES, VisemeTrack
from media.render.controls import ANIMATION_NAMES
from media.render.renderer import Renderer

matplotlib_cbook = pytest.importorskip("matplotlib.cbook")
REAL_PAINT = mouth_module.paint


@pytest.fixture(scope="module")
def hopper():
    data = Path(matplotlib_cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).read_bytes()
    renderer = Renderer.for_model("builtin")
    return renderer, renderer.prepare(data, None, {"resolution": 512})


def painted(hopper, viseme, monkeypatch, **override):
    """The painted inside of one frame and the fields it was painted from."""
    renderer, prepared = hopper
    seen = {}

    def spy(target, below_top, above_bottom, look, alpha, fade, animation, interior):
        seen.update(before=target.copy())
        REAL_PAINT(target, below_top, above_bottom, look, alpha, fade, animation, interior)
        seen.update(
            target=target.copy(), below_top=below_top, above_bottom=above_bottom, look=look.copy(), alpha=alpha * fade
        )

    monkeypatch.setattr(mouth_module, "paint", spy)
    target = dict(zip(ANIMATION_NAMES, VISEMES[viseme][0]))
    target.update(override)
    controls = {name: np.array([value], np.float32) for name, value in target.items()}
    renderer.mouth.draw(
        prepared.mouth,
        prepared.canvas,
        VisemeTrack(controls, np.zeros(1, bool), (viseme,)),
        np.arange(1),
        DirectRunner(),
    )
    return seen


def luma(rgb):
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def test_the_cavity_is_a_dark_warm_gradient_never_flat_and_never_black(hopper, monkeypatch):
    f = painted(hopper, "aa", monkeypatch)
    interior = hopper[1].mouth.interior
    hw = interior.half_width
    below_teeth = -(f["look"][..., 1] + interior.upper_display)  # px below the upper teeth's edge
    share = f["above_bottom"] / np.maximum(f["below_top"] + f["above_bottom"], 1.0)
    cavity = (
        (f["alpha"] > 0.99)
        & (np.abs(f["look"][..., 6]) < 0.5)
        & (f["look"][..., 2] < -2)
        & (share > 0.4)
        & (f["below_top"] > 0.08 * hw)
    )  # above the tongue, off the lips and teeth
    near = cavity & (below_teeth > 1.0) & (below_teeth < 0.06 * hw)
    deep = cavity & (below_teeth > 0.15 * hw) & (share < 0.65)
    assert near.sum() > 10 and deep.sum() > 10
    pixels = f["target"][deep].astype(np.float32)
    assert pixels.min() >= 5 and pixels.min(axis=0).max() >= 10, "pure black"
    assert np.median(pixels[:, 0]) > np.median(pixels[:, 2]) + 4, "not warm"
    assert np.median(luma(f["target"][near])) > np.median(luma(f["target"][deep])) + 8, "flat: no gradient"
    assert np.median(luma(f["target"][deep])) < 0.3 * float(luma(interior.lip[None])[0]), "not dark"


def test_teeth_are_the_photographs_not_drawn_bars(hopper, monkeypatch):
    f = painted(hopper, "E", monkeypatch)
    interior = hopper[1].mouth.interior
    above_upper, across = f["look"][..., 1] + interior.upper_display, f["look"][..., 6]
    band = (f["alpha"] > 0.99) & (above_upper > 1.5) & (f["below_top"] > 2.5) & (np.abs(across) < 0.6)
    assert band.sum() > 30, "no upper teeth"
    below = (f["alpha"] > 0.99) & (above_upper < -4)
    assert np.median(luma(f["target"][band])) > 1.8 * np.median(luma(f["target"][below]))
    # Across the row the teeth's light follows the photograph's teeth (their gaps and
    # uneven edges), not a flat bar or one cut by evenly spaced lines.
    strip = interior.strip
    columns = strip.pixels[: int(strip.edge_row)].mean(axis=(0, 2))
    ys, xs = np.nonzero(band)
    light = luma(f["target"][band])
    painted_profile, photo_profile = [], []
    for x in np.unique(xs):
        at = xs == x
        painted_profile.append(light[at].mean())
        photo_profile.append(
            np.interp(strip.centre + across[ys[at], x].mean() * strip.px_per_hw, np.arange(len(columns)), columns)
        )
    assert np.corrcoef(painted_profile, photo_profile)[0, 1] > 0.6


def test_the_tongue_shows_on_open_vowels_and_l_and_its_tip_rises_with_the_tongue_control(hopper, monkeypatch):
    hw = hopper[1].mouth.interior.half_width

    def regions(f):
        height = np.maximum(f["below_top"] + f["above_bottom"], 1.0)
        share = f["above_bottom"] / height  # 0 at the lower lip .. 1 at the upper
        centre = (
            (np.abs(f["look"][..., 6]) < 0.2)
            & (f["alpha"] > 0.99)
            & (f["look"][..., 1] < -2)
            & (f["below_top"] > 0.08 * hw)
            & (f["above_bottom"] > 0.08 * hw)
        )  # away from the lips' edges
        return share, centre

    rest = painted(hopper, "aa", monkeypatch, tongue=0.0)
    share, centre = regions(rest)
    low, middle = centre & (share < 0.2), centre & (share > 0.45) & (share < 0.6)
    assert low.sum() > 10 and middle.sum() > 10
    rgb = rest["target"].astype(np.float32)
    # On an open vowel the tongue lies on the jaw's floor: redder and lighter than the cavity above it.
    assert np.median(luma(rest["target"][low])) > 1.5 * np.median(luma(rest["target"][middle])), "no tongue"
    assert np.median(rgb[low][:, 0] - rgb[low][:, 2]) > 40
    raised = painted(hopper, "aa", monkeypatch, tongue=1.0)
    changed = centre & (np.abs(raised["target"].astype(int) - rest["target"].astype(int)).sum(axis=-1) > 30)
    assert changed.sum() > 20 and share[changed].max() > 0.5, "the tip does not rise towards the upper teeth"
    # l and n: the tip up behind the upper teeth shows under their edge (the same
    # frame with the tongue down differs there).
    nn, flat = painted(hopper, "nn", monkeypatch), painted(hopper, "nn", monkeypatch, tongue=0.0)
    under_teeth = (nn["alpha"] > 0.99) & (nn["look"][..., 1] + hopper[1].mouth.interior.upper_display < 0)
    differs = np.abs(nn["target"].astype(int) - flat["target"].astype(int)).sum(axis=-1) > 20
    assert (under_teeth & differs).sum() > 5, "no tongue on l/n"


def test_the_lower_lip_covers_the_lower_teeth_unless_a_sound_bares_them(hopper, monkeypatch):
    def lower_teeth_pixels(viseme: str, **override) -> int:
        f = painted(hopper, viseme, monkeypatch, **override)
        rgb = f["target"].astype(np.float32)
        whitish = (luma(f["target"]) > 120) & (rgb[..., 0] - rgb[..., 2] < 0.35 * rgb[..., 0])
        return int(((f["alpha"] > 0.99) & (f["look"][..., 1] < -3) & whitish).sum())

    assert lower_teeth_pixels("aa") == 0
    assert lower_teeth_pixels("aa", teeth=1.0) > 10


def test_the_inner_lip_edge_fades_from_the_lips_colour(hopper, monkeypatch):
    f = painted(hopper, "aa", monkeypatch)
    lip = hopper[1].mouth.interior.lip
    # In the middle of the lower lip, over the tongue (which is darker than the lip).
    side = (np.abs(f["look"][..., 6]) < 0.3) & (f["alpha"] > 0.99)
    rgb = f["target"].astype(np.float32)
    steps = [np.median(rgb[side & (np.abs(f["above_bottom"] - d) < 0.5)], axis=0) for d in (0.5, 1.5, 2.5, 3.5)]
    # Lip-coloured at the edge, then darker step by step: a falloff, not one flat band.
    assert np.linalg.norm(steps[0] / steps[0].sum() - lip / lip.sum()) < 0.08
    lights = [float(s.mean()) for s in steps]
    assert lights[0] > 0.75 * float(lip.mean())
    assert all(a > b for a, b in zip(lights, lights[1:]))


def test_the_teeth_strip_ships_and_is_matched_to_the_portraits_white():
    strip = teeth.source_strip()
    assert strip.shape == (teeth.ROWS, teeth.COLUMNS, 3)
    white = np.array([200.0, 150.0, 120.0], np.float32)
    matched = teeth.TeethStrip.for_mouth(40.0, white)
    assert teeth.strip_white(cv2.resize(matched.pixels, (teeth.COLUMNS, teeth.ROWS))) == pytest.approx(white, abs=12)


def test_the_lips_surround_is_the_whole_boxs_normalised_blur_at_the_painted_pixels():
    """Only the painted pixels' neighbourhood is blurred (a speed-up): the colours there are the
    ones a blur of the whole box gives, near its edges too."""
    from media.render.builtin.mouth_interior import _surround_at

    rng = np.random.default_rng(3)
    target = rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)
    alpha = np.zeros((90, 120), np.float32)
    alpha[30:60, 2:50] = rng.random((30, 48), dtype=np.float32)  # one side touches the box's edge
    at = alpha > 0.3
    fallback = np.array([1.0, 2.0, 3.0], np.float32)
    outside = (alpha < 0.02).astype(np.float32)
    weight = cv2.GaussianBlur(outside, (0, 0), 0.8 * 4.0 + 1.0)
    spread = cv2.GaussianBlur(target.astype(np.float32) * outside[..., None], (0, 0), 0.8 * 4.0 + 1.0)
    whole = np.where((weight > 1e-3)[..., None], spread / np.maximum(weight, 1e-3)[..., None], fallback)
    assert np.abs(_surround_at(target, alpha, 4.0, fallback, at) - whole[at]).max() < 1e-3


def test_paint_changes_only_the_pixels_it_reaches(hopper, monkeypatch):
    f = painted(hopper, "aa", monkeypatch)
    untouched = f["alpha"] <= 0
    assert untouched.any()
    np.testing.assert_array_equal(f["target"][untouched], f["before"][untouched])
    changed = np.abs(f["target"].astype(int) - f["before"].astype(int)).max(axis=-1) > 0
    assert changed[~untouched].mean() > 0.5
