import numpy as np
import pytest

from media.tts.speech import (
    LEAD_SILENCE_S,
    SPEECH_SAMPLE_RATE,
    TAIL_SILENCE_S,
    Cue,
    Speech,
    concatenate,
    resample,
    shape_speech,
)


def test_engine_output_is_brought_to_the_farm_rate():
    one_second = np.sin(np.linspace(0, 440 * 2 * np.pi, 22050)).astype(np.float32)
    assert len(resample(one_second, 22050, SPEECH_SAMPLE_RATE)) == SPEECH_SAMPLE_RATE


def test_engine_silence_is_trimmed_so_every_sentence_gets_the_same_pauses():
    rate = 22050
    voiced = (0.4 * np.sin(np.arange(rate) * 2 * np.pi * 200 / rate)).astype(np.float32)
    quiet_edges = np.concatenate([np.zeros(rate), voiced, np.zeros(rate // 2)])
    tight = shape_speech(voiced, rate)
    padded = shape_speech(quiet_edges, rate)
    assert abs(len(padded) - len(tight)) <= 2
    expected = (LEAD_SILENCE_S + 1.0 + TAIL_SILENCE_S) * SPEECH_SAMPLE_RATE
    assert abs(len(tight) - expected) <= 0.05 * SPEECH_SAMPLE_RATE


def test_silent_input_is_just_the_pause():
    out = shape_speech(np.zeros(1000, np.float32), 22050)
    assert len(out) == round((LEAD_SILENCE_S + TAIL_SILENCE_S) * SPEECH_SAMPLE_RATE) and not out.any()


def test_concatenated_speech_has_one_cue_per_sentence_at_its_offset():
    a = Speech(np.zeros(2400, np.float32), SPEECH_SAMPLE_RATE, "A.")
    b = Speech(np.zeros(4800, np.float32), SPEECH_SAMPLE_RATE, "B.")
    joined = concatenate([a, b])
    assert joined.cues == (Cue(0.0, 0.1, "A."), Cue(0.1, pytest.approx(0.3), "B."))
    assert joined.duration_s == pytest.approx(0.3) and joined.text == "A. B."


def test_speech_at_different_rates_is_not_concatenated():
    with pytest.raises(ValueError):
        concatenate([Speech(np.zeros(10, np.float32), 24000, "a"), Speech(np.zeros(10, np.float32), 22050, "b")])
