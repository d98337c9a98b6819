"""The upper face: blinks fall in pauses and inside their segment, brows lift
on stressed vowels and are still at a segment's ends."""

import numpy as np
import pytest

from domain.presets import PRESETS
from media.phonemes import Phone, PhoneTrack, TimingSource
from media.render.face import analyze_portrait
from media.render.motion import BLINK_PULL_S, segment_blinks, segment_brows
from media.render.renderer import Renderer

FPS = 25


def test_a_blink_moves_into_the_nearest_pause():
    n = 100
    speaking = np.zeros(n, bool)
    assert segment_blinks(0, n, FPS, 1.0, speaking).max() == 1.0
    nominal = int(np.argmax(segment_blinks(0, n, FPS, 1.0, speaking)))
    pause = np.zeros(n, bool)
    pause[nominal + 12 : nominal + 22] = True
    assert (12 / FPS) < BLINK_PULL_S
    moved = segment_blinks(0, n, FPS, 1.0, pause)
    assert pause[int(np.argmax(moved))]


@pytest.mark.parametrize("cut", [20, 37, 53, 60])
def test_eyes_are_open_at_both_ends_of_every_segment(cut):
    rest = np.ones(150, bool)
    for first, n in ((0, cut), (cut, 150 - cut)):
        blinks = segment_blinks(first, n, FPS, 1.0, rest[:n])
        assert blinks[0] == 0.0 and blinks[-1] == 0.0


def test_no_blinks_without_motion():
    assert not segment_blinks(0, 200, FPS, 0.0, np.ones(200, bool)).any()


def test_brows_lift_on_a_stressed_vowel_and_rest_at_the_segments_ends():
    phones = PhoneTrack(
        TimingSource.PIPER,
        (
            Phone("h", 0.0, 0.1),
            Phone("ɑ", 0.1, 0.4, 1),
            Phone("t", 0.4, 0.5),
            Phone("ə", 0.6, 0.8, 0),
            Phone("i", 1.0, 1.2, 1),
        ),
    )
    brows = segment_brows(phones, 40, FPS, 1.0)
    assert brows[0] == 0.0 and brows[-1] == 0.0
    assert brows[int(0.3 * FPS)] > 0.8
    assert brows[int(0.8 * FPS) - 1] < brows[int(0.3 * FPS)]
    assert not segment_brows(phones, 40, FPS, 0.0).any()


def test_a_raised_brow_moves_its_patch_and_nothing_else():
    data = PRESETS["astronaut"].read_bytes()
    renderer = Renderer.for_model("builtin")
    prepared = renderer.prepare(data, analyze_portrait(data), {"resolution": 512})
    assert len(prepared.brows) == 2
    canvas = prepared.canvas.copy()
    brow = prepared.brows[0]
    brow.raise_(canvas, 1.0)
    changed = np.abs(canvas.astype(int) - prepared.canvas).max(axis=2) > 0
    inside = np.zeros_like(changed)
    inside[brow.top : brow.top + brow.height, brow.left : brow.left + brow.width] = True
    assert changed[inside].sum() > 50
    assert not changed[~inside].any()


def test_a_portrait_with_glasses_keeps_its_brows_still():
    from pathlib import Path

    cbook = pytest.importorskip("matplotlib.cbook")
    data = Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).read_bytes()
    prepared = Renderer.for_model("builtin").prepare(data, analyze_portrait(data), {"resolution": 512})
    assert prepared.brows == []
