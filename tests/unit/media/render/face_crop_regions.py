"""Where a face-crop model may and may not change a frame, in output pixels:
shared by the wav2lip and face_crop adapter tests."""

import numpy as np

from media.render.face_crop import PASTE_FROM


def untouched_regions(prepared) -> tuple[np.ndarray, np.ndarray]:
    """(outside the crop, the crop's upper part above the paste line), boolean masks of the frame."""
    box, m = prepared.mouth, prepared.framing.margin
    x0, y0, side = box.left - m, box.top - m, box.size
    shape = prepared.still_frame.shape[:2]
    outside = np.ones(shape, bool)
    outside[max(y0, 0) : y0 + side, max(x0, 0) : x0 + side] = False
    upper = np.zeros(shape, bool)
    upper[max(y0, 0) : y0 + int(side * PASTE_FROM), max(x0, 0) : x0 + side] = True
    return outside, upper
