"""A square job's frames reach its encoder as x264's own yuv420p, the invisible payload on the luma
plane: the file it makes carries the job's payload through a re-encode, as the RGB path did, and the
picture is the renderer's (with the visible mark) within the conversion's rounding."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from media.encode import SegmentEncoder, luma_plane, rgb_to_yuv420
from media.encode.ffmpeg_binary import ffmpeg_exe
from media.watermark import InvisibleWatermark, VisibleWatermark
from tests.unit.media.watermark.test_invisible import FPS, KEY, PAYLOAD, SIDE, _frames
from workers.attempt import StageClock
from workers.stages.frames import FrameSource, draft_overlay

RATE = 16_000


class SwayingRenderer:
    """Draws the test portrait swaying, one frame per 1/FPS of audio."""

    def render(self, prepared, samples, sample_rate, params, first_frame, phones=None):
        for frame, _ in zip(_frames(), range(len(samples) * FPS // sample_rate)):
            yield frame.copy()  # a renderer gives each frame anew, writable


def square_source(draft: bool = False) -> FrameSource:
    return FrameSource(
        renderer=SwayingRenderer(),
        prepared=None,
        params={"fps": FPS},
        visible=VisibleWatermark(text="AI-generated").overlay_for(SIDE, SIDE),
        invisible=InvisibleWatermark(KEY).embedder(PAYLOAD, SIDE, SIDE, FPS),
        width=SIDE,
        height=SIDE,
        codec="libx264",
        preset="veryfast",
        output_fps=FPS,
        drawn_fps=FPS // 2 if draft else FPS,
        draft_mark=draft_overlay(SIDE) if draft else None,
        input_format="yuv420p",
    )


def test_square_frames_go_out_as_yuv420p_with_the_payload_in_their_luma(tmp_path):
    source = square_source()
    samples = np.zeros(RATE * 2, np.float32)
    frames = list(source.frames(samples, RATE, 0, StageClock()))
    mark = VisibleWatermark(text="AI-generated").overlay_for(SIDE, SIDE)
    rgb_marker = InvisibleWatermark(KEY).embedder(PAYLOAD, SIDE, SIDE, FPS)  # what square jobs did before
    assert len(frames) == 2 * FPS and all(f.shape == (SIDE * 3 // 2, SIDE) for f in frames)
    for i, (got, drawn) in enumerate(zip(frames, _frames())):
        plain = rgb_to_yuv420(mark.apply(drawn))
        assert np.array_equal(got[SIDE:], plain[SIDE:])  # the colour is the marked picture's, untouched
        moved = luma_plane(got).astype(float) - luma_plane(plain)
        via_rgb = luma_plane(rgb_to_yuv420(rgb_marker.apply(mark.apply(drawn), i))).astype(float) - luma_plane(plain)
        assert np.corrcoef(moved.ravel(), via_rgb.ravel())[0, 1] > 0.95  # the same pattern, as strong
        assert np.std(moved) == pytest.approx(np.std(via_rgb), rel=0.05)
    path = tmp_path / "square.mp4"
    with SegmentEncoder(path, SIDE, SIDE, FPS, input_format=source.input_format) as encoder:
        for frame in frames:
            encoder.write(frame)
    reencoded = tmp_path / "crf23.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(path), "-c:v", "libx264", "-crf", "23", str(reencoded)],
        check=True,
    )

    detection = InvisibleWatermark(KEY).detect(reencoded)

    assert detection.found and detection.payload == PAYLOAD
    assert not InvisibleWatermark("another key").detect(reencoded).found


def test_a_square_drafts_held_frames_are_yuv420p_too():
    frames = list(square_source(draft=True).frames(np.zeros(RATE, np.float32), RATE, 0, StageClock()))
    assert len(frames) == FPS and all(f.shape == (SIDE * 3 // 2, SIDE) for f in frames)
    assert np.array_equal(frames[0], frames[1])  # drawn at half the rate: each drawn frame held twice
