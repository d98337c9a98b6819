"""Peak memory of reading a clip's invisible watermark (what POST /v1/verify
runs), by clip resolution: the detector is bounded in frames and in size, so
its memory should not grow with the clip.

    .venv/bin/python benchmarks/verify_memory.py [--sides 512 2048 4096] [--frames 150]

Each clip is a watermarked still portrait (H.264, 25 fps, longer than the
detector reads). Each detection runs in a fresh process, whose RSS high-water
mark (``VmHWM`` in /proc/self/status: unlike ``ru_maxrss`` it starts afresh at
exec, so the parent that made the clip does not count) is the figure; the baseline is the same process importing
everything and decoding nothing. ``--unbounded`` also runs the detector with
the size bound lifted, as it was before (4096² is skipped there: it needs
several GiB).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

KEY = "verify-memory-benchmark-key"
FPS = 25


def make_clip(side: int, frames: int, path: Path) -> Path:
    import imageio_ffmpeg
    from PIL import Image

    from domain.presets import preset_path
    from media.watermark.invisible import InvisibleWatermark, Payload

    portrait = Image.open(preset_path("astronaut")).convert("RGB").resize((side, side), Image.BICUBIC)
    marked = (
        InvisibleWatermark(KEY)
        .embedder(Payload(job_code=123456789, tenant_code=42), side, side)
        .apply(np.asarray(portrait))
    )
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{side}x{side}",
        "-r",
        str(FPS),
        "-i",
        "-",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",
        str(path),
    ]
    with subprocess.Popen(cmd, stdin=subprocess.PIPE) as ffmpeg:
        for _ in range(frames):
            ffmpeg.stdin.write(marked.tobytes())
        ffmpeg.stdin.close()
        ffmpeg.wait()
    return path


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _measure(path: str, unbounded: bool, baseline: bool) -> None:
    """Child process: detect (or only import) and print JSON with the RSS high-water mark."""
    from media.watermark.invisible import DETECT_MAX_FRAMES, DETECT_MAX_SIDE, InvisibleWatermark

    started = time.perf_counter()
    result = {}
    if not baseline:
        detection = InvisibleWatermark(KEY).detect(
            path, max_side=None if unbounded else DETECT_MAX_SIDE, max_frames=DETECT_MAX_FRAMES
        )
        result = {
            "found": detection.found,
            "payload_ok": bool(detection.payload and detection.payload.job_code == 123456789),
            "frames": detection.frames_used,
            "confidence": round(detection.confidence, 3),
        }
    result.update(seconds=round(time.perf_counter() - started, 2), peak_mib=round(_peak_rss_mib(), 1))
    print(json.dumps(result))


def measure(path: Path | None, unbounded: bool = False) -> dict:
    args = [sys.executable, __file__, "--child", str(path or ""), *(["--unbounded"] if unbounded else [])]
    if path is None:
        args.append("--baseline")
    out = subprocess.run(args, capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sides", type=int, nargs="+", default=[512, 2048, 4096])
    parser.add_argument("--frames", type=int, default=150, help="frames in each clip (the detector reads fewer)")
    parser.add_argument("--unbounded", action="store_true", help="also run without the size bound (not 4096²)")
    parser.add_argument("--child")
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    if args.child is not None:
        _measure(args.child, args.unbounded, args.baseline)
        return

    from media.watermark.invisible import DETECT_MAX_FRAME_PIXELS, DETECT_MAX_FRAMES, DETECT_MAX_SIDE

    base = measure(None)
    print(
        f"detector bounds: {DETECT_MAX_FRAMES} frames, luma at most {DETECT_MAX_SIDE} px a side, "
        f"frames over {DETECT_MAX_FRAME_PIXELS} px refused; clips of {args.frames} frames at {FPS} fps"
    )
    print(f"baseline (imports only): peak RSS {base['peak_mib']} MiB\n")
    print("| clip | file MiB | mode | peak RSS MiB | over baseline MiB | seconds | frames read | payload read |")
    print("| ---- | -------: | ---- | -----------: | ----------------: | ------: | ----------: | ------------ |")
    with tempfile.TemporaryDirectory(prefix="verify-memory-") as tmp:
        for side in args.sides:
            clip = make_clip(side, args.frames, Path(tmp) / f"clip-{side}.mp4")
            size_mib = clip.stat().st_size / 2**20
            modes = [("bounded", False)] + ([("unbounded", True)] if args.unbounded and side < 4096 else [])
            for mode, unbounded in modes:
                r = measure(clip, unbounded)
                if "error" in r:
                    print(f"| {side}² | {size_mib:.1f} | {mode} | error: {r['error']} | | | | |")
                    continue
                print(
                    f"| {side}² | {size_mib:.1f} | {mode} | {r['peak_mib']:.0f} | {r['peak_mib'] - base['peak_mib']:.0f} "
                    f"| {r['seconds']:.1f} | {r['frames']} | {'yes' if r['payload_ok'] else 'NO'} |",
                    flush=True,
                )
            clip.unlink()


if __name__ == "__main__":
    main()
