"""How well the invisible watermark survives what platforms do to videos.

Two kinds of clip, each at least 10 s of 512x512 at 25 fps:

- farm clips: what the farm really ships. A preset portrait lip-synced by
  the built-in renderer to Piper speech, with the visible "AI-generated"
  label, converted to yuv420p and watermarked on its luma plane as a job's
  frames are (``--rgb``: marked on R, G and B and converted by ffmpeg, as
  square jobs were before 2026-12-06), encoded by the farm's own
  ``SegmentEncoder`` (x264 veryfast, CRF 20, yuv420p, 2 s GOPs) and muxed
  with the speech as AAC by ``concat_and_mux``;
- moving pictures: a stress test well beyond the farm's output. A picture
  scikit-image ships, swaying by ±20 px and zooming by ±3% (a re-encoder's
  motion compensation drags a static pattern along with such motion).

Each watermarked clip goes through every attack below (ffmpeg from
imageio-ffmpeg) and is read back; the table gives per attack the share of
clips whose payload came back exactly. Then the never-watermarked version of
every clip (whole, and cut into 2 s segments, each also downscaled to 50%)
and every attacked clip read under a wrong key are tried for false
positives. Last, PSNR and the cost of embedding and detecting.

    python benchmarks/watermark_robustness.py          # 8 farm clips + 6 moving pictures
    python benchmarks/watermark_robustness.py --quick  # 2 farm clips + 1 moving picture
    python benchmarks/watermark_robustness.py --rgb    # the payload on R, G and B, RGB to the encoder

Timings are wall-clock on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import skimage
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.encode import LUMA_SCALE, luma_plane, rgb_to_yuv420  # noqa: E402
from media.encode.ffmpeg_binary import ffmpeg_exe  # noqa: E402
from media.watermark.invisible import MIN_CONFIDENCE, InvisibleWatermark, Payload  # noqa: E402

SIZE, FPS = 512, 25
KEY, WRONG_KEY = "benchmark-key", "some-other-key"
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
#: name -> (ffmpeg output options, file suffix); "-an" is added to each.
ATTACKS: dict[str, tuple[list[str], str]] = {
    "farm output as shipped": ([], ".mp4"),
    "H.264 CRF 23": ([*H264, "-crf", "23"], ".mp4"),
    "H.264 CRF 28": ([*H264, "-crf", "28"], ".mp4"),
    "H.264 CRF 32": ([*H264, "-crf", "32"], ".mp4"),
    "downscale 75% (CRF 23)": (["-vf", "scale=trunc(iw*0.75/2)*2:-2", *H264, "-crf", "23"], ".mp4"),
    "downscale 50% (CRF 23)": (["-vf", "scale=trunc(iw*0.5/2)*2:-2", *H264, "-crf", "23"], ".mp4"),
    "crop 10% off each edge": (["-vf", "crop=trunc(iw*0.8/2)*2:trunc(ih*0.8/2)*2", *H264, "-crf", "23"], ".mp4"),
    "middle 5 s cut out": (["-ss", "2.5", "-t", "5", *H264, "-crf", "23"], ".mp4"),
    "30 fps": (["-vf", "fps=30", *H264, "-crf", "23"], ".mp4"),
    "VP9 (CRF 32)": (
        ["-c:v", "libvpx-vp9", "-crf", "32", "-b:v", "0", "-deadline", "realtime", "-cpu-used", "8"],
        ".webm",
    ),
}
HALF_SIZE = ["-vf", "scale=trunc(iw*0.5/2)*2:-2", *H264, "-crf", "23"]

#: (preset, script): each script is read in about 11-14 s.
FARM_CLIPS = [
    (
        "astronaut",
        "The quarterly figures came in well above what analysts had expected this spring. Our correspondent "
        "in the capital says the new rules take effect on the first of next month, and most businesses "
        "say they are ready.",
    ),
    (
        "cameraman",
        "Good evening, and welcome to the programme. Tonight we look at how small towns are rebuilding their "
        "high streets after a difficult decade, and at what that means for the people who live there.",
    ),
    (
        "astronaut_wide",
        "Storms are expected along the northern coast from Thursday. Residents are advised to secure "
        "loose objects, to avoid unnecessary travel, and to check the latest updates before setting out.",
    ),
    (
        "astronaut_offcentre",
        "In sport, the home side held on for a narrow win after a tense second half. The coach "
        "praised the defence and said the team would rest several players before the cup match.",
    ),
    (
        "cameraman",
        "Scientists have mapped the oldest known forest, whose fossil roots were found in a quarry. They say "
        "the trees changed the planet's climate by drawing carbon out of the air over millions of years.",
    ),
    (
        "astronaut",
        "The city council has approved a plan to plant ten thousand trees over the next five years. Most will "
        "line the busiest roads, where the summer heat and the noise are hardest to bear.",
    ),
    (
        "astronaut_offcentre",
        "Train services between the two cities will be reduced this weekend while engineers replace "
        "a bridge. Passengers should allow extra time, and replacement buses will run every hour.",
    ),
    (
        "astronaut_wide",
        "A new exhibition opens at the national gallery on Friday, bringing together paintings that have "
        "not been seen side by side for more than a century. Tickets are free for students.",
    ),
]
MOVING_PICTURES = ("chelsea", "coffee", "motorcycle_left", "ihc", "grass", "camera")


@dataclass
class Clip:
    """A clip's source: frames on demand (rendered again each call), and its speech if any."""

    kind: str  # "farm" or "moving"
    name: str
    frames: Callable[[], Iterator[np.ndarray]]
    speech: tuple[np.ndarray, int] | None


# --- sources -------------------------------------------------------------------


class FarmRenderer:
    """The farm's own stages, without any services: Piper speech, the built-in
    renderer and the visible label, all as the pipeline configures them."""

    def __init__(self):
        from domain.config import Settings
        from domain.params import with_defaults
        from media.render.renderer import Renderer
        from media.tts.voices import resolve_voice
        from media.watermark.visible import VisibleWatermark

        settings = Settings.from_env()
        self.params = with_defaults({"resolution": SIZE, "fps": FPS})
        self.renderer = Renderer.for_model("builtin")
        self.voice = resolve_voice(None, "en", settings)
        self.label = VisibleWatermark(
            text=settings.watermark_text, position=settings.watermark_position, opacity=settings.watermark_opacity
        ).overlay_for(SIZE, SIZE)
        self._prepared: dict[tuple[str, int], object] = {}

    def speech(self, script: str) -> tuple[np.ndarray, int]:
        from media.encode.timing import pad_to_frames
        from media.tts.sentences import split_sentences
        from media.tts.synthesize import synthesize_sentences

        speech = synthesize_sentences(split_sentences(script), self.voice, None)
        padded, _ = pad_to_frames(speech.samples, speech.sample_rate, FPS)
        return padded, speech.sample_rate

    def prepared(self, preset: str, resolution: int = SIZE):
        from domain.params import with_defaults
        from domain.presets import preset_path
        from media.render.face import analyze_portrait

        if (preset, resolution) not in self._prepared:
            image = preset_path(preset).read_bytes()
            params = with_defaults({"resolution": resolution, "fps": FPS})
            self._prepared[preset, resolution] = self.renderer.prepare(image, analyze_portrait(image).to_dict(), params)
        return self._prepared[preset, resolution]

    def clip(self, preset: str, script: str) -> Clip:
        samples, rate = self.speech(script)
        prepared = self.prepared(preset)

        def frames():
            for frame in self.renderer.render(prepared, samples, rate, self.params, 0):
                yield self.label.apply(frame)

        return Clip("farm", preset, frames, (samples, rate))


def picture(name: str) -> Image.Image:
    path = Path(skimage.__file__).parent / "data" / f"{name}.png"
    img = Image.open(path).convert("RGB")
    side = min(img.size)
    left, top = (img.width - side) // 2, (img.height - side) // 2
    return img.crop((left, top, left + side, top + side)).resize((SIZE + 64, SIZE + 64), Image.BICUBIC)


def moving_clip(name: str, seed: int, seconds: float = 10.0) -> Clip:
    """A slow sway (±20 px) and zoom (±3%) over a picture."""

    def frames():
        source = picture(name)
        phase = np.random.default_rng(seed).uniform(0, 2 * np.pi, 3)
        for i in range(int(seconds * FPS)):
            t = i / FPS
            dx = 20 * np.sin(0.7 * t + phase[0])
            dy = 12 * np.sin(1.1 * t + phase[1])
            zoom = 1.0 + 0.03 * np.sin(0.5 * t + phase[2])
            cx, cy = source.width / 2 + dx, source.height / 2 + dy
            half = SIZE / 2 / zoom
            yield np.asarray(
                source.transform(
                    (SIZE, SIZE), Image.EXTENT, (cx - half, cy - half, cx + half, cy + half), Image.BILINEAR
                )
            )

    return Clip("moving", name, frames, None)


# --- marking, encoding and attacks ------------------------------------------------

#: set by --rgb: mark R, G and B and give the encoder RGB, as square jobs did before
MARK_RGB = False


def mark(embedder, frame: np.ndarray, index: int) -> np.ndarray:
    """The frame as the farm gives it to its encoder, payload in: yuv420p planes marked on the luma (``--rgb``:
    RGB marked on all three channels)."""
    if MARK_RGB:
        return embedder.apply(frame, index)
    planes = rgb_to_yuv420(frame)
    embedder.apply_to_luma(frame, luma_plane(planes), LUMA_SCALE)
    return planes


def unmarked(frame: np.ndarray) -> np.ndarray:
    """What ``mark`` gives without the payload: the reference for PSNR."""
    return frame if MARK_RGB else rgb_to_yuv420(frame)


def ship(frames: Iterator[np.ndarray], speech: tuple[np.ndarray, int] | None, dest: Path) -> Path:
    """Encode as the farm does: one segment by SegmentEncoder, then muxed with AAC speech."""
    from media.encode.mux import concat_and_mux
    from media.encode.video import SegmentEncoder
    from media.encode.wav import write_wav

    segment = dest.with_name(dest.stem + "-segment.mp4")
    frames = iter(frames)
    first = next(frames)
    input_format = "yuv420p" if first.ndim == 2 else "rgb24"
    with SegmentEncoder(segment, SIZE, SIZE, FPS, input_format=input_format) as encoder:
        encoder.write(first)
        for frame in frames:
            encoder.write(frame)
    if speech is None:
        os.replace(segment, dest)
        return dest
    wav = dest.with_suffix(".wav")
    write_wav(wav, *speech)
    concat_and_mux([segment], wav, dest)
    segment.unlink()
    wav.unlink()
    return dest


def ffmpeg(src: Path, args: list[str], dest: Path, *, before_input: list[str] = ()) -> Path:
    subprocess.run(
        [ffmpeg_exe(), "-y", "-loglevel", "error", *before_input, "-i", str(src), *args, "-an", str(dest)], check=True
    )
    return dest


def attack(src: Path, name: str, workdir: Path) -> Path:
    args, suffix = ATTACKS[name]
    return src if not args else ffmpeg(src, args, workdir / f"attacked{suffix}")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse)) if mse else float("inf")


# --- the run -------------------------------------------------------------------


@dataclass
class Tally:
    recovered: int = 0
    tried: int = 0
    confidences: list[float] = None

    def __post_init__(self):
        self.confidences = []


def run(farm_trials: int, moving_trials: int, min_clean: int, workdir: Path) -> None:
    marker, wrong = InvisibleWatermark(KEY), InvisibleWatermark(WRONG_KEY)
    farm = FarmRenderer() if farm_trials else None
    clips = [farm.clip(*FARM_CLIPS[i % len(FARM_CLIPS)]) for i in range(farm_trials)]
    clips += [moving_clip(MOVING_PICTURES[i % len(MOVING_PICTURES)], seed=i) for i in range(moving_trials)]
    tallies = {(kind, name): Tally() for kind in ("farm", "moving") for name in ATTACKS}
    psnrs: list[float] = []
    embed_ms: list[float] = []
    seconds: list[float] = []
    clean = CleanTries()

    for trial, clip in enumerate(clips):
        payload = Payload(job_code=(0x9E3779B97F4A * (trial + 1)) % (1 << 48), tenant_code=(trial * 7919) % 65536)
        embedder = marker.embedder(payload, SIZE, SIZE, FPS)

        def marked(clip, embedder):
            for i, frame in enumerate(clip.frames()):
                start = time.perf_counter()
                out = mark(embedder, frame, i)
                embed_ms.append((time.perf_counter() - start) * 1e3)
                if i % 10 == 0:
                    psnrs.append(psnr(unmarked(frame), out))
                yield out

        source = ship(marked(clip, embedder), clip.speech, workdir / "marked.mp4")
        never_marked = ship(clip.frames(), clip.speech, workdir / "clean.mp4")
        seconds.append(clean.duration(never_marked))
        for attack_name in ATTACKS:
            attacked = attack(source, attack_name, workdir)
            detection = marker.detect(attacked)
            exact = detection.found and detection.payload == payload
            tally = tallies[clip.kind, attack_name]
            tally.tried += 1
            tally.recovered += exact
            tally.confidences.append(detection.confidence)
            clean.record(wrong.detect(attacked), f"wrong key on {attack_name}")
            print(
                f"  {trial:2d} {clip.kind:6s} {clip.name:20s} {attack_name:24s} exact={exact!s:5} "
                f"conf={detection.confidence:.2f} sync={detection.sync_score:5.1f} {' '.join(detection.notes)}",
                file=sys.stderr,
                flush=True,
            )
        clean.try_clean_clip(marker, never_marked, workdir)

    while clean.clean_tries < min_clean:
        extra = moving_clip(MOVING_PICTURES[clean.extra_clips % len(MOVING_PICTURES)], seed=1000 + clean.extra_clips)
        clean.extra_clips += 1
        clean.try_clean_clip(marker, ship(extra.frames(), None, workdir / "clean.mp4"), workdir)

    farm_n, moving_n = farm_trials, moving_trials
    print(
        f"\nInvisible watermark robustness: {farm_n} farm clips and {moving_n} moving pictures, "
        f"{min(seconds):.1f}-{max(seconds):.1f} s of {SIZE}x{SIZE} at {FPS} fps\n"
    )
    print(
        "| attack | farm clips recovered exactly | moving pictures recovered exactly | lowest confidence (farm / moving) |"
    )
    print("| --- | --- | --- | --- |")
    for attack_name in ATTACKS:
        cells = []
        for kind in ("farm", "moving"):
            tally = tallies[kind, attack_name]
            cells.append(
                f"{tally.recovered}/{tally.tried} ({tally.recovered / tally.tried:.0%})" if tally.tried else "-"
            )
        lows = [
            f"{min(tallies[k, attack_name].confidences):.2f}" if tallies[k, attack_name].tried else "-"
            for k in ("farm", "moving")
        ]
        print(f"| {attack_name} | {cells[0]} | {cells[1]} | {' / '.join(lows)} |")

    print(
        f"\nFalse positives: {clean.false_clean}/{clean.clean_tries} never-watermarked clips and segments, "
        f"{clean.false_wrong_key}/{clean.wrong_key_tries} attacked clips read with a wrong key "
        f"(highest confidence {max(clean.confidences):.2f}; a payload needs its CRC-16 and confidence >= {MIN_CONFIDENCE})"
    )
    marked_as = "RGB, marked on R, G and B" if MARK_RGB else "yuv420p planes, marked on luma, conversion included"
    print(f"Frames given to the encoder as {marked_as}")
    print(f"PSNR of watermarked vs unwatermarked frames: min {min(psnrs):.2f} dB, median {np.median(psnrs):.2f} dB")
    print(
        f"Embed cost per 512x512 frame (farm and moving frames): median {np.median(embed_ms):.2f} ms, "
        f"p95 {np.percentile(embed_ms, 95):.2f} ms"
    )
    frame_1024 = farm_frame(farm, 1024) if farm else None
    print(f"Embed cost per 1024x1024 frame: median {embed_cost_ms(marker, 1024, frame_1024):.2f} ms")
    print(f"Detection on a 60 s 512x512 farm clip: {detection_time_s(marker, farm, workdir):.2f} s")


class CleanTries:
    """False-positive tries: never-watermarked video, and watermarked video under a wrong key."""

    def __init__(self):
        self.clean_tries = self.false_clean = self.wrong_key_tries = self.false_wrong_key = 0
        self.extra_clips = 0
        self.confidences: list[float] = []

    def record(self, detection, what: str) -> None:
        self.confidences.append(detection.confidence)
        if what.startswith("wrong key"):
            self.wrong_key_tries += 1
            self.false_wrong_key += detection.found
        else:
            self.clean_tries += 1
            self.false_clean += detection.found
        if detection.found:
            print(f"  FALSE POSITIVE ({what}): {detection}", file=sys.stderr, flush=True)

    @staticmethod
    def duration(path: Path) -> float:
        import av

        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            return float(stream.frames / stream.average_rate)

    def try_clean_clip(self, marker: InvisibleWatermark, clip: Path, workdir: Path) -> None:
        """The whole clip and its 2 s segments, each as is and downscaled to 50%."""
        for variant, args in (("as is", []), ("50%", HALF_SIZE)):
            video = ffmpeg(clip, args, workdir / "clean-variant.mp4") if args else clip
            self.record(marker.detect(video), f"clean clip {variant}")
            for start in range(0, int(self.duration(video)) - 1, 2):
                segment = ffmpeg(
                    video,
                    [*H264, "-crf", "23", "-t", "2"],
                    workdir / "clean-segment.mp4",
                    before_input=["-ss", str(start)],
                )
                self.record(marker.detect(segment), f"clean segment at {start} s {variant}")


def farm_frame(farm: FarmRenderer, side: int) -> np.ndarray:
    from domain.params import with_defaults

    params = with_defaults({"resolution": side, "fps": FPS})
    samples = np.zeros(24000, dtype=np.float32)
    return next(iter(farm.renderer.render(farm.prepared("astronaut", side), samples, 24000, params, 0)))


def embed_cost_ms(marker: InvisibleWatermark, side: int, frame: np.ndarray | None) -> float:
    if frame is None:
        frame = np.asarray(picture("astronaut").resize((side, side)))
    embedder = marker.embedder(Payload(1, 1), side, side, FPS)
    times = []
    for i in range(100):
        start = time.perf_counter()
        mark(embedder, frame, i)
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def detection_time_s(marker: InvisibleWatermark, farm: FarmRenderer | None, workdir: Path) -> float:
    embedder = marker.embedder(Payload(5, 5), SIZE, SIZE, FPS)
    if farm is not None:
        samples, rate = farm.speech(FARM_CLIPS[0][1])
        samples = np.tile(samples, int(np.ceil(60 * rate / len(samples))))[: 60 * rate]
        prepared = farm.prepared(FARM_CLIPS[0][0])
        frames = (farm.label.apply(f) for f in farm.renderer.render(prepared, samples, rate, farm.params, 0))
        speech = (samples, rate)
    else:
        frames, speech = moving_clip("astronaut", seed=5, seconds=60).frames(), None
    long_clip = ship((mark(embedder, f, i) for i, f in enumerate(frames)), speech, workdir / "long.mp4")
    start = time.perf_counter()
    marker.detect(long_clip)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 farm clips and 1 moving picture")
    parser.add_argument("--farm", type=int, help="farm clips (default 8, or 2 with --quick)")
    parser.add_argument("--moving", type=int, help="moving pictures (default 6, or 1 with --quick)")
    parser.add_argument("--clean", type=int, default=100, help="never-watermarked clips and segments to try, at least")
    parser.add_argument("--rgb", action="store_true", help="mark R, G and B and encode from RGB (square jobs before)")
    args = parser.parse_args()
    global MARK_RGB
    MARK_RGB = args.rgb
    farm = args.farm if args.farm is not None else (2 if args.quick else 8)
    moving = args.moving if args.moving is not None else (1 if args.quick else 6)
    with tempfile.TemporaryDirectory(prefix="wm-bench-") as tmp:
        run(farm, moving, max(args.clean, 1), Path(tmp))


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    main()
