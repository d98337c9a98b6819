"""A word wider than its line (a pasted URL, "W" * 500): broken across lines at the floor size, as a browser's
``overflow-wrap`` breaks it, and counted in lines by the check a request takes, never shrunk below the floor."""

from __future__ import annotations

import numpy as np

from media.compose import safe_area, text_layer, text_overflows
from media.compose.placement import ROLE_SIZE, text_base
from media.compose.text import SHRINK_FLOOR, block_height

URL = "https://www.example.com/news/2026/12/08/council-approves-downtown-park-after-marathon-debate?utm_source=feed&id=12345"


def _floor(role: str, width: int, height: int) -> int:
    return int(round(ROLE_SIZE[role] * text_base(width, height)) * SHRINK_FLOOR)


def test_a_pasted_url_in_a_lower_third_on_9_16_wraps_at_no_less_than_its_floor():
    """The 117-character URL was shrunk until it fitted one line: a bar 30 px high, its letters ~12 px, on
    1080 x 1920 (the floor is 39 px). It is now broken across lines at the floor, inside the safe area."""
    layer = text_layer({"type": "text", "role": "lower_third", "text": URL}, 1080, 1920)
    h, w = layer.pixels.shape[:2]
    assert h >= block_height("noto-sans", _floor("lower_third", 1080, 1920), 3), h  # three lines at the floor
    area = safe_area(1080, 1920)
    assert area.left <= layer.x and layer.x + w <= area.right
    rows = np.flatnonzero((layer.pixels[..., 3] == 255).any(axis=1))
    assert rows.size and layer.y + rows[-1] < area.bottom


def test_a_word_wider_than_its_line_takes_lines_at_the_floor_and_is_refused_past_the_roles():
    """The check a request takes counted an unbroken word as one line, whatever its length: "W" * 500 in a lower
    third on 1280 x 720 was taken (and drawn as a bar ~3 px high). It now needs its lines at the floor."""
    lower = {"type": "text", "role": "lower_third"}
    assert text_overflows({**lower, "text": "W" * 500}, 1280, 720, max_lines=4)
    # the URL takes three lines at the floor on 9:16: more than a lower third's own two, within a request's four
    assert text_overflows({**lower, "text": URL}, 1080, 1920)
    assert not text_overflows({**lower, "text": URL}, 1080, 1920, max_lines=4)


def test_a_long_word_that_fits_when_shrunk_is_shrunk_whole_not_broken():
    """Above the floor a word wider than its line is drawn smaller until it fits, as before; only at the floor is it
    broken: a long compound in a title on 9:16 stays one word, on one line."""
    word = "Rindfleischetikettierung"
    one_line = text_layer({"type": "text", "role": "title", "text": "Wort"}, 1080, 1920).pixels.shape[0]
    layer = text_layer({"type": "text", "role": "title", "text": word}, 1080, 1920)
    assert layer.pixels.shape[0] <= one_line
