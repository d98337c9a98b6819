"""What levelling a job's sound costs and does: the CPU seconds ``normalise_wav`` adds to a ~10 s and a ~60 s job,
per format; and whole jobs' delivered files, as ffmpeg's ebur128 reads them, with levelling and without.

    python benchmarks/loudness.py [--repeat 3] [--no-jobs]

The sound track is Piper's speech (about 10 s, said once; the 60 s track is it six
times over), alone and with a music bed mixed under it as a composed job's is
(``mix_music``, ducked). Each row times the step as the finish runs it — levelled,
encoded as delivered (AAC for an MP4, a trial Opus for a WebM, 48 kHz PCM for a
MOV), read back for its true peak, again if the encoder took it over the ceiling —
against the encode alone, which the finish did before; the difference is what
levelling adds. CPU is this process's and its ffmpeg children's (user + system),
the median of ``--repeat`` runs. The last columns are the delivered file as
ffmpeg's ebur128 reads it, before and after.

The second table runs whole jobs in this process (SQLite, a folder for storage,
the built-in renderer at 128 px and 10 fps, tests/unit/compose/jobs.py): a
square English job (Piper), a square Chinese one (espeak-ng), a composed job
with a music bed, an uploaded narration (espeak-ng at a modest level) and an
over-loud one, each once with its sound passed through as the farm did before
(the same WAV, encoded without levelling) and once levelled; the delivered file
read by ffmpeg's ebur128, and the job's "loudness" stage (wall seconds). Numbers
are noisy when other work shares the cores.
"""

from __future__ import annotations

import argparse
import functools
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.config import Settings  # noqa: E402
from media.compose import mix_music  # noqa: E402
from media.encode import (  # noqa: E402
    Levelled,
    encode_aac,
    encode_opus,
    encode_pcm,
    normalise_wav,
    read_wav,
    write_wav,
)
from media.tts import resolve_voice, split_sentences, synthesize_sentences  # noqa: E402
from storage.local import LocalStorage  # noqa: E402
from tests.unit.compose.viewing import ebur128  # noqa: E402

SCRIPT = (
    "Good evening. Here is the news from the farm. The council approved the new transport plan today, "
    "and the first trains will run in the spring. Markets were calm."
)
ENCODERS: dict[str, tuple[str, Callable[[Path, Path], Path]]] = {
    "mp4": ("audio.m4a", encode_aac),
    "webm": ("audio.webm", encode_opus),
    "mov": ("audio-48k.wav", encode_pcm),
}


def cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measured(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median CPU and wall seconds of ``fn``."""
    cpu, wall = [], []
    for _ in range(repeat):
        started_cpu, started = cpu_s(), time.perf_counter()
        fn()
        cpu.append(cpu_s() - started_cpu)
        wall.append(time.perf_counter() - started)
    return statistics.median(cpu), statistics.median(wall)


def tracks(folder: Path) -> dict[str, Path]:
    """Speech about 10 s and 60 s long, each alone and with a ducked bed mixed under it."""
    voice = resolve_voice("joe", "en", Settings.from_env({}))
    storage = LocalStorage(folder / "speech-cache", signing_key=b"bench")
    speech = synthesize_sentences(split_sentences(SCRIPT, "en"), voice, storage)
    samples, rate = speech.samples, speech.sample_rate
    made: dict[str, Path] = {}
    for times, name in ((1, "10"), (6, "60")):
        wav = folder / f"speech-{name}.wav"
        write_wav(wav, np.tile(samples, times), rate)
        seconds = len(samples) * times / rate
        t = np.arange(int(seconds * rate)) / rate
        bed = 0.5 * np.sin(2 * np.pi * 330 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.25 * t))
        write_wav(folder / f"bed-{name}.wav", bed + 0.2 * np.sin(2 * np.pi * 523 * t), rate)
        made[f"speech {seconds:.0f} s"] = wav
        mixed = folder / f"mixed-{name}.wav"
        mix_music(wav, folder / f"bed-{name}.wav", mixed, volume=0.3, ducking=True, fade=1.0)
        made[f"speech + music {seconds:.0f} s"] = mixed
    return made


def row(name: str, wav: Path, output_format: str, folder: Path, settings: Settings, repeat: int) -> str:
    """One table row: the track encoded alone, then levelled and encoded as the finish does."""
    file_name, encode = ENCODERS[output_format]
    plain, levelled = folder / f"plain-{file_name}", folder / file_name
    encode_cpu, encode_wall = measured(functools.partial(encode, wav, plain), repeat)
    done: list[Levelled] = []

    def level() -> None:
        target, ceiling = settings.loudness_target_lufs, settings.true_peak_ceiling_dbtp
        done.append(normalise_wav(wav, folder / "levelled.wav", target, ceiling, lambda w: encode(w, levelled)))

    level_cpu, level_wall = measured(level, repeat)
    (before_lufs, before_dbtp), (after_lufs, after_dbtp) = ebur128(plain), ebur128(levelled)
    return (
        f"{name:20} {output_format:6} {encode_cpu:12.2f} {level_cpu:13.2f} {level_cpu - encode_cpu:11.2f} "
        f"{level_wall - encode_wall:12.2f} {done[-1].encodes:7d} {before_lufs:9.1f} {before_dbtp:6.1f} "
        f"{after_lufs:9.1f} {after_dbtp:6.1f}"
    )


def passed_through(
    src: Path, dest: Path, target_lufs: float, ceiling_dbtp: float, encode: Callable[[Path], Path] | None = None
) -> Levelled:
    """``normalise_wav`` as it was before it existed: the WAV as it came, encoded."""
    shutil.copy(src, dest)
    if encode is not None:
        encode(Path(dest))
    nan = float("nan")
    return Levelled(nan, nan, nan, nan, 0.0, 0.0, nan, 1)


def narration(text: str, peak: float) -> bytes:
    """``text`` said by espeak-ng, scaled to ``peak``: an uploaded narration, mastered by no one."""
    said = subprocess.run(["espeak-ng", "-v", "en", "--stdout", text], capture_output=True, check=True).stdout
    samples, rate = read_wav(said)
    folder = Path(tempfile.mkdtemp(prefix="narration-"))
    write_wav(folder / "narration.wav", samples / np.abs(samples).max() * peak, rate)
    return (folder / "narration.wav").read_bytes()


def jobs_table() -> None:
    """Whole jobs, with their sound passed through and levelled: the delivered file as ffmpeg reads it."""
    import workers.stages.finish as finish
    from domain.db import session_factory, upgrade
    from domain.params import with_defaults
    from storage import open_storage
    from tests.unit.compose.jobs import Services, add_asset, composition, new_tenant, run_job, run_spec, scene

    root = Path(tempfile.mkdtemp(prefix="loudness-jobs-"))
    settings = Settings.from_env({}, data_dir=root / "data", pools=("cpu",))
    upgrade(settings)
    services = Services(settings, session_factory(settings), open_storage(settings))
    tenant = new_tenant(services)
    codes = iter(range(1000, 2000))
    t = np.arange(8 * 24000) / 24000
    bed = 0.5 * np.sin(2 * np.pi * 330 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.25 * t)) + 0.2 * np.sin(
        2 * np.pi * 523 * t
    )
    write_wav(root / "bed.wav", 0.9 * bed, 24000)
    add_asset(services, tenant, "ast_music", (root / "bed.wav").read_bytes(), "audio", "audio/wav")
    add_asset(services, tenant, "ast_narration", narration(SCRIPT, 0.3), "audio", "audio/wav")
    loud = narration(SCRIPT, 1.0)
    samples, rate = read_wav(loud)
    write_wav(root / "loud.wav", np.tanh(4 * samples), rate)  # squashed into full scale
    add_asset(services, tenant, "ast_loud", (root / "loud.wav").read_bytes(), "audio", "audio/wav")

    def square(**spec: object) -> dict:
        params = with_defaults({"resolution": 128, "fps": 10, "motion_scale": 0.0})
        full = {"avatar": {"preset": "astronaut"}, "model": "builtin", "params": params, "watermark": {}, **spec}
        output, services.timings = run_spec(services, tenant, full, next(codes))
        return output

    music = {"asset_id": "ast_music", "volume": 0.5, "ducking": True, "fade": 0.5}
    jobs: dict[str, Callable[[], dict]] = {
        "square, English (Piper)": lambda: square(script=SCRIPT, voice="joe", language="en"),
        "square, Chinese (espeak-ng)": lambda: square(
            script="今天天气很好。我们在北京。新闻在晚上七点开始。", language="zh"
        ),
        "composed + music, mp4": lambda: run_job(
            services, tenant, composition(256, 144, [scene(SCRIPT)], music=music), wm_code=next(codes)
        ),
        "composed + music, webm": lambda: run_job(
            services,
            tenant,
            composition(256, 144, [scene(SCRIPT)], music=music, output_format="webm"),
            wm_code=next(codes),
        ),
        "uploaded narration": lambda: square(audio_asset_id="ast_narration"),
        "over-loud narration": lambda: square(audio_asset_id="ast_loud"),
    }
    print(f"{'job':28} {'seconds':>7} {'LUFS was':>9} {'dBTP':>6} {'LUFS now':>9} {'dBTP':>6} {'loudness stage s':>16}")
    level = finish.normalise_wav
    for name, run in jobs.items():
        measured_files = []
        for leveller in (passed_through, level):
            finish.normalise_wav = leveller  # type: ignore[assignment]
            output = run()
            path = root / f"{len(measured_files)}-{Path(output['key']).name}"
            services.storage.get_file(output["key"], path)
            measured_files.append(ebur128(path))
        finish.normalise_wav = level
        (was_lufs, was_dbtp), (now_lufs, now_dbtp) = measured_files
        stage = services.timings.get("loudness", 0.0)
        print(
            f"{name:28} {output['duration_s']:7.1f} {was_lufs:9.1f} {was_dbtp:6.1f} {now_lufs:9.1f} {now_dbtp:6.1f} "
            f"{stage:16.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the median is shown")
    parser.add_argument("--no-jobs", action="store_true", help="the cost table only, no whole jobs")
    args = parser.parse_args()
    settings = Settings.from_env({})
    folder = Path(tempfile.mkdtemp(prefix="loudness-bench-"))
    made = tracks(folder)
    samples, rate = read_wav(next(iter(made.values())))
    print(
        f"target {settings.loudness_target_lufs} LUFS under {settings.true_peak_ceiling_dbtp} dBTP; Piper's speech at "
        f"{rate} Hz, {len(samples) / rate:.1f} s said once; median of {args.repeat}"
    )
    print(
        f"{'track':20} {'format':6} {'encode cpu s':>12} {'+ level cpu s':>13} {'added cpu s':>11} "
        f"{'added wall s':>12} {'encodes':>7} {'LUFS was':>9} {'dBTP':>6} {'LUFS now':>9} {'dBTP':>6}"
    )
    for name, wav in made.items():
        for output_format in ENCODERS:
            print(row(name, wav, output_format, folder, settings, args.repeat), flush=True)
    if not args.no_jobs:
        print()
        jobs_table()


if __name__ == "__main__":
    main()
