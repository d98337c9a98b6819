"""Render parameters: the one table of names, types, ranges and defaults.

The API builds its request schema from this table (so ``/openapi.json`` shows
the same ranges the validator enforces) and the README's parameter table is
printed from it. A value outside its range is refused with a 422 naming the
field; nothing is clamped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Param:
    name: str
    kind: type
    default: Any
    minimum: float | None
    maximum: float | None
    doc: str
    multiple_of: int | None = None
    #: whether the built-in renderer acts on it (README says which do)
    acts: bool = True


PARAMS: tuple[Param, ...] = (
    Param("resolution", int, 512, 128, 2048, "Output width and height in pixels (square).", multiple_of=16),
    Param(
        "min_resolution",
        int,
        128,
        64,
        2048,
        "Smallest square of the photo, in source pixels, that may become the output frame (face plus expand_ratio "
        "margin); a smaller one would be upscaled too far and is refused (avatar_too_small).",
    ),
    Param("fps", int, 25, 10, 60, "Frames per second of the output."),
    Param(
        "duration",
        float,
        None,
        0.1,
        1200.0,
        "Expected length in seconds; must equal the speech audio within one frame, or the job is refused (duration_mismatch).",
    ),
    Param(
        "inference_steps",
        int,
        25,
        1,
        100,
        "Denoising steps, for models that have steps; the built-in renderer has none.",
        acts=False,
    ),
    Param("dynamic_scale", float, 1.0, 0.0, 3.0, "Mouth movement amplitude; 0 keeps the mouth closed."),
    Param("motion_scale", float, 1.0, 0.0, 2.0, "Subtle head motion and blinks; 0 keeps the head still."),
    Param(
        "expand_ratio", float, 0.5, 0.0, 1.5, "Margin around the face in the output frame, as a share of the face size."
    ),
    Param("lip_sync_correction", bool, True, None, None, "Estimate and remove a constant audio-video offset."),
    Param("smooth_motion", float, 0.5, 0.0, 1.0, "Temporal smoothing of mouth and head motion; 0 = none."),
)

BY_NAME = {p.name: p for p in PARAMS}


def defaults() -> dict[str, Any]:
    return {p.name: p.default for p in PARAMS if p.default is not None}


def with_defaults(params: dict[str, Any] | None) -> dict[str, Any]:
    merged = defaults()
    merged.update({k: v for k, v in (params or {}).items() if v is not None})
    return merged
