"""An Arabic scene's lower third that begins with an English brand ("BBC News Arabic: مباشر") reads right to left
and stands on the right of the safe area, as the scene's language says: a foreign desk found it laid out left to
right on the left, its Arabic starting mid-line, because more of its letters are Latin. The scene's language
reaches its texts (``scene_layers(language=)``); an English scene's same text stays on the left."""

from __future__ import annotations

from media.compose import scene_layers
from media.compose.placement import safe_area

LOWER_THIRD = {"type": "text", "text": "BBC News Arabic: مباشر", "role": "lower_third", "start": 0.0, "end": None}


def placed(language: str | None, overlay: dict = LOWER_THIRD):
    (layer,) = scene_layers([overlay], 1920, 1080, lambda _: b"", language=language)
    return layer


def test_an_arabic_scenes_lower_third_stands_on_the_right():
    area = safe_area(1920, 1080)
    arabic, english = placed("ar"), placed("en")
    assert arabic.x + arabic.pixels.shape[1] == area.right
    assert english.x == area.left


def test_a_texts_own_language_wins_over_the_scenes():
    assert placed("ar", {**LOWER_THIRD, "language": "en"}).x == safe_area(1920, 1080).left
