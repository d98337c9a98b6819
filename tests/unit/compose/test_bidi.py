"""Words of mixed direction in the Unicode Bidirectional Algorithm's order (UAX #9), checked against the order
the algorithm gives character by character."""

import pytest

from media.compose.bidi import levels, line_order, right_to_left, visual_order


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("مباشر: BBC News 2025", "BBC News 2025 مباشر:"),  # W7: 2025 after News is left to right
        ("Interview with مرحبا بكم today", "Interview with بكم مرحبا today"),
        ("المجلس يوافق على 3 جسور", "جسور 3 على يوافق المجلس"),
        ("12 34 جسر", "جسر 34 12"),  # N1: numbers count as right to left, so the space between is too
        ("Price: 12 34 euros", "Price: 12 34 euros"),
        ("BBC: مباشر الآن", "BBC: الآن مباشر"),
        ("مباشر - BBC - الآن", "الآن - BBC - مباشر"),  # dashes between R and L take the paragraph's direction
        ("درجة 25°C في", "في 25°C درجة"),
        ("hello world", "hello world"),
    ],
)
def test_a_lines_words_are_shown_in_the_algorithms_order(text, shown):
    words = text.split()
    assert " ".join(words[i] for i in visual_order(words, right_to_left(words))) == shown


def test_the_paragraphs_direction_is_its_first_strong_characters():
    assert right_to_left(["2025", "مباشر"]) and not right_to_left(["2025", "BBC", "مباشر"])
    assert not right_to_left(["...", "2025"])


def test_levels_are_resolved_over_the_paragraph_before_it_is_cut_into_lines():
    # an English paragraph wrapped after an Arabic word: the next line's "2025" follows Arabic, so it is
    # right to left there (W7 finds no English before it), and shows after the Arabic word it precedes
    words = ["Report", "from", "علي", "2025", "علي"]
    word_levels, gaps = levels(words, paragraph_rtl=False)
    second_line = [3, 4]
    assert [words[i] for i in line_order(second_line, word_levels, gaps)] == ["علي", "2025"]
