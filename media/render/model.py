"""The built-in lip-sync model, defined in torch for export to ONNX only.

Nothing at render time imports this module (torch is a development
dependency): ``python -m media.render.export`` turns it into
``builtin_lipsync.onnx``, which onnxruntime runs.

The model is a dense-motion generator for a square mouth region of the output
frame, in the manner of the motion networks of keypoint-driven talking-head
models, but with no learned weights: placed by the portrait's lip landmarks and
driven by per-frame controls, it lowers the lower lip and jaw with a smooth,
compactly supported falloff, lifts the upper lip a little, and describes the
dark mouth cavity (with a hint of upper teeth) where the lips part.

It predicts smooth fields on a coarse ``GRID`` × ``GRID`` lattice; the
renderer upsamples them to the region (linear interpolation is near exact for
smooth fields), remaps the pixels and draws the cavity edges at full
resolution (``media.render.mouth``). Sampling pixels inside onnxruntime is
what a whole-frame or even a whole-region warp cannot afford on a CPU (its
GridSample costs ~45 ns per pixel and channel here, cv2.remap ~3 ns), and the
coarse lattice makes the model's cost independent of the output resolution, so
every built-in frame of every job shares one batch shape.

Every field is built from additions, multiplications, divisions and clips (no
transcendental functions), so a frame's result cannot depend on what else is
in its batch, and ``open == width == 0`` yields all-zero motion.

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
JAW_DROP_PER_OPEN = 0.55  # lower lip travel at open=1
UPPER_LIP_LIFT = 0.18  # share of the jaw drop the upper lip rises
SPREAD_PER_WIDTH = 0.10  # horizontal stretch of the lips at width=±1
CAVITY_FADE_PX = 2.5  # an opening this tall is fully dark; smaller ones fade in
TEETH_HEIGHT = 0.24  # upper-teeth band height at a wide opening, in hw
TEETH_HALF_WIDTH = 0.62  # upper-teeth band half width, in hw
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

        # Local frame: origin between the lips, x along the mouth, y towards the chin.
        cos, sin = c["cos_roll"], c["sin_roll"]
        rx, ry = x - c["mouth_x"], y - c["mouth_y"]
        lx = rx * cos + ry * sin
        ly = ry * cos - rx * sin

        hw = c["half_width"]
        # The lower lip's inner edge splits what the jaw carries from what stays
        # (upper lip, and upper teeth if the portrait shows them). It bends with
        # the smile; beyond the corners it runs straight.
        lx_lips = torch.minimum(torch.maximum(lx, -hw), hw)
        lip_line = c["lower_curve"] * lx_lips * lx_lips

        drop = c["open"] * (JAW_DROP_PER_OPEN * hw)
        lips_profile = _rounded(lx / (1.05 * hw))  # zero at the mouth corners
        jaw_profile = _bump(lx / c["jaw_half_width"])

        # Below the lips the jaw drops: a narrow profile at the lips widening to
        # the jaw at the chin, fading out under the chin.
        towards_chin = _smoothstep((ly - lip_line) / (c["chin"] - lip_line))
        profile = lips_profile + (jaw_profile - lips_profile) * towards_chin
        under_chin = 1.0 - _smoothstep((ly - c["chin"]) / c["chin_falloff"])
        drop_field = drop * profile * under_chin
        # Above them the upper lip rises, fading out towards the nose.
        towards_nose = _smoothstep((lip_line - ly) / (lip_line - c["nose"]))
        lift = UPPER_LIP_LIFT * drop * lips_profile
        lift_field = -lift * (1.0 - towards_nose)

        # The opening, in output pixels: between where the split line moves to
        # above and below. Inside it the motion blends from lift to drop, so the
        # field stays continuous (the cavity covers that stretch).
        top = lip_line - lift
        bottom = lip_line + drop * lips_profile
        across = torch.clamp((ly - top) / torch.clamp(bottom - top, min=0.5), 0.0, 1.0)
        disp_y = lift_field + (drop_field - lift_field) * across

        # Spreading (+) or rounding (-) stretches the lips sideways about the centre.
        lip_band = _bump((ly - lip_line) / c["lip_band"])
        disp_x = lx * (SPREAD_PER_WIDTH * c["width"]) * _bump(lx / (1.6 * hw)) * lip_band

        # Nothing in the outer ring of the region may move.
        ramp = torch.clamp(cells / FEATHER_CELLS, 0.0, 1.0) * torch.clamp((GRID - 1.0 - cells) / FEATHER_CELLS, 0.0, 1.0)
        feather = ramp.reshape(1, -1, 1) * ramp.reshape(1, 1, -1)

        fields = {
            "shift_x": (disp_x * cos - disp_y * sin) * feather,
            "shift_y": (disp_x * sin + disp_y * cos) * feather,
            "below_top": ly - top,
            "above_bottom": bottom - ly,
            "cavity_strength": torch.clamp(drop * lips_profile / CAVITY_FADE_PX, 0.0, 1.0) * feather,
            "above_teeth_edge": top + TEETH_HEIGHT * hw * torch.clamp(drop / (0.5 * hw), 0.0, 1.0) - ly,
            "teeth_strength": _bump(lx / (TEETH_HALF_WIDTH * hw)) * c["teeth"],
            "shade": 0.75 + 0.25 * (1.0 - lips_profile),
        }
        return torch.stack([fields[name] for name in FIELD_NAMES], dim=-1)
