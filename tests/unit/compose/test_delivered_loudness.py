"""Delivered files judged as a video editor judges them: ffmpeg's ebur128 on the file the job stored (after AAC,
Opus or PCM), not the farm's own measure. Every file's sound is at the operator's loudness (-16 LUFS integrated by
default, within 1 LU) under the true-peak ceiling (-1 dBTP): square jobs, composed jobs with and without music, in
every format, a quiet narration raised, an over-loud one lowered, a silent one left silent; and the music's ducking
as deep as it was mixed. Jobs run whole in this process (tests/unit/compose/jobs.py), small and at 10 fps."""

from __future__ import annotations

import io
import itertools
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from domain.config import Settings
from domain.db import session_factory, upgrade
from domain.params import with_defaults
from media.encode.loudness import decoded
from storage import open_storage
from tests.stubs import StubServices
from tests.unit.compose.jobs import add_asset, composition, new_tenant, run_job, run_spec, scene
from tests.unit.compose.viewing import audio_of, band_level_db, ebur128, fetch

TARGET, CEILING = -16.0, -1.0
RATE = 24000
SCRIPT = "Good evening. Here is the news from the farm. The harvest came in early this year."
_codes = itertools.count(100)


def wav_bytes(samples: np.ndarray, rate: int = RATE) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def voice(seconds: float, level: float) -> np.ndarray:
    """A narration: a 220 Hz voice with its harmonics, 1 s on and 1 s off, at ``level`` peak."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 6))
    on = (np.floor(t) % 2 == 0).astype(np.float64)
    x = tone * on
    return level * x / np.abs(x).max()


def bed(seconds: float) -> bytes:
    """A music bed: a steady 660 Hz tone, loud enough to push the mix's peaks past 0 dBTP unlevelled."""
    t = np.arange(int(seconds * RATE)) / RATE
    return wav_bytes(0.5 * np.sin(2 * np.pi * 660 * t))


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    from tests.unit.compose.jobs import Services

    root = tmp_path_factory.mktemp("loudness")
    settings = Settings.from_env({}, data_dir=root / "data", pools=("cpu",))
    upgrade(settings)
    services = Services(settings, session_factory(settings), open_storage(settings))
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_music", bed(4.0), "audio", "audio/wav")
    add_asset(services, tenant, "ast_quiet", wav_bytes(voice(6.0, 0.05)), "audio", "audio/wav")  # about -33 LUFS
    squashed = np.tanh(8 * voice(6.0, 1.0)) * 0.99  # about -2 LUFS, its true peak over full scale
    add_asset(services, tenant, "ast_loud", wav_bytes(squashed), "audio", "audio/wav")
    add_asset(services, tenant, "ast_silent", wav_bytes(np.zeros(3 * RATE)), "audio", "audio/wav")
    return services, tenant, root


def square_job(services, tenant: str, **spec) -> dict:
    """A square (not composed) job, run whole as a worker would; its output."""
    spec = {
        "avatar": {"preset": "astronaut"},
        "model": "builtin",
        "params": with_defaults({"resolution": 128, "fps": 10, "motion_scale": 0.0}),
        "watermark": {"enabled": False},
        **spec,
    }
    stub = StubServices(services.settings, services.sessions, services.storage)  # the stub renderer: sound only
    output, _ = run_spec(services, tenant, spec, next(_codes), run_with=stub)
    return output


def delivered(services, output: dict, root: Path, name: str) -> Path:
    return fetch(services, output["key"], root / f"{name}.{output['format']}")


def assert_at_target(path: Path) -> tuple[float, float]:
    lufs, peak = ebur128(path)
    print(f"{path.name}: {lufs:.1f} LUFS, {peak:.1f} dBTP")
    assert lufs == pytest.approx(TARGET, abs=1.0), f"{path.name} measures {lufs} LUFS"
    assert peak <= CEILING, f"{path.name} peaks at {peak} dBTP"
    return lufs, peak


def test_a_square_jobs_spoken_script_is_delivered_at_the_target(farm):
    services, tenant, root = farm
    output = square_job(services, tenant, script=SCRIPT, voice="joe", language="en")
    assert_at_target(delivered(services, output, root, "square"))


def test_a_draft_is_levelled_as_its_final_is_sample_for_sample(farm):
    from domain.drafts import draft_render

    services, tenant, root = farm
    params = with_defaults({"resolution": 256, "fps": 25, "motion_scale": 0.0})
    spoken = {"script": SCRIPT, "voice": "joe", "language": "en", "params": params}
    final = delivered(services, square_job(services, tenant, **spoken), root, "final")
    draft_spec = {**spoken, "draft": True, "draft_render": draft_render(params)}
    draft = delivered(services, square_job(services, tenant, **draft_spec), root, "draft")
    assert_at_target(draft)
    assert np.array_equal(decoded(draft), decoded(final))


@pytest.mark.parametrize("output_format", ["mp4", "webm", "mov"])
def test_a_composed_job_with_music_is_delivered_at_the_target_in_every_format(farm, output_format):
    services, tenant, root = farm
    music = {"asset_id": "ast_music", "volume": 0.5, "ducking": True, "fade": 0.2}
    comp = composition(256, 144, [scene(SCRIPT)], music=music, output_format=output_format)
    output = run_job(services, tenant, comp, wm_code=next(_codes))
    assert_at_target(delivered(services, output, root, f"music-{output_format}"))


def test_a_composed_job_without_music_is_delivered_at_the_target(farm):
    services, tenant, root = farm
    output = run_job(services, tenant, composition(256, 144, [scene(SCRIPT)]), wm_code=next(_codes))
    assert_at_target(delivered(services, output, root, "plain"))


def test_a_quiet_narration_is_brought_up_and_an_over_loud_one_down(farm):
    services, tenant, root = farm
    quiet = square_job(services, tenant, audio_asset_id="ast_quiet")
    assert_at_target(delivered(services, quiet, root, "quiet"))
    loud = square_job(services, tenant, audio_asset_id="ast_loud")
    assert_at_target(delivered(services, loud, root, "loud"))


def test_a_silent_narration_stays_silent(farm):
    services, tenant, root = farm
    output = square_job(services, tenant, audio_asset_id="ast_silent")
    audio = audio_of(delivered(services, output, root, "silent"), root)
    assert len(audio) and np.max(np.abs(audio)) < 1e-4  # no gain, no noise, no clicks


def test_the_music_is_ducked_as_deep_as_it_was_mixed(farm, monkeypatch):
    """Levelling is one gain (and a limiter at the peaks), never a level that rides: the bed under the voice and in
    its pauses moves by the same dB, so the ducking measured on the delivered file is the mix's, as
    tests/unit/compose/test_composed_jobs.py measures it."""
    import workers.stages.finish as finish

    services, tenant, root = farm
    # as test_music_is_ducked_under_speech: a 220 Hz voice on for 1 s, off for 1 s, and a 660 Hz bed; both quieter,
    # so that the mix is well under the target (about -27 LUFS) and levelling has to raise it
    t = np.arange(6 * RATE) / RATE
    quiet_voice = 0.1 * np.sin(2 * np.pi * 220 * t) * (np.floor(t) % 2 == 0)
    add_asset(services, tenant, "ast_voice", wav_bytes(quiet_voice), "audio", "audio/wav")
    mixed = root / "mix-as-mixed.wav"
    level = finish.normalise_wav

    def keeping_the_mix(src, *args, **kwargs):
        shutil.copy(src, mixed)
        return level(src, *args, **kwargs)

    monkeypatch.setattr(finish, "normalise_wav", keeping_the_mix)
    music = {"asset_id": "ast_music", "volume": 0.15, "ducking": True, "fade": 0.2}
    comp = composition(256, 144, [scene(None, audio_asset_id="ast_voice")], music=music)
    output = run_job(services, tenant, comp, wm_code=next(_codes))
    video = delivered(services, output, root, "ducked")
    assert_at_target(video)

    def ducking(path: Path) -> tuple[float, float]:
        audio = audio_of(path, root)
        under = np.mean([band_level_db(audio, 16000, 660, s + 0.3, s + 0.8) for s in (2.0, 4.0)])
        pauses = np.mean([band_level_db(audio, 16000, 660, s + 0.4, s + 0.8) for s in (1.0, 3.0)])
        return pauses - under, pauses

    as_mixed, bed_as_mixed = ducking(mixed)
    as_delivered, bed_delivered = ducking(video)
    print(
        f"ducked {as_mixed:.1f} dB as mixed, {as_delivered:.1f} dB as delivered, raised {bed_delivered - bed_as_mixed:.1f} dB"
    )
    assert as_mixed > 6.0  # ducked at all
    assert as_delivered == pytest.approx(as_mixed, abs=0.5)
    assert bed_delivered - bed_as_mixed > 6.0  # levelled: raised, not left as it was
