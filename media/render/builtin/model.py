"""The built-in lip-sync model, defined in torch for export to ONNX only.

Nothing at render time imports this module (torch is a development
dependency): ``python -m media.render.builtin.export`` turns it into
``builtin_lipsync.onnx``, which onnxruntime runs.

The model maps one frame's controls (a viseme's jaw, width, closure, tuck,
tongue and teeth, plus the portrait's mouth geometry) to a deformation of the
mouth region and a description of the mouth's inside. It has no learned
weights; the motion is anatomy:

- the jaw rotates about the hinge axis through the ears. Seen from the front a
  point drops in proportion to its forward distance from that axis, which the
  portrait's mesh depth gives as ``1 - (x / hinge_reach)²`` across the face. The
  jaw carries the lower lip, the chin and the lower cheeks (more of the cheek
  the nearer the jaw's outline) and fades out down the neck;
- the lips then take the viseme's shape: pressed together for m/b/p (closing
  even a portrait's smiling gap), the lower lip up against the upper teeth for
  f/v, narrowed and pushed out for oo, spread for ee, retracted over the teeth
  for s;
- inside, the upper teeth's edge is fixed to the skull (a portrait that shows
  its teeth keeps its own, unmoved), the lower teeth's edge rides on the jaw,
  and the tongue rests on the jaw's floor, its tip raised by the tongue control.

The deformation is a piecewise-linear warp of a ``GRID`` × ``GRID`` triangulated
lattice laid over the region: the model predicts the fields at the lattice's
vertices; the renderer interpolates them across each cell, remaps the pixels
and draws the mouth's inside at full resolution from the signed distances
(``media.render.builtin.mouth``). Sampling pixels inside onnxruntime is what a CPU
cannot afford (its GridSample costs ~45 ns per pixel and channel here,
cv2.remap ~3 ns), and the fixed lattice makes the model's cost independent of
the output resolution, so every built-in frame of every job shares one batch
shape.

Every field is built from additions, multiplications, divisions and clips (no
transcendental functions), so a frame's result cannot depend on what else is
in its batch, and all animation controls at 0 yields all-zero motion.

Input
    ``controls``  float32 ``[N, K]``, laid out as ``controls.CONTROL_NAMES``;
                  positions and lengths in region pixels.
Output
    ``fields``    float32 ``[N, GRID, GRID, C]`` laid out as ``FIELD_NAMES``,
                  sampled at region pixel ``(j + 0.5) * grid_step - 0.5``, which
                  is the lattice cv2.resize's linear interpolation assumes.
"""

from __future__ import annotations

import torch
from torch import nn

from media.render.controls import CONTROL_NAMES, FIELD_NAMES, GRID

# Shape of the motion, in units of the mouth half-width (hw).
JAW_TRAVEL = 0.70  # lower lip drop at the centre for jaw = 1
UPPER_LIP_LIFT = 0.10  # share of the jaw drop the upper lip rises
SPREAD, ROUND = 0.26, 0.46  # horizontal stretch (width +1) and narrowing (width -1) of the lips
JAW_NARROWING = 0.0  # an open jaw draws the corners in a little
PUCKER = 0.10  # rounded lips push out: each lip moves off the other by this much
TUCK_LIFT = 0.10  # f/v: the upper lip lifts off the upper teeth
TUCK_OVERLAP = 0.03  # f/v: the lower lip covers the upper teeth's edge by this much
TEETH_LIFT, TEETH_DROP = 0.05, 0.02  # teeth shown: lips retract off the teeth
UPPER_SHARE = 0.4  # of a portrait's own lip gap, the share the upper lip closes
PRESS = 0.04  # closed lips press on each other: each moves this much past the meeting line
OVERBITE = 0.05  # the lower teeth's edge sits this far above the upper teeth's, at rest
TONGUE_REST, TONGUE_RAISED = 0.18, 0.70  # share of the opening the tongue fills, low and raised
CAVITY_FADE_PX = 2.0  # an opening this much larger or smaller than at rest is fully drawn
TEETH_HALF_WIDTH = 1.1  # the teeth's light falls off over this half width
FEATHER_CELLS = 1.5  # the outer ring of the region, in lattice cells, never moves


def _bump(z: torch.Tensor) -> torch.Tensor:
    """(1 - z²)² on |z| < 1, exactly 0 outside: smooth, compact support."""
    inner = torch.clamp(1.0 - z * z, min=0.0)
    return inner * inner


def _rounded(z: torch.Tensor) -> torch.Tensor:
    """(1 - z²)(1 - z⁴) on |z| < 1, 0 outside: flat in the middle, smooth at the
    ends; an opening shaped by it looks oval rather than pointed."""
    z2 = z * z
    return torch.clamp(1.0 - z2, min=0.0) * torch.clamp(1.0 - z2 * z2, min=0.0)


def _smoothstep(t: torch.Tensor) -> torch.Tensor:
    t = torch.clamp(t, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


class MouthMotion(nn.Module):
    def forward(self, controls: torch.Tensor) -> torch.Tensor:
        c = {name: controls[:, i].reshape(-1, 1, 1) for i, name in enumerate(CONTROL_NAMES)}
        cells = torch.arange(GRID, dtype=torch.float32, device=controls.device)
        step = c["grid_step"]
        x = (cells.reshape(1, 1, -1) + 0.5) * step - 0.5
        y = (cells.reshape(1, -1, 1) + 0.5) * step - 0.5

        # Local frame: origin at the lower lip's inner edge, x along the mouth, y towards the chin.
        cos, sin = c["cos_roll"], c["sin_roll"]
        rx, ry = x - c["mouth_x"], y - c["mouth_y"]
        lx = rx * cos + ry * sin
        ly = ry * cos - rx * sin

        hw = c["half_width"]
        jaw, width, close, tuck = c["jaw"], c["width"], c["close"], c["tuck"]
        rounding, spreading = torch.clamp(-width, min=0.0), torch.clamp(width, min=0.0)
        # The lower lip's inner edge splits what the jaw carries from what stays.
        # It bends with the smile; beyond the corners it runs straight.
        lx_lips = torch.minimum(torch.maximum(lx, -hw), hw)
        lip_line = c["lower_curve"] * lx_lips * lx_lips
        lips = _rounded(lx / (1.05 * hw))  # zero at the mouth corners
        # Rounded lips part over a narrower span: the opening turns round.
        lips_open = _rounded(lx / (1.05 * hw * (1.0 - 0.35 * rounding)))
        gap = c["rest_gap"] * lips
        upper_line = lip_line - gap

        # The jaw: a drop proportional to the forward distance from the hinge axis.
        reach = c["hinge_reach"]
        forward = torch.clamp(1.0 - (lx * lx) / (reach * reach), min=0.0)
        # A portrait whose teeth part at rest can also close its jaw a little (m, b, p).
        drop = torch.maximum(jaw * (JAW_TRAVEL * hw), -(1.0 - UPPER_SHARE) * c["rest_gap"]) * forward
        jaw_edge = torch.maximum(c["chin"] - c["jaw_curve"] * lx * lx, lip_line + 0.3 * hw)
        towards_jaw = _smoothstep((ly - lip_line) / (jaw_edge - lip_line))
        carried = lips + (1.0 - lips) * towards_jaw  # at the lips only the lip, at the jaw's outline all
        down_the_neck = 1.0 - _smoothstep((ly - jaw_edge) / c["chin_falloff"])
        jaw_field = drop * carried * down_the_neck
        lip_drop = drop * lips  # what the jaw alone does to the lower lip's edge

        # The lips' own shape on top of the jaw, as motion of their inner edges.
        pucker = PUCKER * hw * rounding * lips_open
        shown = c["teeth"] * lips_open
        upper_free = -(UPPER_LIP_LIFT * drop + TUCK_LIFT * hw * tuck) * lips_open - pucker - TEETH_LIFT * hw * shown
        lower_free = drop * lips_open + pucker + TEETH_DROP * hw * shown
        # f/v: the lower lip goes to just over the upper teeth's edge (never down).
        tucked = torch.clamp(c["upper_teeth"] - TUCK_OVERLAP * hw, max=0.0) * lips
        lower_free = lower_free + (tucked - lower_free) * tuck
        # m/b/p: the lips meet where the portrait's gap closes, whatever the jaw does.
        press = PRESS * hw * lips
        upper_move = upper_free + (UPPER_SHARE * gap + press - upper_free) * close
        lower_move = lower_free + (-(1.0 - UPPER_SHARE) * gap - press - lower_free) * close

        # Above the opening: the upper lip's motion, fading out towards the nose.
        towards_nose = _smoothstep((upper_line - ly) / (upper_line - c["nose"]))
        upper_field = upper_move * (1.0 - towards_nose)
        # Below it: the jaw, plus the lower lip's own motion within the lip band.
        lip_band = _bump((ly - lip_line) / c["lip_band"])
        lower_field = jaw_field + (lower_move - lip_drop) * lip_band

        # The opening, in output pixels. Inside it the motion blends from the upper
        # field to the lower, so the warp stays continuous (the inside covers it).
        top = upper_line + upper_move
        bottom = lip_line + lower_move
        across = torch.clamp((ly - top) / torch.clamp(bottom - top, min=0.5), 0.0, 1.0)
        disp_y = upper_field + (lower_field - upper_field) * across

        # Spreading (+) or rounding (-) stretches the lips sideways about the centre.
        stretch = SPREAD * spreading - ROUND * rounding - JAW_NARROWING * jaw
        disp_x = lx * stretch * _rounded(lx / (1.8 * hw)) * lip_band

        # Nothing in the outer ring of the region may move.
        ramp = torch.clamp(cells / FEATHER_CELLS, 0.0, 1.0) * torch.clamp(
            (GRID - 1.0 - cells) / FEATHER_CELLS, 0.0, 1.0
        )
        feather = ramp.reshape(1, -1, 1) * ramp.reshape(1, 1, -1)

        teeth_line = lip_line + c["upper_teeth"]
        opening_change = torch.abs(lower_move - upper_move)
        fields = {
            "shift_x": (disp_x * cos - disp_y * sin) * feather,
            "shift_y": (disp_x * sin + disp_y * cos) * feather,
            "below_top": ly - top,
            "above_bottom": bottom - ly,
            "cavity_strength": torch.clamp(opening_change / CAVITY_FADE_PX, 0.0, 1.0) * feather,
            "above_upper_teeth": teeth_line - ly,
            "below_lower_teeth": ly - (teeth_line - OVERBITE * hw + drop),
            "teeth_strength": _bump(lx / (TEETH_HALF_WIDTH * hw)),
            "below_tongue": ly
            - (bottom - (TONGUE_REST + (TONGUE_RAISED - TONGUE_REST) * c["tongue"]) * (bottom - top)),
            "shade": 0.75 + 0.25 * (1.0 - lips),
            "across": lx / hw,
            # The portrait's own teeth show only within the (rounded lips') opening.
            "upper_shift_x": (disp_x * cos - upper_field * sin) * feather,
            "upper_shift_y": (disp_x * sin + upper_field * cos) * feather,
            "lower_shift_x": (disp_x * cos - lower_field * sin) * feather,
            "lower_shift_y": (disp_x * sin + lower_field * cos) * feather,
            "below_upper_rest": c["own_teeth"] * (ly - upper_line)
            - (1.0 - c["own_teeth"]) * 1000.0
            - 1000.0 * torch.clamp((torch.abs(lx) - 0.8 * hw * (1.0 - 0.35 * rounding)) / (0.1 * hw), 0.0, 1.0),
        }
        return torch.stack([fields[name] for name in FIELD_NAMES], dim=-1)
