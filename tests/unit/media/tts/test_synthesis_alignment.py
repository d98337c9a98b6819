"""Narration in languages pocketsphinx does not know is timed from its
transcript: espeak-ng reads the transcript, and dynamic time warping maps
that reading onto the narration. Narrations here are espeak-ng's own, in
another voice variant and at another speed, so each phone's true time is known."""

from __future__ import annotations

from difflib import SequenceMatcher

import numpy as np
import pytest

from media.phonemes import TimingSource
from media.tts.espeak_events import espeak_library
from media.tts.synthesis_alignment import HOP_S, align_through_speech, banded_dtw

needs_espeak = pytest.mark.skipif(espeak_library() is None, reason="libespeak-ng is not installed")

MANDARIN = "今天的天气很好。我们明天去北京看朋友，然后一起吃饭。"
CANTONESE = "今日天氣好好，我哋聽日去北京探朋友，然後一齊食飯。"
GERMAN = "Guten Morgen. Der Stadtrat hat am Montag über die neue Brücke beraten, und die Busse fahren bald alle zehn Minuten."


def _full_dtw(cost: np.ndarray) -> float:
    """The textbook O(n·m) recurrence, for reference."""
    n, m = cost.shape
    total = np.full((n + 1, m + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            total[i, j] = cost[i - 1, j - 1] + min(total[i - 1, j - 1], total[i - 1, j], total[i, j - 1])
    return float(total[n, m])


@pytest.mark.parametrize("seed", range(6))
def test_the_banded_warp_finds_the_cheapest_path_as_the_full_recurrence_does(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(5, 40, size=2)
    cost = rng.random((n, m))
    window = (np.zeros(n, dtype=np.int64), np.full(n, m, dtype=np.int64))
    path, total = banded_dtw(lambda i, lo, hi: cost[i, lo:hi], n, m, window)
    assert total == pytest.approx(_full_dtw(cost))
    assert path[0] == (0, 0) and path[-1] == (n - 1, m - 1)
    steps = np.diff(np.array(path), axis=0)
    assert set(map(tuple, steps)) <= {(0, 1), (1, 0), (1, 1)}  # monotone, no jumps
    assert sum(cost[i, j] for i, j in path) == pytest.approx(total)


def test_a_band_keeps_the_path_inside_it_and_costs_what_the_banded_recurrence_does():
    rng = np.random.default_rng(7)
    n = m = 30
    cost = rng.random((n, m))
    lo = np.clip(np.arange(n) - 3, 0, None).astype(np.int64)
    hi = np.clip(np.arange(n) + 4, None, m).astype(np.int64)
    outside = np.ones_like(cost, dtype=bool)
    for i in range(n):
        outside[i, lo[i] : hi[i]] = False
    path, total = banded_dtw(lambda i, a, b: cost[i, a:b], n, m, (lo, hi))
    assert all(lo[i] <= j < hi[i] for i, j in path)
    assert total == pytest.approx(_full_dtw(np.where(outside, 1e6, cost)))


def _spoken(text: str, voice: str, words_per_minute: int):
    library = espeak_library()
    assert library is not None
    return library.speak(text, voice, words_per_minute)


@needs_espeak
@pytest.mark.parametrize(
    ("language", "voice", "text"),
    [("cmn", "cmn-latn-pinyin", MANDARIN), ("yue", "yue", CANTONESE), ("de", "de", GERMAN)],
)
def test_narration_in_another_voice_and_pace_is_timed_within_a_frame(language, voice, text):
    samples, rate, truth = _spoken(text, f"{voice}+f3", 140)  # slower and higher than the reading it is fitted to
    track = align_through_speech(samples, rate, text, language)
    assert not isinstance(track, str), track
    assert track.source == TimingSource.ALIGNED and "espeak-ng" in track.note
    # a phone the warp squeezes to nothing is left out; the rest keep their order
    matcher = SequenceMatcher(None, [p.symbol for p in track.phones], [p.symbol for p in truth.phones], autojunk=False)
    pairs = [
        (track.phones[b.a + k], truth.phones[b.b + k]) for b in matcher.get_matching_blocks() for k in range(b.size)
    ]
    assert len(pairs) == len(track.phones) >= 0.95 * len(truth.phones)
    errors = np.abs([a.start_s - b.start_s for a, b in pairs])
    assert np.median(errors) <= 0.03 and np.percentile(errors, 90) <= 0.06  # a video frame is 0.04 s
    assert [w.text for w in track.words] == [w.text for w in truth.words]  # the captions' words
    word_errors = np.abs([a.start_s - b.start_s for a, b in zip(track.words, truth.words, strict=True)])
    assert np.median(word_errors) <= 0.04


@needs_espeak
def test_narrations_caption_words_are_its_transcripts_as_written():
    text = "¿Qué tal? «Hola», dijo el alcalde. C'est la vie, dijo otro."
    samples, rate, _ = _spoken(text, "es+f3", 150)
    track = align_through_speech(samples, rate, text, "es")
    assert not isinstance(track, str), track
    assert [w.text for w in track.words] == text.split()


@needs_espeak
def test_a_transcript_of_other_words_is_refused_with_a_note():
    samples, rate, _ = _spoken(MANDARIN, "cmn-latn-pinyin+f3", 140)
    note = align_through_speech(samples, rate, "这个博物馆在周末不开门，请大家下个月再来参观。", "cmn")
    assert isinstance(note, str) and "does not match the narration" in note


@needs_espeak
def test_silence_and_a_language_without_a_voice_are_notes_not_failures():
    silent = align_through_speech(np.zeros(48000, np.float32), 24000, GERMAN, "de")
    assert silent == "the narration is silent"
    samples, rate, _ = _spoken(GERMAN, "de", 175)
    unknown = align_through_speech(samples, rate, GERMAN, "tlh")
    assert isinstance(unknown, str) and "no espeak-ng voice speaks 'tlh'" in unknown


def test_the_warp_s_resolution_is_half_a_video_frame():
    assert HOP_S <= 0.02
