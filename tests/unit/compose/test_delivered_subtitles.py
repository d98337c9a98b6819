"""A news job with subtitles burned in, checked on the delivered files as an accessibility reviewer checks them:
the video's subtitle changes at the frames its VTT says, the VTT's cues on the frame grid, chained or two frames
apart, and every two-line subtitle drawn as tall as every other. Before, the burned-in cues began 0.09-0.16 s after
the file's and a long cue was drawn 40 % smaller."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.compose.jobs import composition, new_tenant, run_job, scene
from tests.unit.compose.test_composed_jobs import make_services
from tests.unit.compose.viewing import fetch, frames_of

FPS = 25
#: the caption box over the light grey background (#d8d8d8 at 35 %) is below this in every channel, the background
#: and the letters above it
BOX = 110
#: the captions' room: below the presenter, who stands high and small
ROOM_TOP = 520
NEWS = (
    "Breaking news tonight. The government has announced new rules for accessible public services, where ministers"
    " say more than twelve thousand residents are affected. Everyone is asked to follow the instructions of local"
    " authorities and to avoid travelling unless absolutely necessary."
)


def _cues(vtt: Path) -> list[tuple[float, float, list[str]]]:
    out = []
    for block in vtt.read_text().split("\n\n")[1:]:
        times, *lines = block.strip().splitlines()
        start, end = (_seconds(t) for t in times.split(" --> "))
        out.append((start, end, lines))
    return out


def _seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _box(frame: np.ndarray) -> tuple[int, int, int, int] | None:
    """The caption box in the captions' room (dark on the light background) as its left, right, top and bottom, to
    6 px (the encoder's noise at its edges), or None."""
    dark = frame[ROOM_TOP:].astype(np.int16).max(axis=2) < BOX
    cols, rows = np.nonzero(dark.sum(axis=0) > 8)[0], np.nonzero(dark.sum(axis=1) > 40)[0]
    if not len(cols) or not len(rows):
        return None
    return (int(cols.min()) // 6, int(cols.max()) // 6, int(rows.min()) // 6, int(rows.max()) // 6)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    root = tmp_path_factory.mktemp("subtitles")
    services = make_services(root)
    comp = composition(
        1280,
        720,
        [
            scene(
                NEWS,
                background={"type": "color", "color": "#d8d8d8"},
                character={"scale": 0.35, "offset": {"x": 0.0, "y": -0.25}},
            )
        ],
        captions={"burn_in": True, "style": "subtitle"},
    )
    output = run_job(services, new_tenant(services), comp, fps=FPS)
    video = fetch(services, output["key"], root / "news.mp4")
    vtt = fetch(services, output["files"]["captions_vtt"]["key"], root / "news.vtt")
    return frames_of(video), _cues(vtt)


def test_the_burned_in_subtitle_changes_at_the_frames_the_vtt_gives(delivered):
    frames, cues = delivered
    assert len(cues) >= 4
    for start, end, _ in cues:
        for t in (start, end):
            assert abs(t * FPS - round(t * FPS)) < 0.03, t  # on the frame grid (milliseconds rounded)
    for (_, end, _), (start, _, _) in zip(cues, cues[1:]):
        assert round((start - end) * FPS) == 0 or round((start - end) * FPS) >= 2
    shown = [_box(f) for _, f in frames]
    changes = [n for n in range(1, len(shown)) if shown[n] != shown[n - 1]]
    bounds = sorted({round(t * FPS) for s, e, _ in cues for t in (s, e)})
    assert changes == [b for b in bounds if b < len(frames)], (changes, bounds)


def test_every_subtitle_of_two_lines_is_as_tall_as_every_other(delivered):
    frames, cues = delivered
    heights = {}
    for start, end, lines in cues:
        frame = frames[round((start + end) / 2 * FPS)][1]
        box = _box(frame)
        assert box is not None, (start, lines)
        heights.setdefault(len(lines), set()).add(box[3] - box[2])
    assert all(len(h) == 1 for h in heights.values()), heights
