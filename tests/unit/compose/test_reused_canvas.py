"""A composed MP4's frames, redrawn, converted and marked only where they change, are the frames the
whole-frame way gives: the same job run both ways hands its encoders the same bytes (but for a luma level
the float strength map may round differently, as it may from run to run), every frame of every cut (an image background and a colour one, the presenter moving, a lower third, word captions changing,
a crossfade between scenes, a circle rendition, the visible and the invisible mark), with the head still and with it
swaying as a user's does."""

from __future__ import annotations

import io
from collections import defaultdict

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

import workers.stages.marked_stream as marked_stream
from domain.models import Job
from media.compose import SceneCompositor
from media.encode import LUMA_SCALE, SegmentEncoder, luma_plane, rgb_to_yuv420
from tests.unit.compose.jobs import Services, add_asset, composition, new_tenant, run_job, scene, tone_wav
from tests.unit.compose.test_composed_jobs import CIRCLE, LOWER_THIRD, make_services

SEGMENT_WRITE = SegmentEncoder.write
#: a boxed title shown for a while: where it was must be put back when it goes, and the invisible mark's
#: strength changes around its box's edges, past the box
TITLE = {
    **LOWER_THIRD,
    "text": "Bridge approved",
    "role": "title",
    "start": 0.4,
    "end": 1.2,
    "background_color": "#f0f0f0",
}


def gradient_png(width: int, height: int) -> bytes:
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    rgb = np.stack([40 + 150 * x, 60 + 120 * y, 200 - 120 * x], axis=-1)
    out = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


def encoded_frames(
    services: Services, tenant: str, monkeypatch, motion_scale: float = 0.0
) -> dict[str, list[np.ndarray]]:
    """Each segment file's frames as handed to its encoder (yuv420p, in order), for one run of the job."""
    frames: dict[str, list[np.ndarray]] = defaultdict(list)
    real_write = SEGMENT_WRITE

    def write(self, frame):
        frames[self.path.name].append(np.array(frame))
        real_write(self, frame)

    monkeypatch.setattr(SegmentEncoder, "write", write)
    words = "Good evening from the farm tonight where the council approved the new bridge after three years"
    first = scene(
        None,
        audio_asset_id="ast_narration",
        transcript=words,
        character={"offset": {"x": 0.35, "y": 0.1}, "scale": 0.7},
        background={"type": "image", "asset_id": "ast_background", "fit": "cover"},
        overlays=[LOWER_THIRD, TITLE],
    )
    second = scene(
        None,
        audio_asset_id="ast_narration",
        transcript=words,
        character={"offset": {"x": -0.3, "y": 0.0}, "scale": 0.6},
        background={"type": "color", "color": "#2060c0"},
        transition={"type": "crossfade", "duration": 0.5},
    )
    comp = composition(
        480,
        270,
        [first, second],
        captions={"burn_in": True, "style": "word"},
        renditions=[{"canvas": {"width": 270, "height": 480}, "character": CIRCLE, "captions": None}],
    )
    run_job(services, tenant, comp, watermark=True, motion_scale=motion_scale)
    return frames


# a still head (only the mouth, eyes and brows change) and the head swaying as the API's default has it (the face
# frame changes over most of its box, and under the matte's transparent parts, where no cut shows it)
@pytest.mark.parametrize("motion_scale", [0.0, 1.0])
def test_frames_redrawn_where_they_change_are_the_whole_frames(tmp_path, monkeypatch, motion_scale):
    partial = []
    real_into = marked_stream.rgb_to_yuv420_into

    def counted_into(rgb, out, rects=None):
        partial.append(rects is not None)
        real_into(rgb, out, rects)

    monkeypatch.setattr(marked_stream, "rgb_to_yuv420_into", counted_into)
    # one tenant and one watermark key for both runs, so both carry the same payload
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(2.0), "audio", "audio/wav")
    add_asset(services, tenant, "ast_background", gradient_png(480, 270), "image", "image/png")
    after = encoded_frames(services, tenant, monkeypatch, motion_scale)

    # before: a fresh copy of the background per frame, the whole frame converted and marked
    def whole(self, face, scene_time, background_index, caption=None, drawn_after=()):
        return self.compose(face, scene_time, background_index, caption), None

    def whole_marked(self, frame, source, changed):
        cut = self.cut
        if cut.draft_mark is not None:
            frame = cut.draft_mark.apply(frame, in_place=True)
        if cut.visible is not None:
            frame = cut.visible.apply(frame, in_place=True)
        planes = rgb_to_yuv420(frame)
        cut.invisible.apply_to_luma(frame, luma_plane(planes), LUMA_SCALE)
        return planes

    with services.sessions() as session, session.begin():  # the payload's job code is unique: free it
        session.execute(sa.update(Job).values(wm_code=8))
    monkeypatch.setattr(SceneCompositor, "compose_reused", whole)
    monkeypatch.setattr(marked_stream.MarkedStream, "marked", whole_marked)
    before = encoded_frames(services, tenant, monkeypatch, motion_scale)

    assert sorted(after) == sorted(before) and len(after) == 4  # two segments (scenes), two cuts
    for name in before:
        assert len(after[name]) == len(before[name]) >= 15
        for i, (a, b) in enumerate(zip(after[name], before[name])):
            # the same bytes but for the rare luma level the invisible mark rounds the other way: its strength
            # map is float, and OpenCV's filters round a last bit differently with a buffer's alignment, in one
            # way of drawing as from run to run of the other
            diff = np.abs(a.astype(np.int16) - b)
            assert diff.max() <= 1 and np.count_nonzero(diff) <= 1e-4 * diff.size, f"{name}: frame {i} differs"
    # and the frames were redrawn in part: all but each segment's first and the crossfade's
    assert sum(partial) >= 0.7 * len(partial)


def test_where_the_face_changed_is_found_once_a_frame_for_every_cut(monkeypatch):
    """A job's cuts draw the same face frames: ``FaceChanges`` compares each frame with the one before once,
    however many canvases ask (the whole-frame equality of every cut is the test above)."""
    import cv2

    from media.compose import FaceChanges

    compared = []
    absdiff = cv2.absdiff
    monkeypatch.setattr(cv2, "absdiff", lambda a, b: compared.append(a.shape) or absdiff(a, b))
    rng = np.random.default_rng(3)
    first = rng.integers(0, 256, (40, 40, 4), dtype=np.uint8)
    moved = first.copy()
    moved[10:20, 5:9] = 255 - moved[10:20, 5:9]  # the mouth opens
    still = moved.copy()  # a new frame, the same picture
    changes = FaceChanges()

    answers = [[changes.of(face) for _cut in range(3)] for face in (first, moved, still)]

    assert answers == [[None] * 3, [(5, 10, 9, 20)] * 3, [(0, 0, 0, 0)] * 3]
    assert len(compared) == 2  # one comparison a frame after the first, not one a cut
