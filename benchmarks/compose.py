"""What a composed 1080p job costs against its floor, and what a 9:16 rendition adds.

    python benchmarks/compose.py [--fps 25]

Job: 1920×1080, the astronaut cut out (matting) on an image background, a
lower third and word captions, Piper speaking SCRIPT. Run whole, in this
process, as a worker runs it (``workers.pipeline.run_pipeline``: claim to
output, every stage — speech, matte, face render, compositing, watermarks,
encode, join, upload to local storage), each run on a fresh data folder so
nothing is cached (speech, matte). The floor is Piper speaking the same
script plus x264 veryfast encoding the job's own 1080p frames (decoded
beforehand, so only the encode is timed). Then the same job with a 9:16
rendition: its extra cost over the first. Real-time factors (seconds of work
per second of video) beside. Numbers are noisy when other work shares the cores.

Targets (issue 18): composed ≤ 1.3× the floor; a 9:16 rendition ≤ 0.5× the first cut.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCRIPT = ("Good evening. The council approved the new bridge tonight after three years of debate. "
          "Work starts in spring, and the first cars should cross it within two years.")


def background_png(width: int = 1920, height: int = 1080) -> bytes:
    y, x = np.mgrid[0:height, 0:width] / max(width, height)
    rgb = np.stack([40 + 80 * x, 60 + 60 * y, 110 + 90 * (1 - x)], axis=-1)
    out = io.BytesIO()
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()


def composed_job(renditions: list[dict]) -> dict:
    from tests.unit.compose.jobs import composition, scene

    lower_third = {"type": "text", "text": "Jane Doe · City reporter", "role": "lower_third", "start": 0.0, "end": None,
                   "font": None, "size": None, "color": None, "background_color": None, "position": None}
    main = scene(SCRIPT, character={"scale": 0.8, "offset": {"x": 0.45, "y": 0.1}, "matting": True},
                 background={"type": "image", "asset_id": "ast_background", "fit": "cover"}, overlays=[lower_third])
    return composition(1920, 1080, [main], captions={"burn_in": True, "style": "word"}, renditions=renditions)


def run(folder: Path, fps: int, renditions: list[dict]) -> tuple[float, dict, object]:
    from domain.config import Settings
    from domain.db import session_factory, upgrade
    from storage import open_storage
    from tests.unit.compose.jobs import Services, add_asset, new_tenant, run_job

    settings = Settings.from_env({}, data_dir=folder / "data", pools=("cpu",))
    upgrade(settings)
    services = Services(settings, session_factory(settings), open_storage(settings))
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_background", background_png(), "image", "image/png")
    started = time.perf_counter()
    output = run_job(services, tenant, composed_job(renditions), fps=fps, watermark=True)
    return time.perf_counter() - started, output, services


def piper_seconds(folder: Path) -> float:
    from domain.config import Settings
    from media.tts.sentences import split_sentences
    from media.tts.synthesize import synthesize_sentences
    from media.tts.voices import resolve_voice
    from storage import open_storage

    settings = Settings.from_env({}, data_dir=folder / "tts", pools=("cpu",))
    voice = resolve_voice("joe", "en", settings)
    started = time.perf_counter()
    synthesize_sentences(split_sentences(SCRIPT, "en"), voice, open_storage(settings))
    return time.perf_counter() - started


def x264_seconds(video: Path, folder: Path, fps: int) -> float:
    from media.encode.video import SegmentEncoder

    raw = folder / "frames.rgb"
    count = 0
    with av.open(str(video)) as container, raw.open("wb") as out:
        for frame in container.decode(container.streams.video[0]):
            out.write(frame.to_ndarray(format="rgb24").tobytes())
            count += 1
    frames = np.memmap(raw, dtype=np.uint8, mode="r", shape=(count, 1080, 1920, 3))
    started = time.perf_counter()
    with SegmentEncoder(folder / "floor.mp4", 1920, 1080, fps, preset="veryfast") as encoder:
        for frame in frames:
            encoder.write(np.asarray(frame))
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fps", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="talkfarm-bench-compose-") as tmp:
        root = Path(tmp)
        one, output, services = run(root / "one", args.fps, [])
        video = root / "one.mp4"
        services.storage.get_file(output["key"], video)
        duration = float(output["duration_s"])
        tts = piper_seconds(root)
        encode = x264_seconds(video, root, args.fps)
        vertical = [{"canvas": {"width": 1080, "height": 1920},
                     "character": {"style": "normal", "scale": 0.55, "offset": {"x": 0.0, "y": 0.3}, "matting": True,
                                   "circle_background": "#ffffff"}, "captions": None}]
        two, output2, services2 = run(root / "two", args.fps, vertical)
        floor = tts + encode
        rows = [
            ("Piper, same script", tts, None),
            ("x264 veryfast, same 1080p frames", encode, None),
            ("floor (Piper + x264)", floor, None),
            ("composed 16:9 job, submit to succeeded", one, one / floor),
            ("same job + 9:16 rendition", two, two / floor),
            ("the 9:16 rendition's own cost", two - one, (two - one) / one),
        ]
        print(f"video: {duration:.2f} s at {args.fps} fps, 1920x1080 (+ 1080x1920); with the rendition: "
              f"{services2.counting.prepares} face preparation and {services2.counting.renders} render calls "
              f"(one per segment) for {len(output2['renditions']) + 1} cuts")
        print("stages of the composed job (s):", ", ".join(f"{k} {v:.1f}" for k, v in services.timings.items() if v >= 0.1))
        print(f"{'what':<42} {'seconds':>8} {'RTF':>6} {'ratio':>7}  target")
        targets = {3: "<= 1.3x floor", 5: "<= 0.5x first cut"}
        for i, (name, seconds, ratio) in enumerate(rows):
            shown = f"{ratio:7.2f}" if ratio is not None else f"{'':>7}"
            print(f"{name:<42} {seconds:8.2f} {seconds / duration:6.2f} {shown}  {targets.get(i, '')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
