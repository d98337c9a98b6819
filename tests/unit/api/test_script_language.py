"""A script's language at submit: detected when the job names none, and a
named voice that cannot speak it is refused, naming both."""

from __future__ import annotations

import io

import numpy as np
import pytest

from media.encode.wav import wav_bytes
from media.tts.voices import espeak_binary
from tests.unit.api.test_requests import JOB, assert_problem, nothing_stored

needs_espeak = pytest.mark.skipif(espeak_binary() is None, reason="espeak-ng is not installed")


def test_a_mandarin_script_for_the_english_voice_is_a_422_naming_both(alpha, sessions, sqlite_settings):
    body = assert_problem(
        alpha.post("/v1/jobs", json={**JOB, "script": "今天的天气很好。我们去公园吧。", "voice": "joe"}),
        422,
        "voice_language_mismatch",
    )
    assert "'joe'" in body["detail"] and "en-us" in body["detail"]
    assert "Mandarin" in body["detail"] and "cmn" in body["detail"]
    nothing_stored(sessions, sqlite_settings)


def test_a_german_script_for_the_english_voice_is_a_422(alpha):
    body = assert_problem(
        alpha.post(
            "/v1/jobs", json={**JOB, "script": "Der Bundestag hat heute ein neues Gesetz beschlossen.", "voice": "joe"}
        ),
        422,
        "voice_language_mismatch",
    )
    assert "German (de)" in body["detail"]


def test_naming_the_language_overrides_the_detection(alpha):
    response = alpha.post(
        "/v1/jobs", json={**JOB, "script": "Kindergarten, Angst, Zeitgeist.", "voice": "joe", "language": "en"}
    )
    assert response.status_code == 202, response.get_json()


@needs_espeak
def test_a_mandarin_script_without_language_gets_a_mandarin_voice(alpha):
    response = alpha.post("/v1/jobs", json={**JOB, "script": "今天的天气很好。"})
    assert response.status_code == 202, response.get_json()
    spec = alpha.get(f"/v1/jobs/{response.get_json()['id']}").get_json()["spec"]
    assert (spec["voice"], spec["language"]) == ("espeak:cmn", "cmn")
    assert spec["language_detected"]["language"] == "cmn"


def test_an_english_script_keeps_the_english_voice(alpha):
    response = alpha.post("/v1/jobs", json={**JOB, "script": "Good evening, here is the news from the coast."})
    assert response.status_code == 202
    spec = alpha.get(f"/v1/jobs/{response.get_json()['id']}").get_json()["spec"]
    assert spec["voice"] == "joe" and spec["language_detected"]["language"] == "en"


def _narration(alpha) -> str:
    tone = (0.3 * np.sin(np.arange(24000) * 2 * np.pi * 220 / 24000)).astype(np.float32)
    response = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(wav_bytes(tone, 24000)), "narration.wav")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_narration_carries_its_transcript_into_the_job(alpha):
    audio = _narration(alpha)
    response = alpha.post(
        "/v1/jobs", json={"audio_asset_id": audio, "avatar": "astronaut", "transcript": "  Hello from the newsroom. "}
    )
    assert response.status_code == 202, response.get_json()
    spec = alpha.get(f"/v1/jobs/{response.get_json()['id']}").get_json()["spec"]
    assert spec["transcript"] == "Hello from the newsroom."


def test_a_transcript_on_a_script_job_is_refused(alpha):
    assert_problem(alpha.post("/v1/jobs", json={**JOB, "transcript": "other words"}), 422, "transcript_with_script")
