"""Real teeth for mouths that do not show their own: a strip of the astronaut's
upper teeth, unrolled along her smile, and matched to each portrait's light.

The strip (``teeth_photo/teeth_astronaut.png``) is cut from scikit-image's
``astronaut()`` (NASA, public domain; ``teeth_photo/LICENCE.md``) by ``python -m
media.render.builtin.teeth``: each column is one place across the mouth, ``u`` in
mouth half-widths from the centre (-1.1 .. 1.1), each row one height on the
teeth, ``v`` from the upper lip's inner edge (row 0, v = 1) down past the
incisors' edge (v = 0, row ``EDGE_ROW``). Her teeth are about 30 × 5 pixels
in the photo, so the strip is soft; it is real, with the gaps, the shading and
the uneven edges that drawn teeth lack.

At prepare, the strip is scaled to the portrait's mouth (``TeethStrip.for_mouth``)
and its colour matched: its white becomes the portrait's teeth white
(``white_balance.teeth_white``). Per frame, ``mouth_interior`` samples it by
the model's fields, so the teeth follow the lips and the jaw.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

STRIP_PATH = Path(__file__).with_name("teeth_photo") / "teeth_astronaut.png"
#: the strip's extent and sampling (see the module doc)
U_RANGE = (-1.1, 1.1)
COLUMNS = 176
V_TOP, V_BOTTOM, ROWS = 1.0, -0.15, 46
EDGE_ROW = (V_TOP - 0.0) / (V_TOP - V_BOTTOM) * (ROWS - 1)
#: the teeth's height (edge to the upper lip's inner edge) in mouth half-widths, in the photo
TEETH_HEIGHT = 0.30
#: where the strip was cut from the photo (512² astronaut): centre, half-width, the edge's
#: row at the centre and its rise towards the corners (px per px²), the upper lip's inner edge
SOURCE_CENTRE_X, SOURCE_HALF_WIDTH = 224.0, 20.0
SOURCE_EDGE_Y, SOURCE_EDGE_BEND, SOURCE_TOP_Y = 149.0, 0.0065, 143.2


@lru_cache(maxsize=1)
def source_strip() -> NDArray[np.float32]:
    """The shipped strip, float32 RGB (ROWS, COLUMNS, 3)."""
    bgr = cv2.imread(str(STRIP_PATH), cv2.IMREAD_COLOR)
    if bgr is None:
        raise FileNotFoundError(STRIP_PATH)
    strip: NDArray[np.float32] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32)
    strip.setflags(write=False)
    return strip


def strip_white(strip: np.ndarray) -> NDArray[np.float32]:
    """The teeth's white in a strip: the median of the brightest quarter of its central teeth."""
    centre = strip[: int(EDGE_ROW), COLUMNS // 4 : 3 * COLUMNS // 4].reshape(-1, 3)
    luma = centre.mean(axis=1)
    white: NDArray[np.float32] = np.median(centre[luma >= np.percentile(luma, 75)], axis=0).astype(np.float32)
    return white


@dataclass(frozen=True)
class TeethStrip:
    """The strip at one mouth's scale and colour: sample it at column
    ``centre + u * px_per_hw`` and row ``edge_row - v * teeth_rows``."""

    pixels: np.ndarray  # float32 (rows, cols, 3), colour-matched
    centre: float
    px_per_hw: float
    edge_row: float
    teeth_rows: float

    @classmethod
    def for_mouth(cls, half_width: float, white: np.ndarray) -> TeethStrip:
        """The strip scaled so a mouth half-width of ``half_width`` px spans as many
        strip columns (a pixel of the mouth is about a pixel of the strip: no
        aliasing, no wasted work) and recoloured so its white is ``white`` (RGB)."""
        strip = source_strip()
        columns_per_hw = COLUMNS / (U_RANGE[1] - U_RANGE[0])
        scale = max(half_width / columns_per_hw, 0.05)
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        size = (max(int(round(COLUMNS * scale)), 4), max(int(round(ROWS * scale)), 4))
        scaled = cv2.resize(strip, size, interpolation=interpolation)
        gain = np.asarray(white, np.float32) / np.maximum(strip_white(strip), 1.0)
        pixels = np.clip(scaled * gain, 0.0, 255.0).astype(np.float32)
        sx = size[0] / COLUMNS
        sy = size[1] / ROWS
        return cls(pixels, (COLUMNS - 1) / 2 * sx, columns_per_hw * sx, EDGE_ROW * sy, EDGE_ROW * sy)


def extract_strip() -> NDArray[np.uint8]:
    """Cut the strip from scikit-image's astronaut (a development dependency)."""
    import skimage.data

    photo = np.asarray(skimage.data.astronaut(), np.float32)  # type: ignore[no-untyped-call]
    us = np.linspace(U_RANGE[0], U_RANGE[1], COLUMNS)
    vs = np.linspace(V_TOP, V_BOTTOM, ROWS)
    u, v = np.meshgrid(us, vs)
    x = SOURCE_CENTRE_X + u * SOURCE_HALF_WIDTH
    edge = SOURCE_EDGE_Y - SOURCE_EDGE_BEND * np.minimum(np.abs(x - SOURCE_CENTRE_X), SOURCE_HALF_WIDTH) ** 2
    y = edge - v * (edge - SOURCE_TOP_Y)
    strip = cv2.remap(photo, x.astype(np.float32), y.astype(np.float32), cv2.INTER_CUBIC)
    out: NDArray[np.uint8] = np.clip(np.rint(strip), 0, 255).astype(np.uint8)
    return out


if __name__ == "__main__":
    cv2.imwrite(str(STRIP_PATH), cv2.cvtColor(extract_strip(), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {STRIP_PATH}")
