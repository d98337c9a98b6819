"""Encoding speed on this machine: SegmentEncoder fps, and concat+mux time.

    python benchmarks/encode_speed.py [--seconds 10]

Frames are made in Python and piped through SegmentEncoder as the renderer
would: a still portrait-like picture (smooth shading, fine texture) with a
mouth-sized region that changes every frame. Prints a table. Numbers are
noisy when other work shares the cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from media.encode.mux import concat_and_mux
from media.encode.timing import samples_for
from media.encode.video import SegmentEncoder
from media.encode.wav import write_wav
from media.tts.speech import SPEECH_SAMPLE_RATE

FPS = 25


def talking_head_frames(size: int, count: int):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:size, 0:size] / size
    base = np.stack([160 + 60 * x, 120 + 50 * y, 100 + 40 * (x * y)], axis=-1)
    base += rng.normal(0, 6, base.shape)  # skin/hair texture and sensor noise
    base = np.clip(base, 0, 255).astype(np.uint8)
    mouth_y, mouth_x, h, w = int(size * 0.68), int(size * 0.4), size // 10, size // 5
    for i in range(count):
        frame = base.copy()
        opening = int(h * (0.5 + 0.5 * np.sin(i * 0.9)))
        frame[mouth_y : mouth_y + opening, mouth_x : mouth_x + w] = (90, 30, 40)
        yield frame


def encode_fps(folder: Path, size: int, preset: str, frames: int) -> float:
    made = list(talking_head_frames(size, frames))  # made up front: time the encoder, not numpy
    start = time.perf_counter()
    with SegmentEncoder(folder / f"{size}-{preset}.mp4", size, size, FPS, preset=preset) as encoder:
        for frame in made:
            encoder.write(frame)
    return frames / (time.perf_counter() - start)


def concat_mux_seconds(folder: Path, total_s: int, segment_s: int = 10) -> float:
    segments = []
    for index in range(total_s // segment_s):
        path = folder / f"mux-seg{index}.mp4"
        with SegmentEncoder(path, 512, 512, FPS, preset="ultrafast") as encoder:
            for frame in talking_head_frames(512, segment_s * FPS):
                encoder.write(frame)
        segments.append(path)
    n_samples = samples_for(total_s * FPS, SPEECH_SAMPLE_RATE, FPS)
    t = np.arange(n_samples) / SPEECH_SAMPLE_RATE
    write_wav(folder / "speech.wav", 0.3 * np.sin(2 * np.pi * 180 * t) * (np.sin(t * 3) > 0), SPEECH_SAMPLE_RATE)
    start = time.perf_counter()
    concat_and_mux(segments, folder / "speech.wav", folder / "final.mp4")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10, help="video seconds per encode measurement")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="encode-bench-"))
    frames = args.seconds * FPS
    print(f"{'case':36} {'result':>12}")
    for size in (512, 1024):
        for preset in ("veryfast", "ultrafast"):
            fps = encode_fps(folder, size, preset, frames)
            print(f"{f'SegmentEncoder {size}² {preset}':36} {fps:9.1f} fps")
    print(f"{'concat + mux, 60 s (6 segments)':36} {concat_mux_seconds(folder, 60):10.2f} s")


if __name__ == "__main__":
    main()
