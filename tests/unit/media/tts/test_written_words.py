"""A text's words as written: where each starts and ends, punctuation kept with its word."""

import pytest

from media.tts.written_words import spoken_ends, word_at, written_words


def _words(text):
    return [text[a:b] for a, b in written_words(text)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Good evening.  Here is\nthe news.", ["Good", "evening.", "Here", "is", "the", "news."]),
        ("monde ! C'est « bien ».", ["monde !", "C'est", "« bien »."]),
        ("— Hola, dijo.", ["— Hola,", "dijo."]),
        ("天（星期一）好", ["天", "（星", "期", "一）", "好"]),
        ("北京 25°C，晴", ["北", "京", "25°C，", "晴"]),
        ("「你好」，他说。", ["「你", "好」，", "他", "说。"]),
        ("... !", []),
        ("", []),
    ],
)
def test_words_keep_their_punctuation(text, words):
    assert _words(text) == words


def test_a_position_between_words_belongs_to_the_word_after_it():
    text = "It's 5 o'clock, Dr. Smith."
    ends = spoken_ends(text, written_words(text))
    assert word_at(ends, 0) == 0 and word_at(ends, 3) == 0
    assert word_at(ends, 4) == 1  # the space before "5"
    assert word_at(ends, 5) == 1
    assert word_at(ends, 100) == len(ends) - 1


def test_a_dash_standing_alone_is_written_with_the_word_before_and_spoken_before_the_word_after():
    text = "Hello -- world"
    spans = written_words(text)
    assert [text[a:b] for a, b in spans] == ["Hello --", "world"]
    assert word_at(spoken_ends(text, spans), text.index("-")) == 1  # espeak-ng places "world" at the dash
