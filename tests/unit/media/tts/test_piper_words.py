"""Piper's written words, timed by its own phoneme alignments (the bundled joe voice).

The truth each word is held to is Piper's: its phones come in groups, one per
word it spoke, with the time of the word gap between them (Piper's phonemes
are espeak-ng's, with a space between words). Each sentence below says how
many of those groups each written word is ("2026" is four: two thousand
twenty six), and each word must start within a video frame of its group's
first phone. Before, Piper's speech had no words, and captions shared each
sentence's time out by the words' lengths, the highlight falling behind the
voice by up to half a second.
"""

import pytest

import media.tts.synthesize as synthesize_module
from media.tts import words_by_sentence, written_words
from media.tts.engines import PIPER_SETTINGS, engine_for
from media.tts.espeak_events import espeak_library
from media.tts.piper_words import match_labels, piper_words
from media.tts.script_check import without_pictures
from media.tts.synthesize import cache_key, synthesize_sentences
from storage.local import LocalStorage
from tests.unit.compose.word_highlight import spoken_groups

pytestmark = pytest.mark.skipif(
    espeak_library() is None, reason="libespeak-ng is not installed (apt-get install espeak-ng)"
)

#: one video frame at 25 fps
FRAME_S = 0.040

#: (sentence, how many of Piper's spoken words each written word is): numbers read as several words, abbreviations
#: (Piper's own espeak-ng ends a sentence after "Dr." and "Mr.": two pieces of audio, the farm's gap between them),
#: a sign read aloud ("50%"), pauses at commas, and an emoji the voice is not given (0: not said)
SENTENCES = [
    ("Today, Dr. Smith paid 2026 dollars for lunch.", [1, 1, 1, 1, 4, 1, 1, 1]),
    ("Prices rose 50% in March 🎉, analysts said.", [1, 1, 2, 1, 1, 0, 1, 1]),
    ("Mr. Jones flew 300 miles, then rested.", [1, 1, 1, 1, 1, 1, 1]),
    # espeak-ng links a final consonant to the vowel after it ("a.m. on": its word event for "on" before the "m")
    ("Sam O'Neil landed at 10:30 a.m. on Monday.", [1, 1, 1, 1, 2, 1, 1, 1]),
]


@pytest.fixture(scope="module")
def spoken(joe):
    return [(synthesize_sentences([sentence], joe, None), sentence, counts) for sentence, counts in SENTENCES]


@pytest.mark.parametrize("n", range(len(SENTENCES)))
def test_each_word_starts_within_a_frame_of_its_first_phone_in_pipers_alignment(spoken, n):
    speech, sentence, counts = spoken[n]
    groups = spoken_groups(speech.phones)
    assert len(groups) == sum(counts), [" ".join(p.symbol for p in g) for g in groups]
    [words] = words_by_sentence(speech.phones.words, speech.cues)
    assert [w.text for w in words] == [sentence[a:b] for a, b in written_words(sentence)]
    at = 0
    for before, word, count in zip([None, *words], words, counts):
        if count == 0:  # the emoji: not said, so it takes no time, where the word before it ends
            assert before is not None and word.start_s == word.end_s == before.end_s
            continue
        first, last = groups[at][0], groups[at + count - 1][-1]
        assert abs(word.start_s - first.start_s) <= FRAME_S, (word, first)
        assert abs(word.end_s - last.end_s) <= FRAME_S, (word, last)
        at += count


@pytest.mark.parametrize("n", range(len(SENTENCES)))
def test_words_are_in_order_do_not_overlap_and_cover_the_sentence(spoken, n):
    speech, sentence, _ = spoken[n]
    words = speech.phones.words
    spoken_text = without_pictures(sentence)
    assert [w.text for w in words] == [spoken_text[a:b] for a, b in written_words(spoken_text)]
    assert all(w.start_s < w.end_s for w in words)
    assert all(a.end_s <= b.start_s for a, b in zip(words, words[1:]))
    phones = speech.phones.phones
    assert words[0].start_s == phones[0].start_s and words[-1].end_s == phones[-1].end_s
    # every phone is in a word: none of the speech goes uncaptioned
    assert all(any(w.start_s <= p.start_s < w.end_s for w in words) for p in phones)


def test_the_words_change_neither_the_audio_nor_the_phones(joe, monkeypatch):
    """Words are an extra: a failed mapping leaves the speech without them, as before, and never fails it."""
    import media.tts.piper_words as module

    with_words = engine_for(joe).speak("Bob came back.")
    monkeypatch.setattr(module, "_timed_words", lambda *args: 1 / 0)
    without = engine_for(joe).speak("Bob came back.")
    assert without.phones.words == () and with_words.phones.words
    assert [p.symbol for p in without.phones.phones] == [p.symbol for p in with_words.phones.phones]
    assert len(without.samples) > 0 and without.phones.source == with_words.phones.source


def test_a_reading_that_does_not_match_pipers_gives_no_words(joe):
    phones = engine_for(joe).speak("Bob came back.").phones.phones
    assert piper_words("Completely different words here.", phones, "en-us", 160) == ()
    assert piper_words("Bob came back.", phones, "en-us", 160)


def test_piper_sentences_keep_their_words_through_the_cache(joe, tmp_path):
    storage = LocalStorage(tmp_path / "storage", signing_key=b"test")
    fresh = synthesize_sentences(["Bob came back."], joe, storage)
    cached = synthesize_sentences(["Bob came back."], joe, storage)
    assert [w.text for w in cached.phones.words] == ["Bob", "came", "back."] and cached.phones == fresh.phones


def test_piper_sentences_cached_before_they_had_words_are_not_served(joe, monkeypatch):
    now = cache_key("Bob came back.", joe)
    monkeypatch.setattr(synthesize_module, "engine_settings", lambda ref: PIPER_SETTINGS)  # the key before words
    assert cache_key("Bob came back.", joe) != now


def test_a_symbol_grouped_otherwise_still_matches_letter_by_letter():
    # espeak-ng's events give "ɑːɹ" as one phoneme where Piper's code points group as "ɑː" "ɹ"
    reference = [("j", 0), ("uː", 0), ("ɑːɹ", 1), ("n", 2), ("ɑː", 2), ("t", 2)]
    labels, share = match_labels(["j", "uː", "ɑː", "ɹ", "n", "ɑː", "t"], reference, [True, False, True] + [False] * 4)
    assert labels == [0, 0, 1, 1, 2, 2, 2] and share > 0.9
