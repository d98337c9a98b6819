"""media.compose.text_overflows: a text that needs more lines than its role allows even shrunk to the
floor, measured with the fonts and wrapping the compositor itself uses (a template's render refuses it)."""

from __future__ import annotations

from media.compose import text_layer, text_overflows


def _overflowing_from(role: str, word: str = "Flooding") -> int:
    """How many words first overflow a ``role`` overlay on a 1080p canvas; every count after it overflows too."""
    verdicts = [
        text_overflows({"type": "text", "text": " ".join([word] * n), "role": role}, 1920, 1080) for n in range(1, 80)
    ]
    first = verdicts.index(True)
    assert all(verdicts[first:]) and not any(verdicts[:first])
    return first + 1


def test_a_label_holds_one_line_and_a_lower_third_two_of_the_same_width():
    label, lower_third = _overflowing_from("label"), _overflowing_from("lower_third")
    # two lines of the same width at a size 52/37 larger: about 2 * 37/52 = 1.4 times the words
    assert 1.2 < lower_third / label < 1.7


def test_an_overflowing_text_is_one_the_compositor_draws_at_the_floor_on_more_lines():
    count = _overflowing_from("lower_third")
    fits = text_layer({"type": "text", "text": " ".join(["Flooding"] * (count - 1)), "role": "lower_third"}, 1920, 1080)
    over = text_layer({"type": "text", "text": " ".join(["Flooding"] * count), "role": "lower_third"}, 1920, 1080)
    assert over.pixels.shape[0] > fits.pixels.shape[0]  # a third line, not a cut


def test_a_vertical_canvas_and_an_explicit_size_change_the_fit():
    text = " ".join(["Flooding"] * 12)
    assert not text_overflows({"type": "text", "text": text, "role": "lower_third"}, 1920, 1080)
    assert text_overflows({"type": "text", "text": text, "role": "lower_third", "size": 200}, 1920, 1080)
