"""What espeak-ng's reading of the longest transcript costs, words and all.

    python benchmarks/espeak_words.py [--repeat 3]

A narration in a language other than English is timed by having espeak-ng read its whole transcript (up to
20,000 characters) and fitting that reading to the narration. This reads a 20,000-character Spanish transcript
whose every sentence has a quoted word (which espeak-ng's own word lengths left out before 2026-12-06's eighth
session), and prints the seconds (best of ``--repeat``) and the words found; then what leaving the pictures out of
a transcript costs on the costliest ones. To compare with older code, run it
from a checkout of it (``PYTHONPATH=<checkout> python benchmarks/espeak_words.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))

from media.tts.espeak_events import espeak_library  # noqa: E402

SENTENCE = "¿Qué tal? «Hola», dijo el alcalde. "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    library = espeak_library()
    if library is None:
        sys.exit("libespeak-ng is not installed (apt-get install espeak-ng)")
    transcript = SENTENCE * (20_000 // len(SENTENCE))
    written = len(transcript.split())
    best, words = float("inf"), 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        samples, rate, track = library.speak(transcript, "es", 160)
        best = min(best, time.perf_counter() - started)
        words = len(track.words)
    print(f"code: {ROOT}")
    speech_s = len(samples) / rate
    print(f"{len(transcript):,} characters, {speech_s:.0f} s of speech: {best:.2f} s, {words:,} of {written:,} words")
    # what the voice is given is the transcript without its pictures: the costliest transcripts for that step
    from media.tts.script_check import without_pictures

    for name, hostile in (("20,000 emoji", "🔴" * 20_000 + "a"), ("20,000 spaces", "a" + " " * 20_000 + "b")):
        started = time.perf_counter()
        without_pictures(hostile)
        print(f"without_pictures() on {name}: {(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
