"""Where a text's lines break, measured on the drawn picture: a word coloured apart shows which line it landed on.
Chinese and Japanese lines neither begin with a comma or a closing bracket nor end with an opening one (kinsoku),
and do not break inside a word; a text that needs two lines takes two of similar widths."""

from __future__ import annotations

import numpy as np
import pytest

from media.compose import render_text, render_words, text_layer
from media.compose.text import TextStyle, spaced_as_written, tokens

STYLE = TextStyle(size=40, colour=(255, 255, 255), box=(20, 20, 20, 255), align="left", max_lines=3)
WHITE, RED, BLUE = (255, 255, 255), (255, 40, 40), (40, 40, 255)


def _coloured(picture: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    return np.all(np.abs(picture[..., :3].astype(int) - colour) < 60, axis=-1) & (picture[..., 3] > 200)


def line_bands(picture: np.ndarray) -> list[slice]:
    """Each line's rows: the bands of rows with ink (of any colour but the box's) between empty ones."""
    ink = picture[..., :3].max(axis=-1) > 128
    rows = ink.any(axis=1)
    bands, start = [], None
    for y, inked in enumerate([*rows, False]):
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            if y - start > 8:
                bands.append(slice(start, y))
            start = None
    return bands


def ends_of_lines(picture: np.ndarray) -> list[tuple[tuple[int, int, int], tuple[int, int, int]]]:
    """For each line, the colour of its first and its last glyph (its leftmost and rightmost ink)."""
    found = []
    for band in line_bands(picture):
        line = picture[band]
        ink = line[..., :3].max(axis=-1) > 128
        columns = np.where(ink.any(axis=0))[0]

        def colour_at(start: int, line: np.ndarray = line) -> tuple[int, int, int]:
            """The colour most of the ink in the 8 columns from ``start`` is drawn in (their edges are blended)."""
            return max((RED, BLUE, WHITE), key=lambda c: int(_coloured(line[:, start : start + 8], c).sum()))

        found.append((colour_at(int(columns[0])), colour_at(int(columns[-1]) - 7)))
    return found


def drawn_in_colours(text: str, colour_of: dict[str, tuple[int, int, int]], width: int) -> np.ndarray:
    words = tokens(text)
    return render_words(words, [colour_of.get(w, WHITE) for w in words], STYLE, width, spaced_as_written(text))


@pytest.mark.parametrize(
    "text",
    ["佐藤健一（政治部記者）、首相官邸から中継でお伝えします", "国家统计局：今年前三季度国内经济运行总体稳定。"],
)
def test_no_line_begins_with_a_comma_or_closing_bracket_nor_ends_with_an_opening_one_at_any_width(text):
    closing = {c: RED for c in "、。）：，"}
    opening = {"（": BLUE}
    for width in range(240, 900, 12):
        ends = ends_of_lines(drawn_in_colours(text, {**closing, **opening}, width))
        assert all(first != RED for first, _ in ends[1:]), f"a line begins with a stop or a bracket at {width}"
        assert all(last != BLUE for _, last in ends), f"a line ends with an opening bracket at {width}"


@pytest.mark.parametrize(("width", "height", "size"), [(1280, 720, 70), (1920, 1080, 106), (1080, 1920, None)])
def test_a_japanese_lower_third_does_not_begin_its_second_line_with_a_comma(width, height, size):
    # at these sizes the line filled greedily broke after "）", leaving "、首相官邸から"
    text = "佐藤健一（政治部記者）、首相官邸から"
    layer = text_layer({"type": "text", "text": text, "role": "lower_third", "size": size}, width, height)
    for band in line_bands(layer.pixels):
        ink = layer.pixels[band][..., :3].max(axis=-1) > 128
        columns = np.where(ink.any(axis=0))[0]
        first_glyph = columns[: np.where(np.diff(columns) > 2)[0][0] + 1]
        rows = np.where(ink[:, first_glyph].any(axis=1))[0]
        # "、" is a short stroke low in its cell; every other character here stands most of the line's height
        assert rows[-1] - rows[0] > 0.5 * (band.stop - band.start), f"a line begins with 、 on {width}x{height}"


def test_a_chinese_word_stays_on_one_line():
    text = "国家统计局：今年前三季度国内经济运行总体稳定。"
    for width in range(240, 900, 12):
        picture = drawn_in_colours(text, {"总": RED, "体": BLUE}, width)
        lines = [band for band in line_bands(picture) if _coloured(picture[band], RED).any()]
        assert len(lines) == 1 and _coloured(picture[lines[0]], BLUE).any(), f"总体 split at {width}"


@pytest.mark.parametrize(
    ("text", "width"),
    [
        # filled greedily: "vivienda" (then "a la vivienda") alone on the second line, "防范", "観測"
        ("El Gobierno aprueba el nuevo plan nacional de acceso a la vivienda", 1400),
        ("El Gobierno aprueba el nuevo plan nacional de acceso a la vivienda", 1200),
        ("气象台发布暴雨预警，预计今晚起本市将出现强降雨天气过程，请市民注意防范", 1400),
        ("気象庁によると今夜から関東地方で大雨となる見込みで、土砂災害に警戒が必要です。観測", 1400),
    ],
)
def test_a_text_that_needs_two_lines_takes_two_of_similar_widths(text, width):
    style = TextStyle(size=48, colour=WHITE, box=(20, 20, 20, 255), align="center", max_lines=2)
    picture = render_text(text, style, width)
    widths = []
    for band in line_bands(picture):
        columns = np.where((picture[band][..., :3].max(axis=-1) > 128).any(axis=0))[0]
        widths.append(int(columns[-1] - columns[0]))
    assert len(widths) == 2
    assert min(widths) > 0.8 * max(widths), f"lines {widths} wide"


@pytest.mark.parametrize("text", ["Ravi Kumar · Camera", "Jane Doe | City reporter", "Storm warning — coast"])
def test_a_lone_separator_stays_at_the_end_of_its_line_at_any_width(text):
    """The contact sheet's 1:1 lower third read "Ravi Kumar / · Camera" once lines were balanced: a word of no letter
    or digit (a middle dot, a bar, a dash) now never begins a line."""
    separator = next(w for w in tokens(text) if not any(c.isalnum() for c in w))
    for width in range(300, 700, 10):  # from where the longest word with its separator fits a line
        ends = ends_of_lines(drawn_in_colours(text, {separator: RED}, width))
        assert all(first != RED for first, _ in ends[1:]), f"a line begins with {separator!r} at {width}"
