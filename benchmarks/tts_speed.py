"""Piper speed on this machine: first load, warm synthesis, cache hits.

    python benchmarks/tts_speed.py
    python benchmarks/tts_speed.py --threads    # onnxruntime threads: wall and CPU per speech second

Prints a table. Real-time factor = synthesis seconds / speech seconds
(lower is faster). Numbers are noisy when other work shares the cores.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from domain.config import Settings
from media.tts import engines
from media.tts.sentences import split_sentences
from media.tts.synthesize import synthesize_sentences
from media.tts.voices import resolve_voice
from storage.local import LocalStorage

# About 20 s of speech each; different words so the warm run cannot hit the cache.
SCRIPT_A = (
    "Welcome to the quarterly update. Revenue grew by twelve percent, driven by strong demand in Europe. "
    "Our new product line launched on schedule, and early reviews have been very positive. "
    "Next quarter, we will focus on customer support and on shipping the mobile app. Thank you for watching."
)
SCRIPT_B = (
    "Good morning, and thanks for joining us. Today we look at three ideas for saving energy at home. "
    "First, seal the gaps around windows and doors. Second, turn the heating down by one degree. "
    "Third, switch off devices you are not using. Small changes add up over a year. See you next time."
)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def process_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def threads_table(repeat: int = 3) -> None:
    """The voice on 1 onnxruntime thread (what the farm uses) and on onnxruntime's
    default pool (one thread per core, spinning between operators): wall time,
    and CPU time of the whole process (every thread), per second of speech."""
    import os

    voice = resolve_voice("joe", None, Settings.from_env({}))
    assert voice.model_path is not None
    print(
        f"{'onnxruntime threads':>20} {'speech s':>9} {'wall s':>8} {'cpu s':>7} {'wall/speech':>12} {'cpu/speech':>11}"
    )
    for threads in (1, 0):
        engine = engines.PiperEngine.__new__(engines.PiperEngine)
        engine.voice = engines.load_piper_voice(Path(voice.model_path), None, threads=threads)
        engine.speak("Warm up.")
        audio_s, wall, cpu = 0.0, time.perf_counter(), process_cpu_s()
        for _ in range(repeat):
            for text in (SCRIPT_A, SCRIPT_B):
                speech = engine.speak(text)
                audio_s += len(speech.samples) / speech.sample_rate
        wall, cpu = time.perf_counter() - wall, process_cpu_s() - cpu
        name = str(threads) if threads else f"default ({os.cpu_count()} cores)"
        print(f"{name:>20} {audio_s:9.1f} {wall:8.2f} {cpu:7.2f} {wall / audio_s:12.3f} {cpu / audio_s:11.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", action="store_true", help="compare onnxruntime thread settings instead")
    if parser.parse_args().threads:
        threads_table()
        return
    voice = resolve_voice("joe", None, Settings.from_env({}))
    storage = LocalStorage(Path(tempfile.mkdtemp(prefix="tts-bench-")), signing_key=b"bench")
    engines.forget_engines()
    rows = []

    speech, cold_s = timed(lambda: synthesize_sentences(split_sentences(SCRIPT_A), voice, storage))
    rows.append(("first job (load + synthesise)", speech.duration_s, cold_s))
    engines.forget_engines()
    _, load_s = timed(lambda: engines.engine_for(voice))
    rows.append(("voice load alone (files now in page cache)", None, load_s))
    speech, warm_s = timed(lambda: synthesize_sentences(split_sentences(SCRIPT_B), voice, storage))
    rows.append(("warm voice, new text", speech.duration_s, warm_s))
    sentences = split_sentences(SCRIPT_A)
    speech, hit_s = timed(lambda: synthesize_sentences(sentences, voice, storage))
    rows.append((f"cache hit ({len(sentences)} sentences, local storage)", speech.duration_s, hit_s))

    print(f"{'case':44} {'speech s':>9} {'wall s':>8} {'RTF':>7}")
    for name, audio_s, wall_s in rows:
        rtf = f"{wall_s / audio_s:7.3f}" if audio_s else f"{'':>7}"
        audio = f"{audio_s:9.2f}" if audio_s else f"{'':>9}"
        print(f"{name:44} {audio} {wall_s:8.3f} {rtf}")


if __name__ == "__main__":
    main()
