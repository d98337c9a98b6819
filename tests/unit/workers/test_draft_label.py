"""Where a draft's DRAFT label goes: a corner that covers none of the scene's overlays."""

from __future__ import annotations

import numpy as np

from media.compose import Layer
from workers.stages.composition import draft_label, mark_box


def _meets(box, layer: Layer) -> bool:
    x0, y0, x1, y1 = box
    h, w = layer.pixels.shape[:2]
    return x0 < layer.x + w and layer.x < x1 and y0 < layer.y + h and layer.y < y1


def test_the_draft_label_leaves_a_brand_kits_top_left_logo_uncovered():
    """A draft made with a brand kit (its logo top left) had the DRAFT label drawn over the logo: it always went
    top left. It now takes the first corner its scene leaves free (on a 9:16 draft, where the label is nearly the width of the canvas, a bottom one), and keeps off the farm's mark."""
    logo = Layer(np.full((54, 135, 4), 255, np.uint8), 18, 76, picture=True)  # a 360 x 640 draft's top-left logo
    title = Layer(np.full((40, 200, 4), 255, np.uint8), 80, 140)
    mark = draft_label(360, 640, [logo, title])
    box = mark_box(mark)
    assert box is not None
    assert not _meets(box, logo) and not _meets(box, title)
    alone = mark_box(draft_label(360, 640, []))
    # with nothing there, top left as before (its margin half its height: 0.12 of the short side since 2026-12-07)
    assert alone is not None and alone[:2] == (22, 22)
