"""Piper's words timed by its own phonemes: what finding them costs, and how late the word highlight is without them.

    python benchmarks/piper_words.py               # both tables
    python benchmarks/piper_words.py --cost        # only the cost, --repeat 5 for steadier figures
    python benchmarks/piper_words.py --lag         # only the highlight, read from a delivered job's frames

Cost: each sentence of ``COST_SCRIPT`` (about 20 s of speech) and one long sentence of 192 words (about 50 s) spoken
by the bundled joe voice on the farm's one onnxruntime thread, then its words found (``piper_words``: espeak-ng reads
the sentence in Piper's espeak voice, and its phones are matched to Piper's). CPU seconds of this process per second
of speech, the median of ``--repeat`` runs; wall time beside (the machine's cores are shared).

Lag: ``LAG_SCRIPT`` run whole as a composed job in this process (640×360, 25 fps, word captions, as
``tests/unit/compose`` runs jobs), once with Piper's words as the farm now makes them and once without them (the
captions share each sentence's time out by its words' lengths, as before). Each word's onset is when Piper says it:
the first phone of its spoken words in Piper's own alignment (``LAG_COUNTS``: how many of Piper's spoken words each
written word is). When it is lit is read from the delivered MP4's frames: the frame in which the highlight colour's
box appears or moves. A frame shows what is lit at its own time, so a word lit on time shows 0–40 ms late.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.config import Settings  # noqa: E402
from media.tts import engines  # noqa: E402
from media.tts.piper_words import piper_words  # noqa: E402
from media.tts.sentences import split_sentences  # noqa: E402
from media.tts.voices import resolve_voice  # noqa: E402

COST_SCRIPT = (
    "Welcome to the quarterly update. Revenue grew by 12%, driven by strong demand in Europe. "
    "Our new product line launched on schedule, and early reviews have been very positive. "
    "Dr. Smith expects 2026 to be better still. Thank you for watching."
)
LONG_SENTENCE = (
    " ".join(
        [
            "the council met on tuesday to discuss the new bridge which will open next spring and the mayor said that "
            "work would start soon"
        ]
        * 8
    )
    + "."
)
#: no two words Piper runs together ("in the": one spoken word), so each written word starts one of Piper's
LAG_SCRIPT = (
    "Good evening, everyone. We visited three farms this week, and every farmer told us something different. "
    "Rain arrived early today, flooding several roads near town. Today, Dr. Smith paid 2026 dollars for lunch "
    "downtown. Prices rose 50% in March, analysts said, and shoppers noticed quickly."
)
LAG_COUNTS = [1] * 3 + [1] * 13 + [1] * 9 + [1, 1, 1, 1, 4, 1, 1, 1, 1] + [1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1]
FPS = 25


def cost_table(repeat: int) -> None:
    voice = resolve_voice("joe", None, Settings.from_env({}))
    engine = engines.engine_for(voice)
    assert isinstance(engine, engines.PiperEngine) and engine.espeak_voice
    espeak_voice = engine.espeak_voice
    engine.speak("Warm up.")
    print(f"{'text':>22} {'speech s':>9} {'piper cpu/s':>12} {'words cpu/s':>12} {'words wall/s':>13} {'share':>6}")
    for label, sentences in (
        ("20 s script, sentences", split_sentences(COST_SCRIPT, "en")),
        ("one 192-word sentence", [LONG_SENTENCE]),
    ):
        piper_cpu, words_cpu, words_wall, speech = [], [], [], 0.0
        for _ in range(repeat):
            speech, p_cpu, w_cpu, w_wall = 0.0, 0.0, 0.0, 0.0
            for sentence in sentences:
                engine.espeak_voice = None  # Piper alone
                cpu = time.process_time()
                samples, rate, track = engine.speak(sentence)
                p_cpu += time.process_time() - cpu
                engine.espeak_voice = espeak_voice
                cpu, wall = time.process_time(), time.perf_counter()
                words = piper_words(sentence, track.phones, espeak_voice, engines.ESPEAK_WPM)
                w_cpu += time.process_time() - cpu
                w_wall += time.perf_counter() - wall
                assert words, sentence
                speech += len(samples) / rate
            piper_cpu.append(p_cpu / speech)
            words_cpu.append(w_cpu / speech)
            words_wall.append(w_wall / speech)
        p, w = statistics.median(piper_cpu), statistics.median(words_cpu)
        print(f"{label:>22} {speech:>9.1f} {p:>12.4f} {w:>12.4f} {statistics.median(words_wall):>13.4f} {w / p:>6.1%}")


def lag_table() -> None:
    import pytest

    import workers.composed as composed
    from domain.db import session_factory, upgrade
    from storage import open_storage
    from tests.unit.compose.jobs import Services, composition, new_tenant, run_job, scene
    from tests.unit.compose.viewing import fetch
    from tests.unit.compose.word_highlight import highlight_changes, word_onsets

    def run(with_words: bool) -> tuple[list[str], list[float], list[float]]:
        segments: list[Any] = []
        real_speak = composed.speak_segment

        def kept(*args: Any, **kwargs: Any) -> Any:
            segments.append(real_speak(*args, **kwargs))
            return segments[-1]

        with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as tmp:
            patch.setattr(composed, "speak_segment", kept)
            if not with_words:  # as before: Piper's speech without words
                patch.setattr(engines, "piper_words", lambda *args: ())
            root = Path(tmp)
            settings = Settings.from_env({}, data_dir=root / "data", pools=("cpu",))
            upgrade(settings)
            services = Services(settings, session_factory(settings), open_storage(settings))
            comp = composition(640, 360, [scene(LAG_SCRIPT)], captions={"burn_in": True, "style": "word"})
            output = run_job(services, new_tenant(services), comp, fps=FPS)
            lit = highlight_changes(fetch(services, output["key"], root / "video.mp4"))
        onsets, offset, counts = [], 0.0, list(LAG_COUNTS)
        texts = []
        for segment in segments:
            said = [len(text.split()) for text in segment.plan.texts]
            mine, counts = counts[: sum(said)], counts[sum(said) :]
            onsets += [offset + t for t in word_onsets(segment.phones, mine)]
            texts += [word for text in segment.plan.texts for word in text.split()]
            offset += len(segment.samples) / segment.sample_rate
        return texts, onsets, lit

    texts, onsets, after = run(True)
    _, onsets_before, before = run(False)
    print(f"{'word':>10} {'said at s':>10} {'lit before':>11} {'lag':>7} {'said at s':>10} {'lit now':>8} {'lag':>7}")
    lags: dict[str, list[float]] = {"before": [], "now": []}
    for n, text in enumerate(texts):
        row = [f"{text:>10}"]
        for name, said, lit in (("before", onsets_before, before), ("now", onsets, after)):
            if len(lit) != len(said):
                row.append(f"{'(' + str(len(lit)) + ' lit, ' + str(len(said)) + ' words)':>30}")
                continue
            lags[name].append(lit[n] - said[n])
            row.append(f"{said[n]:>10.2f} {lit[n]:>{11 if name == 'before' else 8}.2f} {lit[n] - said[n]:>+7.3f}")
        print(" ".join(row))
    for name, values in lags.items():
        if values:
            print(
                f"{name}: lag median {statistics.median(values):+.3f} s, least {min(values):+.3f}, most "
                f"{max(values):+.3f}; {sum(-0.001 <= v < 2 / FPS for v in values)} of {len(values)} words lit "
                f"within 2 frames"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cost", action="store_true", help="only the cost table")
    parser.add_argument("--lag", action="store_true", help="only the highlight table")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.lag:
        cost_table(args.repeat)
    if not args.cost:
        if not args.lag:
            print()
        lag_table()


if __name__ == "__main__":
    main()
