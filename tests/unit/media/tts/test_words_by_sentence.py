"""A segment's timed words sentence by sentence, for word captions: a sentence whose words could not be timed is
told apart from the others, and pictures its voice was not given are shown as written without taking time."""

from media.phonemes import Word
from media.tts import words_by_sentence
from media.tts.written_words import spoken_ends, word_at, written_words


def test_each_sentence_gets_the_words_that_start_in_it():
    words = [Word("Good", 0.1, 0.3), Word("evening.", 0.3, 0.8), Word("Here", 1.2, 1.4), Word("we", 1.4, 1.5)]
    cues = [(0.0, 1.05, "Good evening."), (1.05, 1.9, "Here we"), (1.9, 2.5, "go.")]
    assert words_by_sentence(words, cues) == [words[:2], words[2:], []]  # "go." untimed: its caller shares it out


def test_pictures_the_voice_was_not_given_come_back_as_written_without_time():
    # the voice said "Hello world." and "Hi!": 🎉 and 👋🏽! sit where the word before them ends
    words = [Word("Hello", 0.1, 0.4), Word("world.", 0.5, 0.9), Word("Hi!", 1.2, 1.5)]
    cues = [(0.0, 1.1, "Hello 🎉 world."), (1.1, 1.8, "Hi 👋🏽!")]
    assert words_by_sentence(words, cues) == [
        [Word("Hello", 0.1, 0.4), Word("🎉", 0.4, 0.4), Word("world.", 0.5, 0.9)],
        [Word("Hi", 1.2, 1.5), Word("👋🏽!", 1.5, 1.5)],
    ]


def test_words_that_do_not_pair_with_the_written_ones_are_left_as_timed():
    words = [Word("今日は", 0.1, 0.5), Word("晴れ", 0.5, 0.9)]  # phrases, where the text is cut per character
    assert words_by_sentence(words, [(0.0, 1.0, "今日は晴れ🎉")]) == [words]


def test_a_sign_read_aloud_is_spoken_in_its_word_not_the_next():
    # espeak-ng says "fifty percent" for "50%", with a word event at the "%": it belongs to "50%", not "off"
    text = "It was 50% off."
    ends = spoken_ends(text, written_words(text))
    assert word_at(ends, text.index("%")) == 2
    assert word_at(spoken_ends("Hello -- world", written_words("Hello -- world")), 6) == 1  # a dash still is not
