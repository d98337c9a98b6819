"""The built-in model's interface: its control vector (one row per frame) and
the fields it predicts.

The first six controls animate the mouth (what a viseme sets, see
``media.render.builtin.visemes``); the rest describe this portrait's mouth and place
the motion on it (region pixels, local frame along the mouth: x towards the
subject's left, y towards the chin, origin at the lower lip's inner edge).
Keeping geometry in the per-frame row lets frames of different portraits share
one batch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: the controls a viseme sets, in this order, all 0 at rest
ANIMATION_NAMES: tuple[str, ...] = (
    "jaw",  # jaw rotation about the hinge: 0 rest, 1 wide open ("aa")
    "width",  # +1 spread (ee), -1 rounded and protruded (oo)
    "close",  # 0..1: lips pressed together (m, b, p), whatever the jaw does
    "tuck",  # 0..1: lower lip up against the upper teeth (f, v)
    "tongue",  # 0..1: tongue tip raised to the teeth (th, t, d, l, n)
    "teeth",  # 0..1: how much the teeth show (drawn ones; s, ee)
)
CONTROL_NAMES: tuple[str, ...] = ANIMATION_NAMES + (
    "mouth_x",  # the lower lip's inner edge at the centre, region px
    "mouth_y",
    "cos_roll",  # head roll: the local x axis in region coordinates
    "sin_roll",
    "half_width",  # half the corner-to-corner mouth width, px
    "lower_curve",  # bend of the lower lip's inner edge: y(x) = lower_curve * x²
    "rest_gap",  # the portrait's own inner-lip gap at the centre (teeth showing), px
    "upper_teeth",  # local y of the upper incisors' edge (fixed to the skull)
    "own_teeth",  # 0..1: the portrait shows its own upper teeth, which stay (not drawn over)
    "chin",  # local y of the chin
    "jaw_curve",  # the jaw's outline below the mouth: y(x) = chin - jaw_curve * x²
    "chin_falloff",  # distance below the jaw outline over which the motion fades (neck)
    "nose",  # local y of the nose base (< 0)
    "hinge_reach",  # |x| at which the jaw's drop falls to 0 (from the mesh depth: the hinge axis)
    "lip_band",  # vertical reach of the lip shaping around the lip line
    "grid_step",  # region pixels per lattice cell: region side / GRID
)
INDEX = {name: i for i, name in enumerate(CONTROL_NAMES)}
COUNT = len(CONTROL_NAMES)
ANIMATION_COUNT = len(ANIMATION_NAMES)

#: side of the coarse lattice the model predicts its fields on
GRID = 48
FIELD_NAMES: tuple[str, ...] = (
    "shift_x",  # the output pixel samples the input at (x - shift_x, y - shift_y)
    "shift_y",
    "below_top",  # signed distance below the opening's top edge (upper lip), px
    "above_bottom",  # signed distance above the opening's bottom edge (lower lip), px
    "cavity_strength",  # 0..1: how much of the opening is drawn (small openings fade in)
    "above_upper_teeth",  # signed distance above the upper teeth's edge, px
    "below_lower_teeth",  # signed distance below the lower teeth's edge (moves with the jaw), px
    "teeth_strength",  # 0..1 across the mouth: the teeth's light (the side teeth are further back, darker)
    "below_tongue",  # signed distance below the tongue's top, px
    "shade",  # cavity brightness factor (darker towards the corners)
    "across",  # local x in mouth half-widths: where the teeth's edges fall
    "below_upper_rest",  # signed distance below the upper lip's edge at rest where the portrait's own teeth show, else -1000
    # The motion above and below the opening, each continued smoothly across it: near
    # the lips the renderer picks between them per pixel, so lips that press together
    # meet on a sharp line rather than one smeared over a lattice cell.
    "upper_shift_x",
    "upper_shift_y",
    "lower_shift_x",
    "lower_shift_y",
)
FIELD_INDEX = {name: i for i, name in enumerate(FIELD_NAMES)}


def at_rest(controls: np.ndarray) -> NDArray[np.bool_]:
    """Rows whose mouth does not move: the model would return the crop unchanged."""
    still: NDArray[np.bool_] = ~np.any(controls[:, :ANIMATION_COUNT] != 0.0, axis=1)
    return still
