"""What phoneme timing costs, per second of audio, for each source.

    python benchmarks/phoneme_timing.py [--repeat 3]
    python benchmarks/phoneme_timing.py --long 20     # the warp on 20 minutes of narration

Speech for the narration sources is Piper's (the bundled joe voice) of
``TEXT``, so the words are known. Each row is the median of ``--repeat``
runs, in CPU seconds of this process per second of audio (wall time is
shown too; the machine's cores are shared). Loading (Piper's voice with its
in-memory alignment patch, pocketsphinx's decoders, py3langid's model) is
paid once per process and shown on its own.

| row | what runs |
| --- | --- |
| piper, no alignments | Piper synthesis as before this timing existed |
| piper + alignments | the same with ``include_alignments`` (the farm's script jobs) |
| espeak-ng en / cmn | libespeak-ng with phoneme events (audio and timing in one pass) |
| pocketsphinx aligned | transcript given: forced alignment plus the phone loop that checks it matches |
| pocketsphinx recognized | no transcript: word recognition (for captions), then alignment to those words |
| pocketsphinx mismatch | a wrong transcript: alignment, the check, then recognition |
| espeak-ng reading + warp | transcript given, a language pocketsphinx does not know: espeak-ng reads it, the reading is warped onto the narration, and checked against the reading played backwards |

For the aligned rows the result also says how many of the narration's
bilabials (m, b, p; the lips must close) got a phone of their own within one
video frame (40 ms) of their true centre. Truth is Piper's own timing of its
speech, and for the Mandarin row espeak-ng's own timing of its narration (read
in another voice variant, at 140 words a minute against the 160 it is fitted
to). The English warp row runs the warp on English only to compare it with
pocketsphinx on the same audio; English narration is aligned by pocketsphinx.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.config import Settings  # noqa: E402
from media.tts.alignment import _decoders  # noqa: E402
from media.tts.engines import engine_for  # noqa: E402
from media.tts.espeak_events import espeak_library  # noqa: E402
from media.tts.language import _identifier, detect_language  # noqa: E402
from media.tts.narration import time_narration  # noqa: E402
from media.tts.speech import SPEECH_SAMPLE_RATE, resample  # noqa: E402
from media.tts.synthesis_alignment import align_through_speech  # noqa: E402
from media.tts.voices import resolve_voice  # noqa: E402

TEXT = (
    "Good evening. Maybe both people bump a mop, and my mom bought a big blue map. "
    "The council met on Tuesday to discuss the new bridge, which will open next spring. "
    "Weather tomorrow: sunny in the morning, with showers moving in from the west by evening."
)
MANDARIN = "今天的天气很好。市议会星期二开会讨论新桥，新桥将于明年春天开通。明天上午晴，傍晚有阵雨。"
WRONG = "The cat sat on the mat and went to sleep in the warm afternoon sun without a care in the world."


WRONG_MANDARIN = "这个博物馆在周末不开门，请大家下个月再来参观。图书馆新增了一间儿童阅览室。"


def bilabials_within_a_frame(phones, truth) -> str:
    """How many true m/b/p have an aligned m/b/p whose centre is within 40 ms of theirs."""

    def centres(track):
        return [0.5 * (p.start_s + p.end_s) for p in track if p.symbol in ("m", "b", "p")]

    got, want = centres(phones), centres(truth)
    hits = sum(1 for t in want if got and min(abs(g - t) for g in got) <= 0.04)
    return f"m/b/p within 40 ms: {hits}/{len(want)}"


def _warp_result(got, truth) -> str:
    if isinstance(got, str):
        return got
    result = f"{got.source.value}, {len(got.words)} words"
    return f"{result}, {bilabials_within_a_frame(got.phones, truth.phones)}" if truth is not None else result


GERMAN = (
    "Der Stadtrat hat am Montag über die neue Brücke beraten, und die Busse fahren bald alle zehn Minuten. "
    "Im Norden wird am Freitag Regen erwartet, und die Preise sind im Oktober leicht gestiegen. "
)


def long_warp(minutes: float) -> None:
    """The warp on long narration: espeak-ng's German read in another voice at 140 wpm, repeated."""
    import resource

    library = espeak_library()
    if library is None:
        sys.exit("espeak-ng is not installed")
    once, rate, _ = library.speak(GERMAN, "de+f3", 140)
    times = int(minutes * 60 / (len(once) / rate)) + 1
    samples = np.tile(once, times)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu, got = measure(lambda: align_through_speech(samples, rate, GERMAN * times, "de"), 1)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| narration s | wall s | CPU s | peak memory before → after (MB) | result |")
    print("| --- | --- | --- | --- | --- |")
    result = got if isinstance(got, str) else f"{got.source.value}, {len(got.phones)} phones, {len(got.words)} words"
    print(f"| {len(samples) / rate:.0f} | {wall:.1f} | {cpu:.1f} | {before:.0f} → {after:.0f} | {result} |")


def measure(fn, repeat: int):
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--long",
        type=float,
        metavar="MINUTES",
        default=0.0,
        help="only time the warp on this many minutes of German narration (CPU and peak memory)",
    )
    args = parser.parse_args()
    if args.long:
        long_warp(args.long)
        return

    rows = []
    loads = []
    joe = resolve_voice("joe", None, Settings.from_env({}))
    wall, cpu, engine = measure(lambda: engine_for(joe), 1)
    loads.append(("Piper voice + alignment patch (onnx)", wall, cpu))
    wall, cpu, _ = measure(_decoders, 1)
    loads.append(("pocketsphinx decoders (align, words, phone loop)", wall, cpu))
    wall, cpu, _ = measure(_identifier, 1)
    loads.append(("py3langid model", wall, cpu))

    from piper import SynthesisConfig

    def plain_piper():
        return [c.audio_float_array for c in engine.voice.synthesize(TEXT, syn_config=SynthesisConfig())]

    wall, cpu, chunks = measure(plain_piper, args.repeat)
    seconds = sum(len(c) for c in chunks) / engine.voice.config.sample_rate
    rows.append(("piper, no alignments", seconds, wall, cpu, "—"))
    wall, cpu, spoken = measure(lambda: engine.speak(TEXT), args.repeat)
    samples, rate, track = spoken
    rows.append(("piper + alignments", len(samples) / rate, wall, cpu, f"{len(track.phones)} phones"))

    library = espeak_library()
    if library is not None:
        for label, text, voice in (("espeak-ng en-us", TEXT, "en-us"), ("espeak-ng cmn", MANDARIN, "cmn-latn-pinyin")):
            wall, cpu, (e_samples, e_rate, e_track) = measure(
                lambda text=text, voice=voice: library.speak(text, voice, 160), args.repeat
            )
            rows.append((label, len(e_samples) / e_rate, wall, cpu, f"{len(e_track.phones)} phones"))

    narration = resample(samples, rate, SPEECH_SAMPLE_RATE)
    length = len(narration) / SPEECH_SAMPLE_RATE
    for label, transcript in (
        ("pocketsphinx aligned", TEXT),
        ("pocketsphinx recognized", None),
        ("pocketsphinx mismatch → recognized", WRONG),
    ):
        wall, cpu, got = measure(
            lambda transcript=transcript: time_narration(narration, SPEECH_SAMPLE_RATE, transcript, "en").whole(),
            args.repeat,
        )
        rows.append((label, length, wall, cpu, f"{got.source.value}, {len(got.words)} words"))

        if label == "pocketsphinx aligned":
            rows[-1] = (*rows[-1][:4], f"{rows[-1][4]}, {bilabials_within_a_frame(got.phones, track.phones)}")

    wall, cpu, got = measure(lambda: align_through_speech(narration, SPEECH_SAMPLE_RATE, TEXT, "en"), args.repeat)
    rows.append(("espeak-ng reading + warp (en, Piper narration)", length, wall, cpu, _warp_result(got, track)))
    if library is not None:
        m_samples, m_rate, m_truth = library.speak(MANDARIN, "cmn-latn-pinyin+f3", 140)
        wall, cpu, got = measure(lambda: align_through_speech(m_samples, m_rate, MANDARIN, "cmn"), args.repeat)
        rows.append(("espeak-ng reading + warp (cmn)", len(m_samples) / m_rate, wall, cpu, _warp_result(got, m_truth)))
        long_narration = np.tile(narration, 20)
        wall, cpu, got = measure(
            lambda: align_through_speech(long_narration, SPEECH_SAMPLE_RATE, " ".join([TEXT] * 20), "en"), 1
        )
        rows.append(
            (
                "espeak-ng reading + warp, 20 × the English (en)",
                len(long_narration) / SPEECH_SAMPLE_RATE,
                wall,
                cpu,
                _warp_result(got, None),
            )
        )
        wall, cpu, got = measure(lambda: align_through_speech(m_samples, m_rate, WRONG_MANDARIN, "cmn"), args.repeat)
        rows.append(
            (
                "espeak-ng reading + warp, wrong transcript (cmn)",
                len(m_samples) / m_rate,
                wall,
                cpu,
                got if isinstance(got, str) else "accepted",
            )
        )

    wall, cpu, _ = measure(lambda: [detect_language(t) for t in (TEXT, MANDARIN) * 50], args.repeat)

    print("| source | audio s | wall s | CPU s | CPU s per audio s | result |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, audio_s, wall_s, cpu_s, result in rows:
        print(f"| {label} | {audio_s:.1f} | {wall_s:.2f} | {cpu_s:.2f} | {cpu_s / audio_s:.3f} | {result} |")
    print()
    print("| loaded once per process | wall s | CPU s |")
    print("| --- | --- | --- |")
    for label, wall_s, cpu_s in loads:
        print(f"| {label} | {wall_s:.2f} | {cpu_s:.2f} |")
    print()
    print(f"language detection: {cpu / 100 * 1e3:.2f} ms CPU per script (median of {args.repeat} × 100 scripts)")


if __name__ == "__main__":
    main()
