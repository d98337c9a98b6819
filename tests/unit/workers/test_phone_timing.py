"""Phone timing through a whole attempt: the renderer gets each segment's
phones, and the job's document says where they came from. SQLite, local
storage and a renderer that records what it is given (tests/stubs.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from domain import lifecycle
from domain.config import Settings
from domain.models import Asset, Job, Tenant
from domain.params import with_defaults
from media.encode.wav import wav_bytes
from media.tts.espeak_events import espeak_library
from media.tts.speech import SPEECH_SAMPLE_RATE
from media.tts.synthesize import synthesize
from media.tts.voices import resolve_voice
from storage import open_storage
from tests.stubs import StubControl, StubRenderer, StubServices
from workers.attempt import Attempt
from workers.pipeline import run_attempt

pytestmark = pytest.mark.slow

SCRIPT = "Maybe both people bump a mop. My mom bought a big blue map."


class RecordingRenderer(StubRenderer):
    def __init__(self) -> None:
        super().__init__()
        self.phones: list[Any] = []

    def render(self, prepared, audio, sample_rate, params, first_frame_index=0, phones=None):
        self.phones.append((len(audio) / sample_rate, phones))
        return super().render(prepared, audio, sample_rate, params, first_frame_index, phones=phones)


@pytest.fixture(scope="module")
def piper_narration() -> bytes:
    speech = synthesize(SCRIPT, resolve_voice("joe", None, Settings.from_env({})), None)
    return wav_bytes(speech.samples, SPEECH_SAMPLE_RATE)


@pytest.fixture
def services(sqlite_settings, sessions):
    return StubServices(
        settings=sqlite_settings,
        sessions=sessions,
        storage=open_storage(sqlite_settings),
        stub_renderer=RecordingRenderer(),
    )


def _job(services, spec: dict, narration: bytes | None = None) -> str:
    with services.sessions() as session, session.begin():
        tenant = Tenant(name="newsroom")
        session.add(tenant)
        session.flush()
        if narration is not None:
            asset = Asset(
                id="ast_narration",
                tenant_id=tenant.id,
                kind="audio",
                content_type="audio/wav",
                bytes=len(narration),
                sha256="0" * 64,
                storage_key=f"assets/{tenant.id}/ast_narration",
                info={},
            )
            session.add(asset)
            services.storage.put_bytes(asset.storage_key, narration, "audio/wav")
            spec = {**spec, "audio_asset_id": asset.id}
        spec = {
            "avatar": {"preset": "astronaut"},
            "model": "builtin",
            "watermark": {"enabled": False},
            "params": with_defaults({"resolution": 64, "fps": 10}),
            **spec,
        }
        job = Job(tenant_id=tenant.id, pool="cpu", spec=spec, wm_code=7)
        session.add(job)
        session.flush()
        job_id = job.id
    with services.sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
        claimed = lifecycle.claim(session, job_id, "worker-1", 60)
    return claimed


def _run(services, claimed, tmp_path) -> dict:
    output, _ = run_attempt(Attempt(StubControl(claimed), services, tmp_path))
    return output


def _captions(services, output) -> str:
    return services.storage.get_bytes(output["files"]["captions_vtt"]["key"]).decode()


def test_a_script_job_renders_with_pipers_phones_and_says_so(services, tmp_path):
    output = _run(services, _job(services, {"script": SCRIPT, "voice": "joe", "language": "en-us"}), tmp_path)
    assert output["timing"] == {"source": "piper"}
    [(seconds, phones)] = services.stub_renderer.phones
    bilabials = [p for p in phones.phones if p.symbol in ("m", "b", "p")]
    assert len(bilabials) == 18 and all(0 < p.start_s < p.end_s <= seconds for p in bilabials)


def test_narration_with_its_transcript_is_aligned_and_captioned_with_its_words(services, piper_narration, tmp_path):
    output = _run(services, _job(services, {"transcript": SCRIPT}, piper_narration), tmp_path)
    assert output["timing"] == {"source": "aligned"}
    [(_, phones)] = services.stub_renderer.phones
    assert [w.text for w in phones.words] == SCRIPT.split()
    captions = _captions(services, output)
    assert "Maybe both people bump a mop." in captions and "My mom bought a big blue map." in captions


def test_a_transcript_that_does_not_match_still_renders_recognised_and_the_document_says_so(
    services, piper_narration, tmp_path
):
    output = _run(
        services,
        _job(services, {"transcript": "The cat sat on the warm mat all afternoon long."}, piper_narration),
        tmp_path,
    )
    assert output["timing"]["source"] == "recognized"
    assert "recognised instead" in output["timing"]["note"]
    assert output["duration_s"] == pytest.approx(len(piper_narration[44:]) / 2 / SPEECH_SAMPLE_RATE, abs=0.15)
    captions = _captions(services, output).lower()
    assert "mom" in captions and "cat" not in captions


def test_narration_without_a_transcript_gets_recognised_captions(services, piper_narration, tmp_path):
    output = _run(services, _job(services, {}, piper_narration), tmp_path)
    assert output["timing"] == {"source": "recognized"}
    assert "Maybe both people" in _captions(services, output)  # recognised, then sentence-cased


def test_silent_narration_falls_back_to_loudness(services, tmp_path):
    silence = wav_bytes(np.zeros(SPEECH_SAMPLE_RATE * 2, np.float32), SPEECH_SAMPLE_RATE)
    output = _run(services, _job(services, {"transcript": "Hello."}, silence), tmp_path)
    assert output["timing"]["source"] == "loudness" and "silent" in output["timing"]["note"]
    assert "captions_vtt" not in output["files"]


@pytest.mark.skipif(espeak_library() is None, reason="libespeak-ng is not installed")
def test_mandarin_narration_with_its_transcript_is_aligned_through_espeak_and_captioned(services, tmp_path):
    words = "今天的天气很好。我们明天去北京看朋友。"
    library = espeak_library()
    samples, rate, _ = library.speak(words, "cmn-latn-pinyin+f3", 140)
    narration = wav_bytes(samples, rate)
    # no `language`: the transcript says Mandarin, so pocketsphinx (English) is not asked
    output = _run(services, _job(services, {"transcript": words}, narration), tmp_path)
    assert output["timing"]["source"] == "aligned" and "espeak-ng" in output["timing"]["note"]
    [(_, phones)] = services.stub_renderer.phones
    assert len(phones.phones) > 20 and {"m", "p"} <= {p.symbol for p in phones.phones}
    captions = _captions(services, output)
    assert "今天" in captions and "北京" in captions


@pytest.mark.skipif(espeak_library() is None, reason="libespeak-ng is not installed")
def test_a_french_script_job_speaks_with_espeak_and_its_phones(services, tmp_path):
    # language "fr" is espeak-ng's "fr-fr", a voice its library finds only by its file (roa/fr)
    output = _run(
        services,
        _job(services, {"script": "Bonjour à tous. Le musée ouvre ses portes demain matin.", "language": "fr"}),
        tmp_path,
    )
    assert output["timing"] == {"source": "espeak"}
    [(_, phones)] = services.stub_renderer.phones
    assert {"m", "b"} <= {p.symbol for p in phones.phones}
