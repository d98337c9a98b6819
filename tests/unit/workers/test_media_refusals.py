"""Input that reached a worker by another road than the API (an older row, a
direct insert) and that the media stages refuse fails the job the first time
with the media's own code: not ``internal_error``, not retried."""

from __future__ import annotations

import io
import wave

import pytest

from domain import lifecycle
from domain.models import Asset, Job, Tenant
from domain.params import with_defaults
from media.errors import MediaError
from storage import open_storage
from tasks.render_job import _as_failure
from tests.stubs import StubControl, StubServices
from workers.attempt import Attempt
from workers.pipeline import run_attempt


@pytest.fixture
def services(sqlite_settings, sessions):
    return StubServices(settings=sqlite_settings, sessions=sessions, storage=open_storage(sqlite_settings))


def _job(services, **source) -> str:
    with services.sessions() as session, session.begin():
        tenant = Tenant(name="newsroom")
        session.add(tenant)
        session.flush()
        if "narration" in source:
            data = source.pop("narration")
            asset = Asset(
                id="ast_narration",
                tenant_id=tenant.id,
                kind="audio",
                content_type="audio/wav",
                bytes=len(data),
                sha256="0" * 64,
                storage_key=f"assets/{tenant.id}/ast_narration",
                info={},
            )
            session.add(asset)
            services.storage.put_bytes(asset.storage_key, data, "audio/wav")
            source["audio_asset_id"] = asset.id
        spec = {
            **source,
            "avatar": {"preset": "astronaut"},
            "model": "builtin",
            "voice": "joe",
            "language": "en",
            "params": with_defaults({"resolution": 128, "fps": 10}),
            "watermark": {"enabled": False},
        }
        job = Job(tenant_id=tenant.id, pool="cpu", spec=spec, wm_code=11)
        session.add(job)
        session.flush()
        return job.id


def _run_and_record(services, job_id, tmp_path) -> Job:
    with services.sessions() as session, session.begin():
        claim = lifecycle.claim(session, job_id, "worker-1", 60)
    with pytest.raises(MediaError) as refused:
        run_attempt(Attempt(StubControl(claim), services, tmp_path))
    failure = _as_failure(refused.value)
    with services.sessions() as session, session.begin():
        status = lifecycle.fail_attempt(
            session, claim, failure.code, failure.message, retryable=failure.retryable, max_failures=3
        )
    assert status == "failed"
    with services.sessions() as session:
        return session.get(Job, job_id)


def test_a_script_with_a_lone_surrogate_fails_once_with_its_code(services, tmp_path):
    job = _run_and_record(services, _job(services, script="Hello \ud800 world."), tmp_path)
    assert (job.status, job.error_code, job.failures) == ("failed", "text_invalid_character", 1)
    assert "U+D800" in job.error_message


def test_narration_that_decodes_to_nothing_fails_once_with_its_code(services, tmp_path):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:  # 1 Hz, three samples: "3 seconds" that resample to nothing
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(1)
        w.writeframes(b"\x00\x10" * 3)
    job = _run_and_record(services, _job(services, narration=out.getvalue()), tmp_path)
    assert job.status == "failed" and job.failures == 1
    assert job.error_code in {"asset_unreadable", "audio_undecodable"}


def test_the_api_refuses_what_the_media_would_refuse_at_run_time():
    from media.tts.script_check import check_script

    for script, code in (
        ("Hello \ud800", "text_invalid_character"),
        ("a\x00b", "text_invalid_character"),
        ("... !!! 🙂", "script_unspeakable"),
    ):
        with pytest.raises(MediaError) as refused:
            check_script(script)
        assert refused.value.code == code
    check_script("Grüße, 世界 — 2026!")
