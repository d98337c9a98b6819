"""What the face_crop adapter itself costs per frame, apart from the operator's model.

    python benchmarks/face_crop_adapter.py [--seconds 4] [--side 256]

Exports a stand-in of the face_crop contract (docs/adapters.md) that returns
its reference face (so the model's own cost is close to nothing), renders
synthetic speech on the astronaut at 512² with one onnxruntime and one OpenCV
thread, and splits each frame's CPU time into the model call and the rest:
log-mel features, the crop, the paste, the head pose. The built-in model on the
same clip is the yardstick. A real MuseTalk-shaped model adds its own cost on
top of the "adapter" column; this says how much of a frame's budget is left
for it. Needs torch (a development dependency) for the export.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from domain.config import Settings  # noqa: E402
from domain.presets import PRESETS  # noqa: E402
from media.render import quality  # noqa: E402
from media.render.batcher import DirectRunner  # noqa: E402
from media.render.face import analyze_portrait  # noqa: E402
from media.render.renderer import Renderer  # noqa: E402

SR = 16000
PARAMS = {"resolution": 512, "motion_scale": 1.0, "lip_sync_correction": False}


class TimedRunner(DirectRunner):
    def __init__(self) -> None:
        self.model_s = 0.0

    def run(self, key, model, feeds):
        started = time.process_time()
        try:
            return super().run(key, model, feeds)
        finally:
            self.model_s += time.process_time() - started


def export_stand_in(folder: Path, side: int) -> Path:
    import torch

    class Reference(torch.nn.Module):
        def forward(self, audio, masked_face, reference_face):
            return reference_face + 0.0 * (audio.mean() + masked_face.mean())

    path = folder / "stand_in.onnx"
    names = ["audio", "masked_face", "reference_face"]
    torch.onnx.export(
        Reference(),
        (torch.zeros(2, 80, 20), torch.zeros(2, 3, side, side), torch.zeros(2, 3, side, side)),
        str(path),
        input_names=names,
        output_names=["face"],
        dynamic_axes={n: {0: "n"} for n in names + ["face"]},
        opset_version=17,
        dynamo=False,
    )
    return path


def measure(renderer: Renderer, audio: np.ndarray) -> dict[str, float]:
    runner = TimedRunner()
    renderer.runner = runner
    data = PRESETS["astronaut"].read_bytes()
    prepared = renderer.prepare(data, analyze_portrait(data), PARAMS)
    list(renderer.render(prepared, audio[:SR], SR, PARAMS))  # warm
    runner.model_s = 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    frames = sum(1 for _ in renderer.render(prepared, audio, SR, PARAMS))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "frames": frames,
        "fps": frames / wall,
        "cpu_ms": 1000 * cpu / frames,
        "model_ms": 1000 * runner.model_s / frames,
        "adapter_ms": 1000 * (cpu - runner.model_s) / frames,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--side", type=int, default=256)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    speech, _ = quality.synthetic_speech(SR)
    speech = np.asarray(speech, np.float32)
    audio = np.tile(speech, int(np.ceil(args.seconds * SR / len(speech))))[: int(args.seconds * SR)]
    with tempfile.TemporaryDirectory() as tmp:
        path = export_stand_in(Path(tmp), args.side)
        settings = Settings.from_env(
            {
                "TALKFARM_MODELS": json.dumps(
                    [{"name": "stand-in", "path": str(path), "adapter": "face_crop", "pools": ["cpu"]}]
                )
            }
        )
        rows = [
            ("builtin", measure(Renderer.for_model("builtin", settings=settings), audio)),
            (f"face_crop stand-in, S={args.side}", measure(Renderer.for_model("stand-in", settings=settings), audio)),
        ]
    print(f"512², 25 fps, {args.seconds:g} s of synthetic speech, 1 thread; ms are CPU per frame")
    print("| model | frames | frames/s (wall) | CPU ms/frame | model call ms | adapter + frame ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in rows:
        print(
            f"| {name} | {r['frames']} | {r['fps']:.0f} | {r['cpu_ms']:.2f} | {r['model_ms']:.2f} | {r['adapter_ms']:.2f} |"
        )


if __name__ == "__main__":
    main()
