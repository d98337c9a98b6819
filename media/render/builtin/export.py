"""Export the built-in model to ONNX: ``python -m media.render.builtin.export [PATH]``.

Run after changing ``media/render/builtin/model.py`` and commit the result
(``media/render/builtin/builtin_lipsync.onnx``); the unit tests check that the
committed file still computes what the torch definition does.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import onnx
import torch

from media.render import controls as ctl
from media.render.builtin import MODEL_PATH
from media.render.builtin.model import MouthMotion

BUILTIN_PATH = MODEL_PATH
OPSET = 17


def example_controls(n: int = 2) -> torch.Tensor:
    values = {
        "jaw": 0.6,
        "width": 0.2,
        "close": 0.0,
        "tuck": 0.0,
        "tongue": 0.3,
        "teeth": 0.5,
        "mouth_x": 96.0,
        "mouth_y": 70.0,
        "cos_roll": 1.0,
        "sin_roll": 0.0,
        "half_width": 40.0,
        "lower_curve": -0.004,
        "rest_gap": 3.0,
        "upper_teeth": 2.0,
        "own_teeth": 0.0,
        "chin": 70.0,
        "jaw_curve": 0.004,
        "chin_falloff": 25.0,
        "nose": -35.0,
        "hinge_reach": 110.0,
        "lip_band": 30.0,
        "grid_step": 4.0,
    }
    row = torch.tensor([values[name] for name in ctl.CONTROL_NAMES], dtype=torch.float32)
    return row.repeat(n, 1)


def export_builtin() -> bytes:
    """The built-in model as ONNX bytes (deterministic for a given torch version)."""
    buffer = io.BytesIO()
    torch.onnx.export(
        MouthMotion().eval(),
        (example_controls(),),
        buffer,  # type: ignore[arg-type]  # the TorchScript exporter (dynamo=False) writes to a file object; torch annotates paths only
        input_names=["controls"],
        output_names=["fields"],
        dynamic_axes={"controls": {0: "frames"}, "fields": {0: "frames"}},
        opset_version=OPSET,
        dynamo=False,
    )
    model = onnx.load_from_string(buffer.getvalue())
    model.producer_name = "talkfarm"
    model.doc_string = "talkfarm built-in lip-sync motion model; see media/render/builtin/model.py"
    onnx.checker.check_model(model)
    serialized: bytes = model.SerializeToString()
    return serialized


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=BUILTIN_PATH)
    args = parser.parse_args()
    data = export_builtin()
    args.path.write_bytes(data)
    print(f"wrote {args.path} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
