"""The loudness step on its own (media/encode/loudness.py): BS.1770 measured as ffmpeg's ebur128 measures it, one gain
and a look-ahead limiter to the target under the ceiling, the encoded file's true peak held, and the edges — silence,
a clip shorter than a gating block, one too quiet to raise all the way — left sane. Whole jobs are judged in
tests/unit/compose/test_delivered_loudness.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from domain.config import ConfigError, Settings
from media.encode import encode_aac, encode_opus, integrated_loudness, normalise, normalise_wav, true_peak
from media.encode.loudness import ENCODER_MARGIN_DB, MAX_GAIN_DB
from media.encode.wav import read_wav, write_wav
from tests.unit.compose.viewing import ebur128

RATE = 24000


def speech_like(seconds: float, level: float, seed: int = 0) -> np.ndarray:
    """Voiced syllables with sharp onsets and pauses: a peak-to-loudness ratio like speech's (about 20 dB), so
    reaching -16 LUFS needs the limiter."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = 120 + 30 * np.sin(2 * np.pi * 0.7 * t)
    voice = sum(np.sin(2 * np.pi * k * np.cumsum(pitch) / RATE) / k for k in range(1, 12))
    syllables = (np.sin(2 * np.pi * 3.1 * t) > 0.2) * (np.sin(2 * np.pi * 0.35 * t) > -0.5)
    clicks = np.zeros_like(t)
    clicks[rng.choice(len(t), 12, replace=False)] = 1.0  # plosives: single loud samples
    x = voice * syllables * (0.6 + 0.4 * rng.random(len(t))) + 3 * np.convolve(clicks, np.hanning(24), "same")
    return (level * x / np.abs(x).max()).astype(np.float32)


def over_loud(seconds: float) -> np.ndarray:
    """Speech squashed into full scale, as a mastered-for-radio upload may be: about -9 LUFS."""
    x = speech_like(seconds, 1.0)
    return (0.99 * np.tanh(6 * x)).astype(np.float32)


def test_a_sine_measures_as_bs1770_says_and_as_ffmpeg_reads_it(tmp_path):
    t = np.arange(5 * RATE) / RATE
    sine = (0.1 * np.sin(2 * np.pi * 997 * t)).astype(np.float32)  # -20 dBFS peak: -23.0 LUFS by BS.1770
    assert integrated_loudness(sine, RATE) == pytest.approx(-23.0, abs=0.1)
    speech = speech_like(8.0, 0.9)
    write_wav(tmp_path / "speech.wav", speech, RATE)
    lufs, peak = ebur128(tmp_path / "speech.wav")
    assert integrated_loudness(speech, RATE) == pytest.approx(lufs, abs=0.15)
    assert true_peak(speech, RATE) == pytest.approx(peak, abs=0.3)


def test_silence_between_words_is_gated_out():
    speech = speech_like(6.0, 0.5)
    padded = np.concatenate([speech, np.zeros(20 * RATE, np.float32)])  # ungated, 6 dB quieter
    assert integrated_loudness(padded, RATE) == pytest.approx(integrated_loudness(speech, RATE), abs=0.2)


def test_a_quiet_track_is_raised_to_the_target_its_peaks_limited_under_the_ceiling():
    """Speech's peaks stand about 20 dB over its loudness: at -16 LUFS they would pass 0 dBTP. The limiter takes
    them under the ceiling (less the encoder margin) instead of the gain stopping short."""
    quiet = speech_like(8.0, 0.2)
    out, done = normalise(quiet, RATE, -16.0, -1.0)
    assert done.before_lufs < -30.0 and done.gain_db > 14.0
    assert integrated_loudness(out, RATE) == pytest.approx(-16.0, abs=0.1)
    assert true_peak(out, RATE) <= -1.0 - ENCODER_MARGIN_DB + 0.01
    assert done.limited_db > 1.0


def test_an_over_loud_track_is_brought_down_to_the_target():
    loud = over_loud(8.0)
    out, done = normalise(loud, RATE, -16.0, -1.0)
    assert done.before_lufs > -12.0 and done.gain_db < -4.0
    assert integrated_loudness(out, RATE) == pytest.approx(-16.0, abs=0.1)
    assert true_peak(out, RATE) <= -1.0 - ENCODER_MARGIN_DB + 0.01


def test_a_broadcast_target_is_met_as_well():
    out, _ = normalise(speech_like(8.0, 0.9), RATE, -23.0, -1.0)
    assert integrated_loudness(out, RATE) == pytest.approx(-23.0, abs=0.1)


def test_one_gain_over_the_whole_track_keeps_its_dynamics():
    """No riding of the level: where the limiter does not act, out/in is the same everywhere, so a bed ducked 11 dB
    under a voice is still ducked 11 dB."""
    t = np.arange(6 * RATE) / RATE
    loud, quiet = 0.3 * np.sin(2 * np.pi * 220 * t[: 3 * RATE]), 0.03 * np.sin(2 * np.pi * 220 * t[3 * RATE :])
    x = np.concatenate([loud, quiet]).astype(np.float32)
    out, done = normalise(x, RATE, -16.0, -1.0)
    assert done.limited_db == 0.0
    ratio = out[x != 0] / x[x != 0]
    assert np.ptp(ratio[np.abs(x[x != 0]) > 0.01]) < 1e-3


def test_silence_stays_silence():
    for silence in (np.zeros(3 * RATE, np.float32), np.zeros(0, np.float32)):
        out, done = normalise(silence, RATE)
        assert len(out) == len(silence) and not np.any(out)
        assert done.gain_db == 0.0 and math.isinf(done.after_lufs)
    hiss = np.random.default_rng(1).normal(0, 1e-5, 3 * RATE).astype(np.float32)  # under the -70 LUFS gate
    out, done = normalise(hiss, RATE)
    assert done.gain_db == 0.0 and np.array_equal(out, hiss)


def test_a_near_silent_track_is_raised_no_more_than_the_limit():
    t = np.arange(4 * RATE) / RATE
    whisper = (0.001 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)  # about -63 LUFS
    out, done = normalise(whisper, RATE, -16.0, -1.0)
    assert done.gain_db == MAX_GAIN_DB
    assert integrated_loudness(out, RATE) == pytest.approx(done.before_lufs + MAX_GAIN_DB, abs=0.1)


@pytest.mark.parametrize("seconds", [0.5, 0.2, 0.01])
def test_a_clip_shorter_than_the_gating_allows_is_levelled_without_blowing_up(seconds):
    t = np.arange(int(seconds * RATE)) / RATE
    clip = (0.05 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    out, done = normalise(clip, RATE, -16.0, -1.0)
    assert np.all(np.isfinite(out)) and len(out) == len(clip)
    assert math.isfinite(done.after_lufs) and done.gain_db <= MAX_GAIN_DB
    assert true_peak(out, RATE) <= -1.0 - ENCODER_MARGIN_DB + 0.01


@pytest.mark.parametrize("codec", ["aac", "opus"])
def test_the_encoded_file_keeps_the_ceiling_even_when_the_encoder_overshoots(tmp_path, codec):
    """A hard-edged sound (a square wave switched on and off) comes out of AAC 5 dB over the samples it was given:
    the encoded file is read back and limited again until it is under the ceiling, measured by ffmpeg."""
    t = np.arange(6 * RATE) / RATE
    square = 0.5 * np.sign(np.sin(2 * np.pi * 220 * t)) * (np.sin(np.pi * t) > 0)
    write_wav(tmp_path / "in.wav", square.astype(np.float32), RATE)
    delivered = tmp_path / ("out.m4a" if codec == "aac" else "out.webm")
    encode = encode_aac if codec == "aac" else encode_opus
    done = normalise_wav(tmp_path / "in.wav", tmp_path / "out.wav", -9.0, -1.0, lambda wav: encode(wav, delivered))
    lufs, peak = ebur128(delivered)
    assert peak <= -1.0 and done.delivered_dbtp is not None and done.delivered_dbtp <= -1.0
    assert lufs == pytest.approx(-9.0, abs=1.5)  # a little of the target given up for the ceiling, no more
    samples, rate = read_wav(tmp_path / "out.wav")
    assert rate == RATE and len(samples) == len(square)


def test_the_same_track_is_levelled_to_the_same_samples(tmp_path):
    """A draft and its final level the same speech: the same samples out, to the bit."""
    write_wav(tmp_path / "in.wav", speech_like(5.0, 0.9), RATE)
    normalise_wav(tmp_path / "in.wav", tmp_path / "a.wav")
    normalise_wav(tmp_path / "in.wav", tmp_path / "b.wav")
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TALKFARM_LOUDNESS_TARGET_LUFS", "-5"),
        ("TALKFARM_LOUDNESS_TARGET_LUFS", "-60"),
        ("TALKFARM_LOUDNESS_TARGET_LUFS", "nan"),
        ("TALKFARM_LOUDNESS_TARGET_LUFS", "loud"),
        ("TALKFARM_TRUE_PEAK_CEILING_DBTP", "1"),
        ("TALKFARM_TRUE_PEAK_CEILING_DBTP", "-20"),
    ],
)
def test_an_operator_target_outside_its_range_is_refused_naming_it(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value}, data_dir=tmp_path)


def test_the_loudness_settings_default_to_the_web_and_take_broadcast(tmp_path):
    assert (Settings.from_env({}, data_dir=tmp_path).loudness_target_lufs) == -16.0
    assert Settings.from_env({}, data_dir=tmp_path).true_peak_ceiling_dbtp == -1.0
    broadcast = Settings.from_env({"TALKFARM_LOUDNESS_TARGET_LUFS": "-23"}, data_dir=tmp_path)
    assert broadcast.loudness_target_lufs == -23.0
