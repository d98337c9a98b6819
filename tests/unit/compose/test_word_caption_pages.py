"""Where word captions turn the page: never between a number and what it counts, never inside a Chinese word,
never past the documented size (a foreign desk's 9:16 cuts)."""

from __future__ import annotations

import pytest

from media.compose import caption_track
from media.compose.captions import CJK_CHARS_PER_PAGE, page_cells

WORD = {"burn_in": True, "style": "word", "position": "bottom"}

#: as speech times them: Chinese a character at a time (espeak-ng), Japanese a phrase at a time
ZH = [
    ("国", 0.12, 0.32), ("家", 0.37, 0.61), ("统", 0.65, 1.01), ("计", 1.06, 1.3), ("局", 1.35, 1.6),
    ("12", 1.61, 2.1), ("月", 2.1, 2.57), ("7", 2.57, 2.57), ("日", 2.58, 2.81), ("发", 2.82, 3.07),
    ("布", 3.11, 3.3), ("数", 3.32, 3.58), ("据", 3.62, 3.87), ("显", 3.88, 4.24), ("示，", 4.25, 4.54),
    ("居", 4.76, 5.01), ("民", 5.01, 5.31), ("消", 5.32, 5.66), ("费", 5.67, 5.91), ("价", 5.96, 6.2),
    ("格", 6.24, 6.43), ("同", 6.47, 6.83), ("比", 6.87, 7.07), ("上", 7.08, 7.43), ("涨", 7.45, 8.14),
    ("0.3%。", 8.15, 8.94),
]  # fmt: skip
JA = [
    ("政府は", 0.12, 0.62), ("2025年度の", 0.62, 1.77), ("補正", 1.77, 2.17), ("予算", 2.17, 2.5),
    ("案を", 2.5, 2.86), ("閣議", 2.86, 3.32), ("決定し、", 3.32, 4.04), ("国会に", 4.26, 4.88),
    ("提出する", 4.88, 5.73), ("方針です。", 5.73, 6.55),
]  # fmt: skip


def _timed(sentence: str) -> list[tuple[str, float, float]]:
    return [(w, 0.3 * i, 0.3 * i + 0.28) for i, w in enumerate(sentence.split())]


def _pages(words, canvas=(1080, 1920)) -> list[str]:
    track = caption_track(words, WORD, *canvas)
    return [" ".join(w[0] for w in page.words) for page in track.pages]


@pytest.mark.parametrize(
    ("sentence", "together"),
    [
        ("El banco central subirá los tipos el 7 de diciembre de 2025 según fuentes oficiales.", "7 de diciembre"),
        ("भारतीय रिज़र्व बैंक ने 5 दिसंबर 2025 को रेपो दर घटाई।", "5 दिसंबर 2025"),
        ("Le texte a été adopté par 289 voix contre 250.", "contre 250."),
    ],
)
def test_a_word_page_never_ends_between_a_number_and_what_belongs_with_it(sentence, together):
    """Spanish "el 7 de / diciembre de 2025", Hindi "ने 5 दिसंबर / 2025 को रेपो", French "289 voix contre / 250."
    (the last a page of one number, a third of a second): the page turns before the number instead."""
    pages = _pages(_timed(sentence))
    assert any(together in page for page in pages), pages
    assert all(len(page.split()) <= 3 for page in pages), pages


def test_a_chinese_page_keeps_a_date_and_a_two_character_word_whole():
    """ "12月 / 7日" and "…价格同 / 比上涨0.3%。" were split across pages."""
    pages = ["".join(page.split()) for page in _pages(ZH)]
    assert any("12月7日" in page for page in pages), pages
    # speech timed 同 and 比 apart enough that they were two of a page's words: no page ends between them
    spaced = [*ZH[:21], ("同", 6.47, 6.8), ("比", 6.87, 7.07), *ZH[23:]]
    for words in (ZH, spaced):
        pages = ["".join(page.split()) for page in _pages(words)]
        assert not any(page.endswith("同") for page in pages), pages


def test_a_japanese_page_takes_at_most_nine_cells_and_one_line():
    """ "2025年度の" counted as one Latin word let a page hold "2025年度の補正予算案を": twelve cells, two lines on a
    9:16 cut, broken inside 予算案."""
    track = caption_track(JA, WORD, 1080, 1920)
    one_line = None
    for page in track.pages:
        text = "".join(w[0] for w in page.words)
        assert sum(page_cells(w[0]) for w in page.words) <= CJK_CHARS_PER_PAGE, text
        height = track.layer_at(page.start)[0].shape[0]
        one_line = one_line or height
        assert height == one_line, text


@pytest.mark.parametrize("canvas", [(1080, 1920), (720, 1280), (1080, 1080)])
def test_word_pages_keep_one_lines_height_from_page_to_page(canvas):
    """On 9:16 "interanual se moderó" wrapped into two lines in a narrow box between pages of one line, so the box's
    height jumped from page to page: a page that would wrap turns a word early instead."""
    sentence = "La inflación interanual se moderó hasta el 2,4 por ciento en noviembre según el instituto."
    track = caption_track(_timed(sentence), WORD, *canvas)
    heights = {track.layer_at(page.start)[0].shape[0] for page in track.pages}
    assert len(heights) == 1, [(" ".join(w[0] for w in p.words), track.layer_at(p.start)[0].shape) for p in track.pages]
