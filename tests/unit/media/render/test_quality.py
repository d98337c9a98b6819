"""The lip-sync measures the benchmark and lip_sync_correction rely on."""

import math

import numpy as np

from media.render import quality


def test_av_offset_finds_a_known_video_delay_and_its_sign():
    rng = np.random.default_rng(3)
    audio = np.convolve(rng.random(200), np.ones(3) / 3, mode="same")
    late = np.concatenate([np.zeros(2), audio[:-2]])
    early = np.concatenate([audio[1:], np.zeros(1)])
    assert quality.av_offset(late, audio)[0] == 2
    assert quality.av_offset(early, audio)[0] == -1
    lag, corr = quality.av_offset(audio, audio)
    assert lag == 0 and corr > 0.99


def test_speech_envelope_is_the_rms_of_each_frame():
    sr, fps = 1000, 10
    audio = np.concatenate([np.zeros(100), np.full(100, 0.5), -np.full(100, 0.25)])
    assert np.allclose(quality.speech_envelope(audio, sr, fps, 3), [0.0, 0.5, 0.25])


def test_psnr_is_infinite_for_identical_images_and_finite_otherwise():
    a = np.zeros((8, 8, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 10
    assert quality.psnr(a, a) == math.inf
    assert 30 < quality.psnr(a, b) < 60
    mask = np.ones((8, 8), bool)
    mask[0, 0] = False
    assert quality.psnr(a, b, mask) == math.inf


def test_mouth_activity_measures_change_inside_the_box_only():
    still = np.zeros((20, 20, 3), np.uint8)
    moved = still.copy()
    moved[0:5, 0:5] = 200  # outside the box
    opened = still.copy()
    opened[10:15, 10:15] = 100
    activity = quality.mouth_activity([still, moved, opened], still, (10, 10, 20, 20))
    assert activity[0] == 0 and activity[1] == 0 and activity[2] > 0


def test_synthetic_speech_has_pauses_the_renderer_must_rest_on():
    audio, syllables = quality.synthetic_speech(16000)
    n = round(len(audio) / 16000 * 25)
    pauses = quality.pause_frames(audio, 16000, 25, n)
    assert pauses.sum() >= 15
    for start, end in syllables:
        assert not pauses[int(start * 25) + 1 : int(end * 25)].any()
