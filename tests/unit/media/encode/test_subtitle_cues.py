"""Subtitle cues as subtitle practice (BBC, Netflix) cuts them: at logical points, on the video's frame grid, with
consecutive cues either chained or at least two frames apart."""

from __future__ import annotations

import pytest

from media.encode.captions import subtitle_cues, write_captions

#: the reviewer's cues: "…new rules for | accessible public services.", "…more than twelve | thousand residents…",
#: "where / ministers", "follow the / instructions"
NEWS = [
    (
        0.0,
        6.0,
        "The government has announced new rules for accessible public services, where ministers say more"
        " than twelve thousand residents are affected.",
    ),
    (
        6.3,
        11.0,
        "Everyone is asked to follow the instructions of local authorities and to avoid travelling unless"
        " absolutely necessary.",
    ),
]
#: a break after these leaves an article or a preposition without its noun, or a number without the rest of it
NEVER_BEFORE_A_BREAK = {"a", "an", "the", "of", "for", "to", "twelve"}


def _timed(sentences: list[str], start: float = 0.3) -> tuple[list[tuple[str, float, float]], list[float]]:
    words, starts, t = [], [], start
    for sentence in sentences:
        starts.append(t)
        t += 0.12
        for word in sentence.split():
            length = 0.06 * len(word) + 0.08
            words.append((word, round(t, 4), round(t + length, 4)))
            t += length + 0.03
        t += 0.35
    return words, starts


def test_cues_and_lines_break_at_logical_points_not_after_an_article_a_preposition_or_inside_a_number():
    screen = write_captions(NEWS)
    for _, _, lines in screen:
        for line in lines:
            assert line.split()[-1].lower() not in NEVER_BEFORE_A_BREAK, [" / ".join(c[2]) for c in screen]
    assert " ".join(" ".join(lines) for _, _, lines in screen) == " ".join(text for _, _, text in NEWS)


@pytest.mark.parametrize("fps", [25, 30])
def test_cues_sit_on_the_frame_grid_and_either_chain_or_leave_two_frames(fps):
    sentences = [text for _, _, text in NEWS] + ["More at ten.", "Goodnight."]
    words, starts = _timed(sentences)
    cues = subtitle_cues(words, starts, fps)
    assert " ".join(c.text for c in cues) == " ".join(sentences)
    for cue in cues:
        for t in (cue.start, cue.end):
            assert t * fps == pytest.approx(round(t * fps), abs=1e-6), (t, cue.text)
        assert cue.end > cue.start
    for cue, following in zip(cues, cues[1:]):
        gap = round((following.start - cue.end) * fps)
        assert gap == 0 or gap >= 2, (cue.text, following.text, gap)


def test_a_cue_starts_with_its_first_word_and_turns_where_the_next_cue_s_first_word_starts():
    words, starts = _timed([NEWS[0][2]])
    cues = subtitle_cues(words, starts, 25)
    assert len(cues) == 2
    assert cues[0].start == pytest.approx(round(words[0][1] * 25) / 25)
    second = words.index(cues[1].words[0])
    assert cues[1].start == pytest.approx(round(words[second][1] * 25) / 25)


def test_the_files_keep_the_cues_they_are_given_when_those_are_subtitle_cues(tmp_path):
    words, starts = _timed([text for _, _, text in NEWS])
    cues = subtitle_cues(words, starts, 25)
    screen = write_captions([(c.start, c.end, c.text) for c in cues], tmp_path / "c.vtt")
    assert [(s, e, " ".join(lines)) for s, e, lines in screen] == [(c.start, c.end, c.text) for c in cues]
    assert [lines for _, _, lines in screen] == [c.lines for c in cues]


def test_a_short_sentence_after_a_pause_keeps_its_own_cue_and_a_chained_cue_stays_up_at_most_seven_seconds():
    """A cue chained to the next (a gap under 0.45 s closed) is not kept up past 7 s for it: the files would cut
    such a cue in two, by length, where the burned-in page turns once."""
    words = [(f"w{n}", 0.5 * n, 0.5 * n + 0.45) for n in range(14)]  # one run of 6.95 s
    words += [("Yes.", 7.3, 7.6), ("Next", 7.9, 8.2), ("one.", 8.25, 8.6)]
    cues = subtitle_cues(words, [0.0, 7.3, 7.9], 25)
    assert [c.text for c in cues][-2:] == ["Yes.", "Next one."]
    assert all(c.end - c.start <= 7.0 + 1e-9 for c in cues)
    for cue, following in zip(cues, cues[1:]):
        gap = round((following.start - cue.end) * 25)
        assert gap == 0 or gap >= 2


def test_a_long_run_of_words_is_cut_at_a_cost_that_grows_with_its_length_not_its_square():
    """A 20,000-character script with no full stop is one run of about 3,300 words: cut with every (end, runs)
    state, 2,000 words took 16.7 CPU-s of the worker. States that cannot end in the fewest runs are not built, so
    the break costs asked grow with the words (2,005 words, cues of at most 10: 181,100 asked before, 1,200 now),
    and the cut is the one the full search finds. 2,000 words now take 0.5 CPU-s, 20,000 Chinese characters 5."""
    from media.encode.captions import best_cut

    asked, fitted = [], []

    def cost(k: int) -> float:
        asked.append(k)
        return float(k % 7 == 0)

    def fits(i: int, j: int) -> bool:
        fitted.append((i, j))
        return j - i <= 10

    for count in (205, 2005):
        asked.clear()
        fitted.clear()
        cut = best_cut(count, fits, lambda i, j: float(j - i), cost)
        assert len(cut) == -(-count // 10) and [j for _, j in cut][-1] == count
        assert all(j - i <= 10 for i, j in cut) and all(a == b for (_, a), (b, _) in zip(cut, cut[1:]))
        assert len(asked) <= 1 * count
        # and whether a run fits is asked about twice a word, not once per end a run might have (a review found
        # a 20,000-character Chinese script asked it 550,000 times, each a wrap of the run: 76 CPU-s)
        assert len(fitted) <= 2 * count


def test_a_long_chinese_run_asks_whether_a_cue_fits_about_twice_a_word(monkeypatch):
    import media.encode.captions as captions

    asked = []
    real = captions.on_screen

    def counted(texts: list[str]) -> bool:
        asked.append(len(texts))
        return real(texts)

    monkeypatch.setattr(captions, "on_screen", counted)
    text = "国家统计局今年前三季度国内经济运行总体稳定居民消费价格同比上涨" * 20
    words = [(char, 0.2 * i, 0.2 * i + 0.18) for i, char in enumerate(text)]
    cues = subtitle_cues(words, [0.0], 25, fits=counted)
    assert "".join(w[0] for cue in cues for w in cue.words) == text
    assert len(asked) <= 2 * len(words)


@pytest.mark.parametrize("fps", [None, 25])
def test_no_cue_is_empty_when_two_start_in_one_frame_or_words_come_out_of_order(fps):
    """A review made "Yes." a cue from 1.000 to 1.000 (the next sentence began within the same frame), and words
    given out of order a cue that ended before it began. Cues now keep order, each shown at least a frame."""
    frame = 1 / fps if fps else 0.001
    for words, starts in (
        ([("Yes.", 1.00, 1.01), ("No", 1.015, 1.6), ("way.", 1.6, 2.0)], [0.0, 1.015]),
        ([("two", 0.5, 0.9), ("one", 0.0, 0.4)], [0.0]),
    ):
        cues = subtitle_cues(words, starts, fps)
        assert all(cue.end >= cue.start + frame - 1e-9 for cue in cues), [(c.start, c.end, c.text) for c in cues]
        assert all(a.end <= b.start + 1e-9 for a, b in zip(cues, cues[1:]))
        assert [w[0] for cue in cues for w in cue.words] == [w[0] for w in sorted(words, key=lambda w: w[1])]
