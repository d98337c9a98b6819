"""Visible watermark: a label in the corner asked for, nothing outside it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from media.errors import MediaError
from media.watermark.visible import VisibleWatermark


def _grey(width=320, height=240):
    return np.full((height, width, 3), 100, dtype=np.uint8)


def _changed_box(before, after):
    rows, cols = np.nonzero(np.any(before != after, axis=2))
    return rows.min(), rows.max(), cols.min(), cols.max()


@pytest.mark.parametrize("position", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_label_lands_in_the_corner_asked_for_and_nowhere_else(position):
    frame = _grey()
    out = (
        VisibleWatermark(text="AI-generated", position=position, size=0.08, opacity=0.8)
        .overlay_for(320, 240)
        .apply(frame)
    )

    top, bottom, left, right = _changed_box(frame, out)
    assert (bottom < 120) == position.startswith("top") and (top >= 120) == position.startswith("bottom")
    assert (right < 160) == position.endswith("left") and (left >= 160) == position.endswith("right")
    assert bottom - top + 1 <= round(0.08 * 240)  # about the requested height


def test_apply_returns_a_new_frame_unless_asked_to_work_in_place():
    frame = _grey()
    overlay = VisibleWatermark(text="AI", opacity=1.0).overlay_for(320, 240)

    out = overlay.apply(frame)
    assert np.all(frame == 100) and not np.all(out == 100)

    same = overlay.apply(frame, in_place=True)
    assert same is frame and np.array_equal(frame, out)


def test_opacity_sets_how_much_of_the_label_shows():
    frame = _grey()
    invisible = VisibleWatermark(text="AI-generated", size=0.15, opacity=0.0).overlay_for(320, 240).apply(frame)
    opaque = VisibleWatermark(text="AI-generated", size=0.15, opacity=1.0).overlay_for(320, 240).apply(frame)
    faint = VisibleWatermark(text="AI-generated", size=0.15, opacity=0.3).overlay_for(320, 240).apply(frame)

    assert np.array_equal(invisible, frame)
    assert opaque.max() == 255  # solid white glyphs
    assert 100 < faint.max() < 160  # 30 % of the way from grey to white


def test_logo_is_drawn_beside_the_text():
    red = Image.new("RGBA", (30, 30), (255, 0, 0, 255))
    buffer = io.BytesIO()
    red.save(buffer, "PNG")

    out = (
        VisibleWatermark(text="AI", logo_png=buffer.getvalue(), size=0.1, opacity=1.0)
        .overlay_for(320, 240)
        .apply(_grey())
    )

    reddish = (out[:, :, 0] == 255) & (out[:, :, 1] == 0)
    assert reddish.sum() >= 0.8 * 24 * 24


def test_label_wider_than_the_frame_is_shrunk_to_fit():
    overlay = VisibleWatermark(text="A very long label " * 4, size=0.2).overlay_for(160, 120)

    assert overlay.x >= 0 and overlay.x + overlay.weight.shape[1] <= 160
    overlay.apply(_grey(160, 120))


@pytest.mark.parametrize(
    "settings",
    [
        dict(position="middle"),
        dict(size=0),
        dict(size=0.5),
        dict(opacity=1.5),
        dict(opacity=-0.1),
        dict(text="", logo_png=None),
        dict(text="x" * 81),
        dict(text="two\nlines"),
        dict(logo_png=b"not a png"),
    ],
)
def test_bad_settings_are_refused_as_watermark_invalid(settings):
    with pytest.raises(MediaError) as problem:
        VisibleWatermark(**settings)

    assert problem.value.code == "watermark_invalid"
