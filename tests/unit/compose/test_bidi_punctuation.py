"""Punctuation beside a word of the other direction, and the direction of a paragraph that begins with one, drawn
where Pillow's own layout (libraqm: FriBiDi's whole-paragraph bidirectional algorithm, then HarfBuzz) draws them.
The farm draws a word at a time; these measure where its ink lands against raqm's drawing of the whole string."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from media.compose import caption_track, load_font, render_text, render_words
from media.compose.fonts import font_for
from media.compose.text import TextStyle

STYLE = TextStyle(size=40, colour=(255, 255, 255), box=(20, 20, 20, 255), align="left", max_lines=1)


def inked_columns(picture: np.ndarray) -> np.ndarray:
    """Which columns hold white ink, from the first that does to the last."""
    columns = np.where((picture[..., 0] > 128).any(axis=0))[0]
    return (picture[:, columns[0] : columns[-1] + 1, 0] > 128).any(axis=0)


def raqm_reference(text: str) -> np.ndarray:
    """``text`` drawn whole by Pillow with raqm, in a right-to-left paragraph, in the font the farm picks for it."""
    picture = Image.new("RGBA", (3000, 120), (20, 20, 20, 255))
    font = load_font(font_for(text, None), STYLE.size)
    ImageDraw.Draw(picture).text((20, 80), text, font=font, anchor="ls", fill=(255, 255, 255, 255), direction="rtl")
    return np.asarray(picture)


def assert_drawn_as(drawn: np.ndarray, reference: np.ndarray, slack: int = 2) -> None:
    """The same columns inked, each within ``slack`` pixels: a colon or a full stop on the wrong side of its word
    moves by its neighbour's width."""
    ours, theirs = inked_columns(drawn), inked_columns(reference)
    assert abs(len(ours) - len(theirs)) <= slack
    width = max(len(ours), len(theirs))
    ours, theirs = np.pad(ours, (0, width - len(ours))), np.pad(theirs, (0, width - len(theirs)))

    def near(columns: np.ndarray) -> np.ndarray:
        return np.convolve(columns, np.ones(2 * slack + 1), mode="same") > 0

    stray = np.where((ours & ~near(theirs)) | (theirs & ~near(ours)))[0]
    assert not len(stray), f"ink differs from raqm's at columns {stray[:5]}...{stray[-5:]}"


@pytest.mark.parametrize(
    "text",
    [
        "قالت BBC: نسبة المشاركة مرتفعة",  # the colon after BBC goes left of it, towards the Arabic that follows
        "سارة خليل (Sarah Khalil)، مراسلة BBC News",  # the Arabic comma after the bracket, left of "(Sarah Khalil)"
        "الانتخابات عام ٢٠٢٥.",  # the full stop at the far left, past the year
        "عاجل: «BBC» تنشر 50% من النتائج",  # quotes mirrored round an English word; "50%" whole
        # N0: brackets round English after English stay left to right with it; after Arabic they read right to left
        "عاجل BBC (News)، تقرير",
        "تقرير عن Apple (iPhone 16) اليوم",
        "الرئيس (Biden) قال",
    ],
)
def test_punctuation_beside_an_english_word_or_a_number_in_arabic_is_drawn_where_raqm_draws_it(text):
    assert_drawn_as(render_text(text, STYLE, 3000), raqm_reference(text))


def test_caption_words_given_one_by_one_put_a_years_full_stop_where_raqm_does():
    # a caption page: words one at a time, in the direction of the sentence they come from
    words = ["الانتخابات", "عام", "٢٠٢٥."]
    drawn = render_words(words, [(255, 255, 255)] * 3, STYLE, 3000, rtl=True)
    assert_drawn_as(drawn, raqm_reference(" ".join(words)))


def test_an_arabic_headline_that_begins_with_an_english_brand_reads_right_to_left():
    text = "BBC News Arabic: نسبة المشاركة في الانتخابات مرتفعة"
    assert_drawn_as(render_text(text, STYLE, 3000), raqm_reference(text))


def test_a_burned_in_caption_page_ends_an_arabic_sentence_with_its_full_stop_at_the_far_left():
    spoken = [("أعلنت", 0.0, 0.4), ("النتائج", 0.4, 0.8), ("عام", 0.8, 1.2), ("٢٠٢٥.", 1.2, 1.6)]
    track = caption_track(spoken, {"burn_in": True, "style": "subtitle"}, 1280, 720)
    page = track.layer_at(1.3)[0]
    ink = (page[..., 0] > 128) & (page[..., 3] > 200)
    columns = np.where(ink.any(axis=0))[0]
    # the leftmost glyph (columns up to the first gap) is the full stop: ink only near the baseline, a dot
    gaps = np.where(np.diff(columns) > 2)[0]
    first = columns[: gaps[0] + 1]
    rows = np.where(ink[:, first].any(axis=1))[0]
    line = np.where(ink.any(axis=1))[0]
    assert rows[-1] - rows[0] < 0.25 * (line[-1] - line[0])


def test_a_text_in_a_right_to_left_language_reads_right_to_left_from_its_first_arabic_letter():
    text = "BBC News Arabic: مباشر"  # more English letters than Arabic: left to right, unless its language says
    arabic = TextStyle(size=40, colour=(255, 255, 255), box=(20, 20, 20, 255), align="left", language="ar")
    assert_drawn_as(render_text(text, arabic, 3000), raqm_reference(text))
