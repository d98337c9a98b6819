"""How well the invisible watermark survives what platforms do to videos.

Makes 10-second 512x512 25 fps clips from the pictures scikit-image ships
(the astronaut portrait first) with slow head-like motion, watermarks them,
encodes them as the farm does (H.264 yuv420p), applies each attack with the
ffmpeg imageio-ffmpeg ships, and prints per attack the share of clips whose
payload came back exactly. Then it runs detection on clips and segments that
were never watermarked and prints the false-positive rate, and times
embedding and detection.

    python benchmarks/watermark_robustness.py            # 8 clips per attack, 120 clean segments
    python benchmarks/watermark_robustness.py --quick    # 2 clips per attack, 100 clean segments
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import skimage
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workers.watermark.invisible import MIN_CONFIDENCE, InvisibleWatermark, Payload  # noqa: E402

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SIZE, FPS, SECONDS = 512, 25, 10
#: What the farm's encoder is assumed to produce before any attack.
FARM_ENCODE = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
PICTURES = ("astronaut", "chelsea", "coffee", "motorcycle_left", "camera", "horse", "rocket", "immunohistochemistry")
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]

ATTACKS: dict[str, tuple[list[str], str]] = {
    "farm output (CRF 20)": ([], ".mp4"),
    "H.264 CRF 23": ([*H264, "-crf", "23"], ".mp4"),
    "H.264 CRF 28": ([*H264, "-crf", "28"], ".mp4"),
    "H.264 CRF 32": ([*H264, "-crf", "32"], ".mp4"),
    "downscale 75% (CRF 23)": (["-vf", "scale=trunc(iw*0.75/2)*2:-2", *H264, "-crf", "23"], ".mp4"),
    "downscale 50% (CRF 23)": (["-vf", "scale=trunc(iw*0.5/2)*2:-2", *H264, "-crf", "23"], ".mp4"),
    "crop 10% each edge": (["-vf", "crop=trunc(iw*0.8/2)*2:trunc(ih*0.8/2)*2", *H264, "-crf", "23"], ".mp4"),
    "5 s cut from the middle": (["-ss", "2.5", "-t", "5", *H264, "-crf", "23"], ".mp4"),
    "30 fps": (["-vf", "fps=30", *H264, "-crf", "23"], ".mp4"),
    "VP9 (CRF 32)": (["-c:v", "libvpx-vp9", "-crf", "32", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8"], ".webm"),
}


def picture(name: str) -> Image.Image:
    path = Path(skimage.__file__).parent / "data" / f"{name}.png"
    if not path.exists():
        path = Path(skimage.__file__).parent / "data" / "astronaut.png"
    img = Image.open(path).convert("RGB")
    side = min(img.size)
    left, top = (img.width - side) // 2, (img.height - side) // 2
    return img.crop((left, top, left + side, top + side)).resize((SIZE + 64, SIZE + 64), Image.BICUBIC)


def moving_frames(name: str, seed: int, seconds: float = SECONDS):
    """Frames of a slow, head-like sway and zoom over the picture."""
    source = picture(name)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi, 3)
    for i in range(int(seconds * FPS)):
        t = i / FPS
        dx = 20 * np.sin(0.7 * t + phase[0])
        dy = 12 * np.sin(1.1 * t + phase[1])
        zoom = 1.0 + 0.03 * np.sin(0.5 * t + phase[2])
        cx, cy = source.width / 2 + dx, source.height / 2 + dy
        half = SIZE / 2 / zoom
        box = (cx - half, cy - half, cx + half, cy + half)
        yield np.asarray(source.transform((SIZE, SIZE), Image.EXTENT, box, Image.BILINEAR))


def encode(frames, path: Path, *, fps: int = FPS) -> None:
    cmd = [FFMPEG, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{SIZE}x{SIZE}", "-r", str(fps), "-i", "-", *FARM_ENCODE, str(path)]
    with subprocess.Popen(cmd, stdin=subprocess.PIPE) as proc:
        for frame in frames:
            proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        proc.stdin.close()
        if proc.wait():
            raise RuntimeError(f"ffmpeg failed writing {path}")


def attack(src: Path, args: list[str], dest: Path) -> Path:
    if not args:
        return src
    subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-i", str(src), *args, "-an", str(dest)], check=True)
    return dest


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse)) if mse else float("inf")


def run(trials: int, clean_segments: int, workdir: Path) -> None:
    key = "benchmark-key"
    marker = InvisibleWatermark(key)
    recovered = {name: 0 for name in ATTACKS}
    scores = {name: [] for name in ATTACKS}
    psnrs, embed_ms = [], []
    for trial in range(trials):
        payload = Payload(job_code=(0x9E3779B97F4A * (trial + 1)) % (1 << 48), tenant_code=(trial * 7919) % 65536)
        embedder = marker.embedder(payload, SIZE, SIZE, FPS)
        name = PICTURES[trial % len(PICTURES)]

        def marked():
            for i, frame in enumerate(moving_frames(name, seed=trial)):
                start = time.perf_counter()
                out = embedder.apply(frame, i)
                embed_ms.append((time.perf_counter() - start) * 1e3)
                if i % 50 == 0:
                    psnrs.append(psnr(frame, out))
                yield out

        source = workdir / f"marked-{trial}.mp4"
        encode(marked(), source)
        for attack_name, (args, suffix) in ATTACKS.items():
            attacked = attack(source, args, workdir / f"attacked-{trial}{suffix}")
            detection = marker.detect(attacked)
            recovered[attack_name] += detection.found and detection.payload == payload
            scores[attack_name].append(detection.sync_score)
            print(f"  trial {trial} {name:>22} {attack_name:<26} found={detection.found!s:<5} "
                  f"exact={detection.payload == payload!s:<5} sync={detection.sync_score:5.1f} "
                  f"conf={detection.confidence:.2f}", file=sys.stderr)

    print(f"\nInvisible watermark robustness: {trials} clips of {SECONDS} s, {SIZE}x{SIZE} {FPS} fps per attack\n")
    print(f"| attack | recovered exactly | median sync score |")
    print(f"| --- | --- | --- |")
    for attack_name in ATTACKS:
        print(f"| {attack_name} | {recovered[attack_name]}/{trials} ({recovered[attack_name] / trials:.0%}) "
              f"| {np.median(scores[attack_name]):.1f} |")

    false_positives, tried, clean_scores, clean_confidences = false_positive_run(marker, clean_segments, workdir)
    print(f"\nFalse positives on never-watermarked video: {false_positives}/{tried} "
          f"(highest sync score {max(clean_scores):.1f}, highest confidence {max(clean_confidences):.2f}; "
          f"a payload needs its CRC-16 and confidence >= {MIN_CONFIDENCE})")
    print(f"PSNR of watermarked frames: min {min(psnrs):.2f} dB, median {np.median(psnrs):.2f} dB")
    print(f"Embed cost per 512x512 frame: median {np.median(embed_ms):.2f} ms, p95 {np.percentile(embed_ms, 95):.2f} ms")
    print(f"Embed cost per 1024x1024 frame: median {embed_cost_ms(marker, 1024):.2f} ms")
    print(f"Detection on a 60 s 512x512 clip: {detection_time_s(marker, workdir):.2f} s")


def false_positive_run(marker: InvisibleWatermark, segments: int, workdir: Path):
    """Clean clips, cut into 2-second segments, each tried whole and as a 50% downscale."""
    false_positives = tried = 0
    clean_scores: list[float] = []
    clean_confidences: list[float] = []
    clip = 0
    while tried < segments:
        name = PICTURES[clip % len(PICTURES)]
        clean = workdir / f"clean-{clip}.mp4"
        encode(moving_frames(name, seed=1000 + clip), clean)
        for variant_args in ([], ["-vf", "scale=trunc(iw*0.5/2)*2:-2", *H264, "-crf", "23"]):
            video = attack(clean, variant_args, workdir / f"clean-{clip}-variant.mp4")
            for start in range(0, SECONDS, 2):
                segment = workdir / f"clean-{clip}-segment.mp4"
                subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-ss", str(start), "-t", "2", "-i", str(video),
                                *H264, "-crf", "23", str(segment)], check=True)
                detection = marker.detect(segment)
                false_positives += detection.found
                clean_scores.append(detection.sync_score)
                clean_confidences.append(detection.confidence)
                tried += 1
        clip += 1
    return false_positives, tried, clean_scores, clean_confidences


def embed_cost_ms(marker: InvisibleWatermark, side: int) -> float:
    frame = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
    embedder = marker.embedder(Payload(1, 1), side, side, FPS)
    times = []
    for i in range(100):
        start = time.perf_counter()
        embedder.apply(frame, i)
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def detection_time_s(marker: InvisibleWatermark, workdir: Path) -> float:
    embedder = marker.embedder(Payload(5, 5), SIZE, SIZE, FPS)
    long_clip = workdir / "long.mp4"
    encode((embedder.apply(f) for f in moving_frames("astronaut", seed=5, seconds=60)), long_clip)
    start = time.perf_counter()
    marker.detect(long_clip)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 clips per attack")
    parser.add_argument("--trials", type=int, help="clips per attack (default 8, or 2 with --quick)")
    parser.add_argument("--clean", type=int, default=100, help="never-watermarked segments to try (at least 100)")
    args = parser.parse_args()
    trials = args.trials or (2 if args.quick else 8)
    with tempfile.TemporaryDirectory(prefix="wm-bench-") as tmp:
        run(trials, max(args.clean, 1), Path(tmp))


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    main()
