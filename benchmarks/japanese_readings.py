"""What Japanese readings cost: the API's check of a script and the worker's speech, with and without them.

    python benchmarks/japanese_readings.py [--repeat 3]

Since 2026-12-07 a Japanese script written with kanji is given to espeak-ng's voice as its readings
(``media/tts/japanese.py``: SudachiPy and SudachiDict's small dictionary). The API looks every kanji word up once
at submit (``unreadable``, through ``check_readable``), on a script up to ``max_script_chars``; the worker looks
each sentence up again before speaking it (``reading``). Rows: CPU milliseconds, the best of ``--repeat`` runs,
after one run to load the dictionary (whose load is its own row, in a fresh process). The last rows speak a
news sentence through espeak-ng with its readings, and the same sentence written in kana by hand, as real-time
factors (CPU seconds per second of speech).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from domain.config import Settings
from media.tts.engines import engine_for
from media.tts.espeak_events import espeak_library
from media.tts.japanese import reading, unreadable
from media.tts.voices import _espeak_ref, reads_by_dictionary

SENTENCE = "東京都で2026年12月7日、新しい首相が記者会見を行いました。"
BY_HAND = "とーきょーとで 2026ねん 12がつ なのか、 あたらしい しゅしょーが きしゃ かいけんを おこないました。"


def best_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return 1000 * min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    longest = Settings().max_script_chars
    script = (SENTENCE * (longest // len(SENTENCE) + 1))[:longest]
    load = subprocess.run(
        [sys.executable, "-c", "import time; from media.tts.japanese import unreadable; s = time.process_time(); "
         "unreadable('東京'); print(1000 * (time.process_time() - s))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = [
        ("first look-up in a process (loads the dictionary)", float(load.stdout.strip())),
        (f"API: unreadable() on the longest script ({len(script):,} chars)", best_ms(lambda: unreadable(script), args.repeat)),
        (f"worker: reading() of one sentence ({len(SENTENCE)} chars)", best_ms(lambda: reading(SENTENCE), args.repeat)),
        (f"reading() of the longest script ({len(script):,} chars)", best_ms(lambda: reading(script), args.repeat)),
    ]  # fmt: skip
    print(f"{'what':<60} {'CPU ms':>9}")
    for what, ms in rows:
        print(f"{what:<60} {ms:>9.1f}")
    ref = _espeak_ref("ja")
    assert reads_by_dictionary(ref) and espeak_library() is not None
    voice = engine_for(ref)
    for what, speak in (
        ("espeak-ng, the kanji sentence given its readings", lambda: voice.speak(SENTENCE)),
        ("espeak-ng, the sentence in kana by hand", lambda: espeak_library().speak(BY_HAND, ref.espeak_voice, 160)),
    ):
        speak()
        start = time.process_time()
        for _ in range(args.repeat):
            said = speak()
        spent = (time.process_time() - start) / args.repeat
        samples = said.samples if hasattr(said, "samples") else said[0]
        rate = said.sample_rate if hasattr(said, "sample_rate") else said[1]
        seconds = len(samples) / rate
        print(f"{what:<60} RTF {spent / seconds:.3f} ({seconds:.2f} s of speech)")


if __name__ == "__main__":
    main()
