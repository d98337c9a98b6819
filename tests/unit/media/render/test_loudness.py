"""Audio to mouth controls: frame count, rest on pauses, amplitude, no lag."""

import numpy as np
import pytest

from media.render import quality
from media.render.loudness import frame_count, mouth_track

SR = 16000


@pytest.fixture(scope="module")
def speech():
    audio, syllables = quality.synthetic_speech(SR)
    return np.array(audio), syllables


@pytest.mark.parametrize(
    "samples, fps, frames", [(16000, 25, 25), (16320, 25, 26), (16319, 25, 25), (0, 25, 0), (8000, 30, 15)]
)
def test_frame_count_is_duration_times_fps_rounded_half_up(samples, fps, frames):
    assert frame_count(samples, SR, fps) == frames


def test_track_has_exactly_one_value_per_frame(speech):
    audio, _ = speech
    n = frame_count(len(audio), SR, 25)
    track = mouth_track(audio, SR, 25, n)
    assert track.open.shape == track.width.shape == track.rest.shape == (n,)


def test_pauses_of_300_ms_hold_the_mouth_exactly_at_rest(speech):
    audio, syllables = speech
    n = frame_count(len(audio), SR, 25)
    track = mouth_track(audio, SR, 25, n)
    pause = quality.pause_frames(audio, SR, 25, n)
    assert pause.sum() >= 15  # the signal has two long pauses
    assert (track.open[pause] == 0).all() and (track.width[pause] == 0).all()
    # ... and the mouth does open during syllables.
    mid = [int((s + e) / 2 * 25) for s, e in syllables]
    assert (track.open[mid] > 0.2).all()


def test_mouth_opening_follows_the_voice_without_lag(speech):
    audio, _ = speech
    n = frame_count(len(audio), SR, 25)
    track = mouth_track(audio, SR, 25, n)
    lag, corr = quality.av_offset(track.open, quality.speech_envelope(audio, SR, 25, n))
    assert lag == 0 and corr > 0.8


def test_dynamic_scale_scales_amplitude_and_zero_keeps_the_mouth_closed(speech):
    audio, _ = speech
    n = frame_count(len(audio), SR, 25)
    normal = mouth_track(audio, SR, 25, n, dynamic_scale=1.0)
    half = mouth_track(audio, SR, 25, n, dynamic_scale=0.5)
    closed = mouth_track(audio, SR, 25, n, dynamic_scale=0.0)
    assert np.allclose(half.open, normal.open * 0.5, atol=1e-6)
    assert (closed.open == 0).all() and (closed.width == 0).all()


def test_smooth_motion_smooths_the_mouth(speech):
    audio, _ = speech
    n = frame_count(len(audio), SR, 25)
    rough = mouth_track(audio, SR, 25, n, smooth_motion=0.0)
    smooth = mouth_track(audio, SR, 25, n, smooth_motion=1.0)
    assert np.abs(np.diff(smooth.open)).sum() < 0.8 * np.abs(np.diff(rough.open)).sum()


def test_levels_are_absolute_so_a_sentence_moves_the_mouth_alike_alone_or_in_a_clip(speech):
    audio, syllables = speech
    # The same speech preceded by a second of silence: same controls, one second later.
    padded = np.concatenate([np.zeros(SR, dtype=np.float32), audio])
    n = frame_count(len(audio), SR, 25)
    alone = mouth_track(audio, SR, 25, n)
    within = mouth_track(padded, SR, 25, n + 25)
    # (Frames that fall in a pause only in the longer clip are exactly at rest there.)
    compared = ~within.rest[25:]
    assert compared.sum() > 0.6 * n
    assert np.allclose(within.open[25:][compared], alone.open[compared], atol=0.02)


def test_shifting_a_track_moves_controls_to_earlier_frames(speech):
    audio, _ = speech
    n = frame_count(len(audio), SR, 25)
    track = mouth_track(audio, SR, 25, n)
    shifted = track.shifted(2)
    assert np.array_equal(shifted.open[:-2], track.open[2:]) and (shifted.open[-2:] == 0).all()
