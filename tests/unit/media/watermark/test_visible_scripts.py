"""The visible mark's text in any script the farm writes titles in. A foreign desk's disclosure ("由AI生成",
"تم إنشاؤه بالذكاء الاصطناعي", "AI द्वारा निर्मित", "ИИ-создано", even "Généré par IA") was drawn in Pillow's bundled
font, which has none of those letters: each was an empty box, so the AI disclosure could not be read. Such a text is
now drawn with the farm's own fonts and layout, shaped; a text the bundled font draws whole looks as before."""

from __future__ import annotations

import numpy as np
import pytest

from media.watermark import VisibleWatermark
from media.watermark.visible import _text_image

#: (text, the same with every letter the bundled font lacks replaced by a private-use character: boxes)
DISCLOSURES = [
    ("由AI生成", "\ue000AI\ue001\ue002"),
    ("تم إنشاؤه", "\ue000\ue001 \ue002\ue003\ue004\ue005\ue006"),
    ("AI द्वारा", "AI \ue000\ue001\ue002\ue003\ue004\ue005"),
    ("ИИ-создано", "\ue000\ue001-\ue002\ue003\ue004\ue005\ue006\ue007\ue008"),
    ("Généré par IA", "G\ue000n\ue001r\ue002 par IA"),
]


def drawn(text: str) -> np.ndarray:
    return np.asarray(_text_image(text, 40))


@pytest.mark.parametrize(("text", "boxes"), DISCLOSURES)
def test_a_disclosure_in_another_script_is_drawn_in_its_letters_not_boxes(text, boxes):
    letters, tofu = drawn(text), drawn(boxes)
    assert letters.shape != tofu.shape or not np.array_equal(letters, tofu)
    alpha = letters[..., 3]
    assert alpha.max() == 255 and 20 <= alpha.shape[0] <= 60  # letters, at the mark's height
    opaque = letters[..., :3][alpha == 255].min(axis=1)
    assert opaque.max() > 240 and opaque.min() < 80  # white letters in a dark outline, as the Latin mark


def test_arabic_is_joined_and_right_to_left():
    """The Arabic letters take their joined forms (the word is narrower than its letters drawn apart)."""
    joined = drawn("بالذكاء").shape[1]
    apart = drawn(" ".join("بالذكاء")).shape[1]
    assert joined < apart * 0.6


def test_a_latin_mark_is_drawn_as_before_in_the_bundled_font():
    from PIL import ImageFont

    image = _text_image("AI-generated", 40)
    font = ImageFont.load_default(size=32)
    left, top, right, bottom = font.getbbox("AI-generated", stroke_width=2)
    assert image.size == (right - left, bottom - top)


def test_the_overlay_of_a_chinese_mark_lands_in_its_corner_on_the_frame():
    mark = VisibleWatermark(text="由AI生成", logo_png=None, position="bottom-right", size=0.08, opacity=1.0)
    frame = mark.overlay_for(640, 360).apply(np.full((360, 640, 3), 90, np.uint8))
    changed = np.argwhere((frame != 90).any(axis=2))
    assert changed[:, 0].min() > 280 and changed[:, 1].min() > 400  # bottom right, and nowhere else
