"""Words of mixed direction in the Unicode Bidirectional Algorithm's order (UAX #9), checked against the order
the algorithm gives character by character."""

import pytest

from media.compose.bidi import levels, line_order, neutral_pieces, right_to_left, visual_order


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("مباشر: BBC News 2025", "BBC News 2025 مباشر:"),  # W7: 2025 after News is left to right
        ("Interview with مرحبا بكم today", "Interview with بكم مرحبا today"),
        ("المجلس يوافق على 3 جسور", "جسور 3 على يوافق المجلس"),
        ("12 34 جسر", "جسر 34 12"),  # N1: numbers count as right to left, so the space between is too
        ("Price: 12 34 euros", "Price: 12 34 euros"),
        ("BBC: مباشر الآن", "الآن مباشر BBC:"),  # mostly Arabic letters: right to left, though it begins in English
        ("BBC: live now مباشر", "BBC: live now مباشر"),
        ("مباشر - BBC - الآن", "الآن - BBC - مباشر"),  # dashes between R and L take the paragraph's direction
        ("درجة 25°C في", "في 25°C درجة"),
        ("hello world", "hello world"),
    ],
)
def test_a_lines_words_are_shown_in_the_algorithms_order(text, shown):
    words = text.split()
    assert " ".join(words[i] for i in visual_order(words, right_to_left(words))) == shown


def test_the_paragraphs_direction_is_its_first_strong_characters():
    assert right_to_left(["2025", "مباشر"]) and not right_to_left(["2025", "BBC", "News", "مباشر"])
    assert not right_to_left(["...", "2025"])
    assert right_to_left(["مباشر", "BBC", "News", "Arabic"])  # P2: its first strong letter, however few


def test_a_paragraph_with_more_right_to_left_letters_reads_right_to_left_though_it_begins_in_english():
    headline = "BBC News Arabic: نسبة المشاركة في الانتخابات مرتفعة".split()
    assert right_to_left(headline)
    assert not right_to_left("BBC News Arabic: نسبة".split())  # fewer Arabic letters than English ones


def test_a_right_to_left_language_makes_a_paragraph_with_its_letters_read_right_to_left():
    words = "BBC News Arabic: مباشر".split()
    assert not right_to_left(words) and right_to_left(words, language="ar") and right_to_left(words, "fa-IR")
    assert not right_to_left(words, language="en")
    assert not right_to_left(["Sarah", "Khalil"], language="ar")  # no Arabic letter: an English name stays English


@pytest.mark.parametrize(
    ("word", "pieces"),
    [
        ("BBC:", ["BBC", ":"]),
        ("(Sarah", ["(", "Sarah"]),
        ("Khalil)،", ["Khalil", ")", "،"]),  # a bracket on its own, to pair with its opening one (N0)
        ("٢٠٢٥.", ["٢٠٢٥", "."]),
        ("50%", ["50%"]),  # W5: a terminator beside a European number is part of it
        ("$3.", ["$3", "."]),
        ("U.S.", ["U.S", "."]),
        ("...", ["..."]),
        ("e\u0301.", ["e\u0301", "."]),  # a mark stays with its letter
    ],
)
def test_a_words_leading_and_trailing_punctuation_is_its_own_piece(word, pieces):
    assert neutral_pieces(word) == pieces


def test_levels_are_resolved_over_the_paragraph_before_it_is_cut_into_lines():
    # an English paragraph wrapped after an Arabic word: the next line's "2025" follows Arabic, so it is
    # right to left there (W7 finds no English before it), and shows after the Arabic word it precedes
    words = ["Report", "from", "علي", "2025", "علي"]
    word_levels, gaps = levels(words, paragraph_rtl=False)
    second_line = [3, 4]
    assert [words[i] for i in line_order(second_line, word_levels, gaps)] == ["علي", "2025"]
