"""Draft, approve, final: on a real farm (API, worker, scheduler; PostgreSQL,
Redis, SeaweedFS). The draft is smaller and carries a DRAFT mark; the final
has the draft's speech and timing (same audio, same length) at full size,
and its speech comes from the TTS cache the draft filled."""

from __future__ import annotations

import av
import numpy as np
import pytest
import requests

pytestmark = pytest.mark.integration

SCRIPT = "Good evening. The council approved the new transport plan today."


def download(client, job: dict, path):
    path.write_bytes(requests.get(job["output"]["url"], timeout=60).content)
    return path


def audio_of(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(container.streams.audio[0])])


def first_frame(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(container.streams.video[0])).to_ndarray(format="rgb24")


def test_a_draft_is_approved_into_a_final_with_the_same_speech_and_timing(real_settings, farm_factory, tmp_path):
    farm = farm_factory(real_settings)
    client = farm.client(farm.create_key("studio"))
    body = {"script": SCRIPT, "avatar": "astronaut", "draft": True, "params": {"resolution": 256, "fps": 25}}
    response = client.post("/v1/jobs", json=body)
    assert response.status_code == 202, response.text
    draft = farm.wait_job(client, response.json()["id"], timeout_s=240)
    assert draft["status"] == "succeeded", (draft, farm.logs("worker-1")[-3000:])
    assert (draft["output"]["width"], draft["output"]["fps"]) == (128, 25)  # drawn at 12 fps, held to the final's 25

    approved = client.post(f"/v1/jobs/{draft['id']}/approve")
    assert approved.status_code == 202, approved.text
    final = farm.wait_job(client, approved.json()["id"], timeout_s=240)
    assert final["status"] == "succeeded", (final, farm.logs("worker-1")[-3000:])
    assert final["draft_of"] == draft["id"] and final["draft"] is False
    assert client.get(f"/v1/jobs/{draft['id']}").json()["final_job_id"] == final["id"]
    assert (final["output"]["width"], final["output"]["height"]) == (256, 256)

    draft_mp4, final_mp4 = (
        download(client, draft, tmp_path / "draft.mp4"),
        download(client, final, tmp_path / "final.mp4"),
    )
    assert draft["output"]["duration_s"] == pytest.approx(final["output"]["duration_s"], abs=0.001)
    a, b = audio_of(draft_mp4), audio_of(final_mp4)
    assert len(a) == len(b) and np.corrcoef(a, b)[0, 1] > 0.99  # the same speech, to the sample
    # the final spoke from the cache the draft filled: far less TTS time than the draft's
    assert final["timings"].get("tts", 0) < max(0.05, 0.5 * draft["timings"]["tts"])
    # the DRAFT label: the draft's top-left corner differs from the final's (scaled to the same size)
    from PIL import Image

    d = np.asarray(Image.fromarray(first_frame(draft_mp4)).resize((256, 256))).astype(int)
    f = first_frame(final_mp4).astype(int)
    assert np.abs(d[:40, :110] - f[:40, :110]).mean() > 3 * np.abs(d[128:, :] - f[128:, :]).mean()

    assert client.post(f"/v1/jobs/{final['id']}/approve").json()["code"] == "job_not_draft"
