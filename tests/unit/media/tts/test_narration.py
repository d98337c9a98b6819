"""media.tts.time_narration makes narration's timing decisions in one place:
its language, and whether the transcript is aligned (pocketsphinx for English,
a warp of espeak-ng's reading otherwise) or each stretch is recognised."""

from __future__ import annotations

import numpy as np
import pytest

from media.phonemes import TimingSource
from media.tts import narration
from media.tts.narration import narration_language, time_narration


def test_the_language_is_the_jobs_else_the_transcripts_else_english():
    assert narration_language("Bonjour à tous, voici les nouvelles du soir.", "DE") == "de"
    assert narration_language("今天的新闻到此结束，谢谢收看。", None) not in ("en", "")
    assert narration_language(None, None) == "en"


def test_english_transcripts_go_to_pocketsphinx_and_others_to_the_warp(monkeypatch):
    calls = []
    track = object.__new__(narration.PhoneTrack)
    monkeypatch.setattr(narration, "align_transcript", lambda *a: calls.append("pocketsphinx") or track)
    monkeypatch.setattr(narration, "align_through_speech", lambda *a: calls.append(f"warp:{a[3]}") or track)
    samples = np.zeros(16000, np.float32)
    assert time_narration(samples, 16000, "Hello there.", "en-us").aligned is track
    assert time_narration(samples, 16000, "你好", "cmn").aligned is track
    assert time_narration(samples, 16000, None, "cmn").aligned is None
    assert calls == ["pocketsphinx", "warp:cmn"]


def test_a_transcript_that_does_not_fit_means_recognition_with_the_reason(monkeypatch):
    monkeypatch.setattr(narration, "align_transcript", lambda *a: "the transcript does not match the narration")
    timing = time_narration(np.zeros(16000, np.float32), 16000, "Hello there.", "en")
    assert timing.aligned is None and "does not match" in timing.note


@pytest.mark.slow
def test_a_segment_of_narration_without_transcript_is_recognised(piper_bilabials):
    timing = time_narration(piper_bilabials.samples, piper_bilabials.sample_rate)
    assert timing.language == "en" and timing.aligned is None
    half = len(piper_bilabials.samples) // 2
    track = timing.segment(0, half)
    assert track.source == TimingSource.RECOGNIZED
    assert track.phones and max(p.end_s for p in track.phones) <= half / piper_bilabials.sample_rate + 0.05
