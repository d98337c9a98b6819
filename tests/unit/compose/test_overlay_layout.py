"""Where overlays land on the canvas, as a viewer sees them: a logo's size on every shape of canvas."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from media.compose import image_layer, safe_area


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 40, 255)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("canvas", [(1920, 1080), (1280, 720), (1080, 1080)])
def test_a_logos_scale_is_its_height_as_a_share_of_the_canvas_height(canvas):
    """What the API documents: a wide 400 x 160 logo at 0.1 on 1920 x 1080 is 108 px tall (it was 192 px wide,
    77 tall: the width's share of the canvas width)."""
    width, height = canvas
    layer = image_layer({"type": "image", "scale": 0.1, "anchor": "top_left"}, png(400, 160), width, height)
    assert layer.pixels.shape[0] == round(0.1 * height)
    assert layer.pixels.shape[1] == round(0.1 * height * 400 / 160)


def test_a_logo_on_a_vertical_cut_is_the_size_it_is_on_the_landscape_one():
    """On a portrait canvas the share is of the width (the shorter side, as the presenter and text are sized), so
    a 9:16 rendition shows the logo as large as its 16:9 cut does, not a 72-pixel sliver beside large text."""
    logo = {"type": "image", "scale": 0.1, "anchor": "top_left"}
    landscape = image_layer(logo, png(400, 160), 1920, 1080)
    vertical = image_layer(logo, png(400, 160), 1080, 1920)
    assert vertical.pixels.shape == landscape.pixels.shape


def test_a_logo_never_runs_past_the_safe_area():
    """A very wide logo at a large scale is shrunk to the safe area's width, its aspect kept."""
    layer = image_layer({"type": "image", "scale": 0.5, "anchor": "top_right"}, png(1000, 100), 1280, 720)
    area = safe_area(1280, 720)
    assert layer.pixels.shape[1] == area.width
    assert layer.pixels.shape[0] == pytest.approx(area.width / 10, abs=1)
    assert layer.x >= area.left and layer.x + layer.pixels.shape[1] <= area.right
    assert np.all(layer.pixels[..., 3] == 255)
