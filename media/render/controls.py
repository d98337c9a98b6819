"""The built-in model's interface: its control vector (one row per frame) and
the fields it predicts.

The first two controls animate the mouth; the rest describe this portrait's
mouth and place the motion on it (region pixels, local frame along the mouth). Keeping geometry
in the per-frame row lets frames of different portraits share one batch.
"""

from __future__ import annotations

import numpy as np

CONTROL_NAMES: tuple[str, ...] = (
    "open",  # jaw opening, 0 = at rest
    "width",  # +1 spread (ee), -1 rounded (oo)
    "teeth",  # 0..1 strength of the drawn upper teeth (0 when the portrait shows its own)
    "mouth_x",  # the lower lip's inner edge at the centre, region px
    "mouth_y",
    "cos_roll",  # head roll: the local x axis in region coordinates
    "sin_roll",
    "half_width",  # half the corner-to-corner mouth width, px
    "lower_curve",  # bend of the lower lip's inner edge: y(x) = lower_curve * x²
    "chin",  # local y of the chin
    "chin_falloff",  # distance below the chin over which the jaw motion fades
    "nose",  # local y of the nose base (< 0)
    "jaw_half_width",  # half width of the moving jaw, px
    "lip_band",  # vertical reach of the sideways lip stretch around the lip line
    "grid_step",  # region pixels per lattice cell: region side / GRID
)
INDEX = {name: i for i, name in enumerate(CONTROL_NAMES)}
COUNT = len(CONTROL_NAMES)

#: side of the coarse lattice the model predicts its fields on
GRID = 48
FIELD_NAMES: tuple[str, ...] = (
    "shift_x",  # the output pixel samples the input at (x - shift_x, y - shift_y)
    "shift_y",
    "below_top",  # signed distance below the opening's top edge, px
    "above_bottom",  # signed distance above the opening's bottom edge, px
    "cavity_strength",  # 0..1: how dark the opening is (small openings fade in)
    "above_teeth_edge",  # signed distance above the upper teeth's lower edge, px
    "teeth_strength",  # 0..1
    "shade",  # cavity brightness factor
)
FIELD_INDEX = {name: i for i, name in enumerate(FIELD_NAMES)}


def at_rest(controls: np.ndarray) -> np.ndarray:
    """Rows whose mouth does not move: the model would return the crop unchanged."""
    return (controls[:, INDEX["open"]] == 0.0) & (controls[:, INDEX["width"]] == 0.0)
