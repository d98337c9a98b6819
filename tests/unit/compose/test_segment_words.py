"""The words a composed segment's captions show, sentence by sentence."""

import numpy as np
import pytest

from media.phonemes import PhoneTrack, TimingSource, Word
from workers.attempt import SegmentPlan, SpokenSegment
from workers.composed import segment_words


def spoken(cues, words=()):
    track = PhoneTrack(TimingSource.PIPER, (), tuple(words))
    return SpokenSegment(SegmentPlan(0, [c[2] for c in cues]), np.zeros(100, np.float32), 24000, 1, cues, track)


def test_a_sentence_whose_words_could_not_be_timed_still_has_its_words_shared_out():
    # the first sentence's words were timed by the voice, the second's were not (its mapping failed): before, the
    # second sentence showed no caption at all
    cues = [(0.0, 1.0, "Good evening."), (1.0, 2.0, "Here is the news.")]
    words = segment_words(spoken(cues, [Word("Good", 0.1, 0.4), Word("evening.", 0.45, 0.9)]))
    assert [w[0] for w in words] == ["Good", "evening.", "Here", "is", "the", "news."]
    assert words[:2] == [("Good", 0.1, 0.4), ("evening.", 0.45, 0.9)]
    assert words[2][1] == 1.0 and words[-1][2] == pytest.approx(2.0)


def test_without_timed_words_every_sentence_is_shared_out_as_before():
    cues = [(0.0, 1.0, "Good evening.")]
    assert [(w, round(a, 3), round(b, 3)) for w, a, b in segment_words(spoken(cues))] == [
        ("Good", 0.0, 0.333),
        ("evening.", 0.333, 1.0),
    ]


def test_an_emoji_the_voice_did_not_say_shows_without_taking_time():
    cues = [(0.0, 1.5, "Party 🎉 time.")]
    words = segment_words(spoken(cues, [Word("Party", 0.1, 0.5), Word("time.", 0.7, 1.2)]))
    assert words == [("Party", 0.1, 0.5), ("🎉", 0.5, 0.5), ("time.", 0.7, 1.2)]
