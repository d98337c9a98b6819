"""The renderer: frame count, what changes and what never does, determinism,
continuity across segments, lip sync and its correction."""

import math

import numpy as np
import pytest

from domain.errors import JobFailure
from domain.presets import PRESETS
from media.errors import AvatarError
from media.render import quality
from media.render.builtin.adapter import BuiltinMouth
from media.render.face import analyze_portrait
from media.render.loudness import frame_count
from media.render.renderer import Renderer

SR = 16000
STILL = {"resolution": 256, "motion_scale": 0.0, "min_resolution": 64}


@pytest.fixture(scope="module")
def astronaut():
    data = PRESETS["astronaut"].read_bytes()
    return data, analyze_portrait(data)


@pytest.fixture(scope="module")
def renderer():
    return Renderer.for_model("builtin")


@pytest.fixture(scope="module")
def speech():
    audio, _ = quality.synthetic_speech(SR)
    return np.array(audio)


@pytest.fixture(scope="module")
def still_clip(renderer, astronaut, speech):
    prepared = renderer.prepare(*astronaut, STILL)
    return prepared, list(renderer.render(prepared, speech, SR, STILL))


@pytest.mark.parametrize("samples", [0, 1, 319, 320, 8000, 16123])
def test_renders_exactly_duration_times_fps_frames(renderer, astronaut, samples):
    prepared = renderer.prepare(*astronaut, STILL)
    audio = np.zeros(samples, np.float32)
    frames = list(renderer.render(prepared, audio, SR, STILL))
    assert len(frames) == frame_count(samples, SR, 25) == math.floor(samples / SR * 25 + 0.5)


def test_frames_are_contiguous_rgb_of_the_requested_resolution(still_clip):
    _, frames = still_clip
    for frame in frames[:5]:
        assert frame.shape == (256, 256, 3) and frame.dtype == np.uint8 and frame.flags.c_contiguous


def test_nothing_outside_the_mouth_region_changes_when_the_head_is_still(renderer, still_clip):
    prepared, frames = still_clip
    x0, y0, x1, y1 = renderer.mouth_box(prepared)
    outside = np.ones((256, 256), bool)
    outside[y0:y1, x0:x1] = False
    still = prepared.still_frame
    assert (
        quality.psnr(
            np.stack(frames),
            np.broadcast_to(still, (len(frames), *still.shape)),
            np.broadcast_to(outside, (len(frames), 256, 256)),
        )
        == math.inf
    )
    moved = [f for f in frames if not np.array_equal(f, still)]
    assert len(moved) > len(frames) // 3


def test_the_mouth_rests_in_pauses_and_moves_in_sync_with_speech(renderer, still_clip, speech):
    prepared, frames = still_clip
    activity = quality.mouth_activity(frames, prepared.still_frame, renderer.mouth_box(prepared))
    pauses = quality.pause_frames(speech, SR, 25, len(frames))
    assert pauses.sum() >= 15 and (activity[pauses] == 0).all()
    lag, corr = quality.av_offset(activity, quality.speech_envelope(speech, SR, 25, len(frames)))
    assert lag == 0 and corr > 0.6


def test_zero_dynamic_scale_keeps_the_mouth_closed(renderer, astronaut, speech):
    params = {**STILL, "dynamic_scale": 0.0}
    prepared = renderer.prepare(*astronaut, params)
    for frame in renderer.render(prepared, speech[:SR], SR, params):
        assert np.array_equal(frame, prepared.still_frame)


def test_rendering_is_deterministic(renderer, astronaut, speech):
    params = {"resolution": 256, "motion_scale": 1.0, "min_resolution": 64}
    prepared = renderer.prepare(*astronaut, params)
    first = [f.tobytes() for f in renderer.render(prepared, speech, SR, params, first_frame_index=40)]
    again = [
        f.tobytes()
        for f in renderer.render(renderer.prepare(*astronaut, params), speech, SR, params, first_frame_index=40)
    ]
    assert first == again


def test_head_motion_and_blinks_continue_across_segment_boundaries(renderer, astronaut):
    params = {"resolution": 256, "motion_scale": 1.0, "min_resolution": 64}
    prepared = renderer.prepare(*astronaut, params)
    silence = np.zeros(4 * SR, np.float32)  # long enough to hold a blink
    whole = list(renderer.render(prepared, silence, SR, params))
    cut = 37
    parts = list(renderer.render(prepared, silence[: cut * SR // 25], SR, params)) + list(
        renderer.render(prepared, silence[cut * SR // 25 :], SR, params, first_frame_index=cut)
    )
    assert len(parts) == len(whole) == 100
    assert all(np.array_equal(a, b) for a, b in zip(whole, parts))
    # ... and the head really moves.
    assert not np.array_equal(whole[0], whole[50])


def test_the_head_moves_only_when_motion_scale_is_above_zero(renderer, astronaut):
    silence = np.zeros(2 * SR, np.float32)
    for scale, moves in ((0.0, False), (1.0, True)):
        params = {**STILL, "motion_scale": scale}
        prepared = renderer.prepare(*astronaut, params)
        frames = list(renderer.render(prepared, silence, SR, params))
        assert any(not np.array_equal(f, prepared.still_frame) for f in frames) is moves


def test_render_refuses_params_the_portrait_was_not_prepared_for(renderer, astronaut, speech):
    prepared = renderer.prepare(*astronaut, STILL)
    with pytest.raises(ValueError, match="resolution"):
        renderer.render(prepared, speech, SR, {**STILL, "resolution": 512})


def test_a_face_too_small_for_min_resolution_is_refused_at_prepare(renderer, astronaut):
    with pytest.raises(AvatarError) as caught:
        renderer.prepare(*astronaut, {"resolution": 512, "min_resolution": 1024})
    assert caught.value.code == "avatar_too_small"


def test_unknown_model_is_a_job_failure():
    with pytest.raises(JobFailure) as caught:
        Renderer.for_model("sonic")
    assert caught.value.code == "model_unknown"


class LateMouth(BuiltinMouth):
    """A model whose mouth moves two frames after the sound, and which does not say so (as a model that hears the
    audio does not): the renderer must measure it."""

    known_lag_frames = None

    def plan(self, region, audio, sample_rate, params, n_frames, shift_frames, phones=None):
        return super().plan(region, audio, sample_rate, params, n_frames, shift_frames - 2, phones=phones)


def test_lip_sync_correction_removes_a_models_constant_offset(renderer, astronaut, speech):
    late = Renderer(renderer.spec, LateMouth(renderer.mouth.model), renderer.runner, "cpu")
    measured = {}
    for correction in (False, True):
        params = {**STILL, "lip_sync_correction": correction}
        prepared = late.prepare(*astronaut, params)
        frames = list(late.render(prepared, speech, SR, params))
        activity = quality.mouth_activity(frames, prepared.still_frame, late.mouth_box(prepared))
        measured[correction] = quality.av_offset(activity, quality.speech_envelope(speech, SR, 25, len(frames)))[0]
    assert measured == {False: 2, True: 0}


@pytest.mark.parametrize("preset", ["astronaut", "cameraman"])
def test_the_built_in_mouth_is_never_late_so_its_jobs_skip_the_probe(renderer, preset, monkeypatch):
    """The built-in mouth declares its offset (0) so a job does not render the probe (0.4 s of CPU at 864²); the
    probe itself, run here at three frame rates, finds it so."""
    data = PRESETS[preset].read_bytes()
    prepared = renderer.prepare(data, analyze_portrait(data), STILL)
    assert renderer.mouth.known_lag_frames == 0
    assert [renderer._probe_lag(prepared, fps) for fps in (10, 25, 30)] == [0, 0, 0]

    def probe(*_args):
        raise AssertionError("the probe ran for a model whose offset is known")

    monkeypatch.setattr(Renderer, "_probe_lag", probe)
    assert renderer.correction_frames(prepared, {"fps": 25}) == 0
    late = Renderer(renderer.spec, LateMouth(renderer.mouth.model), renderer.runner, "cpu")
    with pytest.raises(AssertionError, match="the probe ran"):
        late.correction_frames(late.prepare(data, analyze_portrait(data), STILL), {"fps": 25})


def test_a_stored_analysis_of_an_older_format_is_redone_not_trusted(renderer, astronaut):
    data, info = astronaut
    stale = {k: v for k, v in info.to_dict().items() if k != "face_outline"} | {"version": 1}
    prepared = renderer.prepare(data, stale, STILL)
    assert prepared.info == info
    assert renderer.prepare(data, None, STILL).info == info
