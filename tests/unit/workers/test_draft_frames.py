"""A draft's frames: drawn at the draft's rate, each held over the output
frames it covers, so the file has the final's frame count (and timing);
the DRAFT mark is on every frame and the invisible payload on each index."""

from __future__ import annotations

import numpy as np
import pytest

from domain.drafts import held_frame
from media.encode.timing import frames_for, samples_for
from media.render.loudness import frame_count
from workers.attempt import StageClock
from workers.stages.frames import FrameSource, draft_overlay

RATE = 24_000


class CountingRenderer:
    """Draws frame i of a segment as an image whose every pixel is i."""

    def __init__(self):
        self.asked = []

    def render(self, prepared, samples, sample_rate, params, first_frame, phones=None):
        self.asked.append((params["fps"], first_frame))
        for i in range(frame_count(len(samples), sample_rate, params["fps"])):
            yield np.full((64, 64, 3), i % 250, dtype=np.uint8)


class RecordingPayload:
    def __init__(self):
        self.indices = []

    def apply(self, frame, index):
        self.indices.append(index)
        return frame


class CornerMark:
    def apply(self, frame):
        out = frame.copy()
        out[0, 0] = 255
        return out


def draft_source(renderer, payload, output_fps=25, drawn_fps=12) -> FrameSource:
    return FrameSource(
        renderer=renderer,
        prepared=None,
        params={"fps": drawn_fps},
        visible=None,
        invisible=payload,
        width=64,
        height=64,
        codec="libx264",
        preset="ultrafast",
        output_fps=output_fps,
        drawn_fps=drawn_fps,
        draft_mark=CornerMark(),
    )


@pytest.mark.parametrize("output_frames", [1, 2, 25, 76, 251])
def test_a_draft_segment_has_the_finals_frame_count_with_held_frames(output_frames):
    renderer, payload = CountingRenderer(), RecordingPayload()
    samples = np.zeros(samples_for(output_frames, RATE, 25), dtype=np.float32)
    frames = list(draft_source(renderer, payload).frames(samples, RATE, 100, StageClock()))
    assert len(frames) == frames_for(len(samples), RATE, 25) == output_frames
    assert [int(f[1, 1, 0]) for f in frames] == [held_frame(j, 25, 12) for j in range(output_frames)]
    assert all(f[0, 0, 0] == 255 for f in frames)  # the mark on every frame
    assert payload.indices == list(range(100, 100 + output_frames))  # the payload on every output index
    assert renderer.asked == [(12, held_frame(100, 25, 12))]


def test_the_draft_label_marks_the_top_left_corner():
    frame = np.full((128, 128, 3), 40, dtype=np.uint8)
    marked = draft_overlay(128).apply(frame)
    corner, rest = np.abs(marked.astype(int) - frame)[:20, :64], np.abs(marked.astype(int) - frame)[64:, :]
    assert corner.max() > 100 and rest.max() == 0
