"""What the cut-out presenter's body costs: once per scene and cut, and per frame.

    python benchmarks/presenter_body.py [--repeat 40]

On a 1920×1080 canvas with the astronaut at scale 0.8 (an 864-pixel square):
the head's pose applied to the whole square (today's square jobs) against the
neck taper (a presenter with a body); drawing the body (once per scene and
cut); and a composed frame on a colour background (the body drawn into it once)
and on a video background (the body blended per frame), each against the same
frame without a body. CPU milliseconds (process time), one thread.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_ms(repeat: int, *runs: Callable[[], object]) -> list[float]:
    """CPU milliseconds per call of each run, the best of three rounds; the runs take turns within a round, so
    none is favoured by going first (the allocator's state, caches) and a shared machine's other work only adds."""
    for run in runs:
        run()
    best = [float("inf")] * len(runs)
    for _ in range(3):
        for n, run in enumerate(runs):
            t = time.process_time()
            for _ in range(repeat):
                run()
            best[n] = min(best[n], (time.process_time() - t) * 1000.0 / repeat)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    import cv2

    cv2.setNumThreads(1)
    from domain.params import with_defaults
    from media.compose import Background, PhotoPerson, SceneCompositor, portrait_matte, presenter_body, presenter_box
    from media.compose.background import solid
    from media.render import Renderer, analyze_portrait, decode_portrait
    from media.render.motion import BODY_SWAY, head_pose, pose_frame

    width, height = 1920, 1080
    image = (ROOT / "domain/presets/portraits/astronaut.png").read_bytes()
    rgb = decode_portrait(image)
    matte = portrait_matte(rgb)
    box = presenter_box({"scale": 0.8, "offset": {"x": 0.4, "y": 0.2}, "style": "normal"}, width, height)
    params = with_defaults({"resolution": box.side, "fps": 25})
    renderer = Renderer.for_model("builtin")
    info = analyze_portrait(image).to_dict()
    square = renderer.prepare(image, info, params, matte=matte)
    body = renderer.prepare(image, info, params, matte=matte, still_body=True)
    f = body.framing
    person = PhotoPerson(rgb, matte, (f.left, f.top, f.side))
    pose = head_pose(40, 25, box.side, 1.0, 0.5)
    body_pose = head_pose(40, 25, box.side, BODY_SWAY, 0.5)
    face = pose_frame(body.canvas, body_pose, f.margin, f.resolution, body.pivot, True, body.taper)
    video = np.stack([solid(c, width, height).frame(0) for c in ("#202020", "#404040")])

    def frame_costs(background: Background) -> list[float]:
        plain, with_body = (
            SceneCompositor(width, height, background, box, True, person=given) for given in (None, person)
        )
        return cpu_ms(args.repeat, lambda: plain.compose(face, 0.0, 1), lambda: with_body.compose(face, 0.0, 1))

    poses = cpu_ms(
        args.repeat,
        lambda: pose_frame(square.canvas, pose, f.margin, f.resolution, square.pivot, True),
        lambda: pose_frame(body.canvas, body_pose, f.margin, f.resolution, body.pivot, True, body.taper),
    )
    rows = [
        ("pose the square (whole square / neck taper)", *poses),
        ("draw the body, once per scene and cut", 0.0, *cpu_ms(3, lambda: presenter_body(person, box, width, height))),
        ("compose a frame, colour background", *frame_costs(solid("#0f766e", width, height))),
        ("compose a frame, video background", *frame_costs(Background(None, video))),
    ]
    print(f"canvas {width}x{height}, square {box.side} px; CPU ms, one thread")
    print(f"| {'step':<46} | without body | with body |")
    print(f"| {'-' * 46} | -----------: | --------: |")
    for name, without, with_body in rows:
        print(f"| {name:<46} | {without:12.1f} | {with_body:9.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
