"""The VTT and SRT files' cues as a foreign desk reads them: Chinese and Japanese wrapped at about 16 full-width
characters between words, no cue longer than about 7 s, no cue of one short word flashing by."""

from __future__ import annotations

import pytest
from icu4py.breakers import WordBreaker

from media.encode.captions import write_captions

ZH = "国家统计局12月7日发布数据显示，11月份全国居民消费价格同比上涨0.3%，环比下降0.6%，核心价格保持稳定。"
JA = "政府は2025年度の補正予算案を閣議決定し、国会に提出する方針です。"


def _cjk(char: str) -> bool:
    return "\u3000" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def _cells(line: str) -> float:
    """A line's width in full-width cells: a Chinese or Japanese character one, any other half."""
    return sum(1 if _cjk(c) else 0.5 for c in line)


@pytest.mark.parametrize(("text", "locale"), [(ZH, "zh"), (JA, "ja")])
def test_chinese_and_japanese_cues_wrap_at_sixteen_cells_between_words_and_last_at_most_seven_seconds(
    tmp_path, text, locale
):
    """out/zh.vtt's second cue was one 39-character line up 11.96 s (ja 27 characters): the files cut such text
    only past 42 characters, and never a cue for its length."""
    screen = write_captions([(1.0, 12.96, text)], tmp_path / "c.vtt", tmp_path / "c.srt")
    assert "".join("".join(lines) for _, _, lines in screen) == text
    ends = {end for _, end in WordBreaker(text, locale).segments()}
    at = 0
    for start, end, lines in screen:
        assert len(lines) <= 2, lines
        assert end - start <= 7.0 + 1e-6, (start, end, lines)
        for line in lines:
            assert sum(map(_cjk, line)) <= 16 and _cells(line) <= 17, line
            assert line[0] not in "，。、％%", line  # punctuation stays with the word it follows
            assert not line[-1].isdigit(), line  # a number with its counter: 11月份, 2025年度
            at += len(line)
            assert at in ends, (line, "ends inside a word")
    assert screen[0][0] == 1.0 and screen[-1][1] == 12.96
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(screen, screen[1:]))
    assert (tmp_path / "c.vtt").read_text().count(" --> ") == len(screen)


def test_a_long_latin_cue_is_split_into_cues_of_at_most_seven_seconds():
    sentence = "The council approved the new bridge tonight after three years of debate."  # two lines' worth
    screen = write_captions([(0.0, 15.0, sentence)])
    assert len(screen) >= 3
    assert all(end - start <= 7.0 + 1e-6 for start, end, _ in screen)
    assert " ".join(" ".join(lines) for _, _, lines in screen) == sentence


def test_a_sentence_a_little_over_two_lines_is_cut_in_two_even_cues_not_one_and_a_word():
    """French: "… par 289 voix contre 250." was two full lines and a 0.33 s cue of "250."."""
    sentence = "Le projet de loi de finances a été adopté en première lecture par 289 voix contre 250."
    screen = write_captions([(0.0, 6.0, sentence)])
    assert len(screen) == 2
    assert all(len(" ".join(lines).split()) > 1 and end - start >= 0.7 for start, end, lines in screen), screen


def test_a_short_lone_word_cue_joins_its_neighbour_where_they_fit_on_screen():
    screen = write_captions([(0.0, 2.0, "The vote ended 289 voix contre"), (2.0, 2.33, "250."), (3.0, 5.0, "Next.")])
    assert [" ".join(lines) for _, _, lines in screen] == ["The vote ended 289 voix contre 250.", "Next."]
    assert screen[0][:2] == (0.0, 2.33)
    # one the time does not allow (a pause before and after it) stays
    screen = write_captions([(0.0, 2.0, "The vote ended."), (3.0, 3.3, "Yes."), (4.0, 5.0, "Next.")])
    assert len(screen) == 3


def test_a_lone_subtitle_word_joins_the_cue_it_meets_only_where_both_fit_and_time_allows():
    """The subtitles' rule, on cues the cut has made: a word alone for a moment ("250.", a third of a second) joins
    the cue before it; not where the two would not fit one cue, nor across a pause."""
    from media.encode.captions import Subtitle, _without_lone_words

    def cues() -> list[Subtitle]:
        words = [("The", 0.0, 0.3), ("vote", 0.3, 0.7), ("ended", 0.7, 1.2), ("289", 1.2, 1.7), ("to", 1.7, 2.0)]
        return [
            Subtitle(0.0, 2.0, words),
            Subtitle(2.0, 2.33, [("250.", 2.0, 2.33)]),
            Subtitle(3.0, 5.0, [("Next.", 3.0, 5.0)]),
        ]

    joined = _without_lone_words(cues(), lambda texts: True)
    assert [(c.start, c.end, c.text) for c in joined] == [
        (0.0, 2.33, "The vote ended 289 to 250."),
        (3.0, 5.0, "Next."),
    ]
    assert len(_without_lone_words(cues(), lambda texts: len(texts) <= 5)) == 3  # together they would not fit
    late = cues()
    late[1] = Subtitle(2.6, 2.9, [("250.", 2.6, 2.9)])  # a pause before it and after it
    assert len(_without_lone_words(late, lambda texts: True)) == 3
