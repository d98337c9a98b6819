"""The white a portrait's teeth should have, read from the portrait itself.

In order of trust:

1. its own teeth, where the lips part over them (the brightest pixels between
   the inner lips);
2. the whites of its eyes: inside each eye's opening (the face mesh's eye
   contour, not a box between the eye corners), outside the iris (the mesh's
   iris ring), pixels at least as light as the skin and less colourful than
   it. The old probe, the brightest tenth of a box around the eye corners,
   read skin on Grace Hopper: her eyes are narrow, behind glasses, and show
   almost no white. Too few such pixels (under ``MIN_SCLERA_SHARE`` of the
   openings) and the eyes are not trusted;
3. the skin: the astronaut's teeth (the source of drawn teeth) lit as the
   portrait's skin is lit relative to hers; the exposure follows fully, the
   colour cast half (part of a skin's hue is the person, not the light).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from media.render.face import PortraitInfo
from media.render.framing import ToCanvas

#: mesh landmarks of each eye's opening, and each iris's centre and a point on its ring
EYE_OPENINGS = (
    (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246),
    (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466),
)
IRISES = ((468, 469), (473, 474))
#: the eye whites are trusted when at least this share of the openings qualifies
MIN_SCLERA_SHARE = 0.08
#: teeth are a little darker and yellower than the eye whites
TEETH_OF_SCLERA = np.array([0.95, 0.93, 0.88], np.float32)
#: the astronaut's skin (nose tip, mean RGB) and her teeth's white, in the photo the teeth come from
SOURCE_SKIN = np.array([208.0, 168.0, 146.0], np.float32)
SOURCE_TEETH = np.array([251.0, 239.0, 230.0], np.float32)


def skin_colour(info: PortraitInfo, to_canvas: ToCanvas, canvas: np.ndarray) -> NDArray[np.float32]:
    """Mean RGB of a box on the nose tip, a tenth of the face wide."""
    nose, cheek_a, cheek_b = (to_canvas(info.points[name]) for name in ("nose_tip", "cheek_a", "cheek_b"))
    cx, cy = np.round(nose).astype(int)
    r = max(2, int(0.1 * abs(cheek_b[0] - cheek_a[0])))
    skin = canvas[max(cy - r, 0) : cy + r, max(cx - r, 0) : cx + r, :3].reshape(-1, 3).astype(np.float32)
    if len(skin) == 0:
        return np.full(3, 170.0, np.float32)
    mean: NDArray[np.float32] = skin.mean(axis=0)
    return mean


def sclera_colour(
    info: PortraitInfo, to_canvas: ToCanvas, canvas: np.ndarray, skin: np.ndarray
) -> NDArray[np.float32] | None:
    """The whites of the eyes, or None where the portrait shows too little of them."""
    if len(info.mesh) != 478:
        return None
    mesh = to_canvas(np.asarray(info.mesh, dtype=np.float64)[:, :2])
    x0, y0 = np.floor(mesh[[i for eye in EYE_OPENINGS for i in eye]].min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(mesh[[i for eye in EYE_OPENINGS for i in eye]].max(axis=0)).astype(int) + 2
    h, w = canvas.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 4 or y1 - y0 < 2:
        return None
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    for eye in EYE_OPENINGS:
        cv2.fillPoly(mask, [np.round((mesh[list(eye)] - (x0, y0)) * 4).astype(np.int32)], 255, shift=2)
    for centre, ring in IRISES:
        radius = 1.1 * float(np.linalg.norm(mesh[ring] - mesh[centre]))
        c = np.round((mesh[centre] - (x0, y0)) * 4).astype(int)
        cv2.circle(mask, (int(c[0]), int(c[1])), int(round(radius * 4)), 0, -1, shift=2)
    opening = canvas[y0:y1, x0:x1, :3][mask > 0].astype(np.float32)
    if len(opening) < 8:
        return None
    luma = opening.mean(axis=1)
    chroma = opening.max(axis=1) - opening.min(axis=1)
    skin_chroma = float(skin.max() - skin.min())
    white = opening[(luma >= 0.95 * float(skin.mean())) & (chroma <= 0.7 * skin_chroma + 6.0)]
    if len(white) < max(4, MIN_SCLERA_SHARE * len(opening)):
        return None
    colour: NDArray[np.float32] = np.median(white, axis=0).astype(np.float32)
    return colour


def own_teeth_colour(info: PortraitInfo, to_canvas: ToCanvas, canvas: np.ndarray) -> NDArray[np.float32] | None:
    """The median of the brightest 15 % between the inner lips, or None if too few."""
    inner = np.round(to_canvas(info.lips_inner) * 4).astype(np.int32)
    mask = np.zeros(canvas.shape[:2], dtype=np.uint8)
    cv2.fillPoly(mask, [inner], 255, shift=2)
    pixels = canvas[..., :3][mask > 0].astype(np.float32)
    if len(pixels) < 12:
        return None
    luma = pixels.mean(axis=1)
    colour: NDArray[np.float32] = np.median(pixels[luma >= np.percentile(luma, 85)], axis=0).astype(np.float32)
    return colour


def teeth_white(
    info: PortraitInfo, to_canvas: ToCanvas, canvas: np.ndarray, shows_teeth: bool
) -> tuple[NDArray[np.float32], str]:
    """The teeth's white (RGB float) and where it came from: ``own teeth``, ``eye whites`` or ``skin``."""
    if shows_teeth:
        own = own_teeth_colour(info, to_canvas, canvas)
        if own is not None:
            return own, "own teeth"
    skin = skin_colour(info, to_canvas, canvas)
    sclera = sclera_colour(info, to_canvas, canvas, skin)
    if sclera is not None:
        return np.minimum(sclera * TEETH_OF_SCLERA, 250.0).astype(np.float32), "eye whites"
    gain = skin / SOURCE_SKIN
    level = float(np.clip(gain.mean(), 0.45, 1.15))
    cast = np.sqrt(gain / max(float(gain.mean()), 1e-3))
    return np.minimum(SOURCE_TEETH * level * cast, 250.0).astype(np.float32), "skin"
