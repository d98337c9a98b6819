"""A script in, a watermarked lip-synced MP4 out: over HTTP, through a real
`talkfarm worker` process, on real Redis, PostgreSQL and SeaweedFS."""

from __future__ import annotations

import time

import av
import numpy as np
import pytest
import requests

pytestmark = pytest.mark.integration

SCRIPT = "Good evening. The council approved the new transport plan today. Buses will run every ten minutes."


def decode(path):
    """(frames as uint8 arrays, video duration s, audio duration s, audio samples, audio rate)."""
    with av.open(str(path)) as container:
        vstream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(vstream)]
    with av.open(str(path)) as container:
        astream = container.streams.audio[0]
        chunks = [f.to_ndarray().reshape(-1) for f in container.decode(astream)]
        rate = astream.rate
    audio = np.concatenate(chunks).astype(np.float32)
    return frames, audio, rate


def mouth_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """The lips' bounding box, found afresh in the output frame."""
    from media.render.face import analyze_image

    lips = np.array(analyze_image(frame).lips_outer)
    x0, y0 = lips.min(axis=0)
    x1, y1 = lips.max(axis=0)
    return int(x0), int(y0), int(x1), int(y1)


def test_script_to_mp4_over_http_on_real_services(real_settings, farm_factory, tmp_path):
    farm = farm_factory(real_settings)
    client = farm.client(farm.create_key("newsroom"))
    response = client.post(
        "/v1/jobs",
        json={"script": SCRIPT, "avatar": "astronaut", "params": {"resolution": 256, "fps": 25, "motion_scale": 0}},
    )
    assert response.status_code == 202, response.text
    job = farm.wait_job(client, response.json()["id"], timeout_s=240)
    assert job["status"] == "succeeded", (job, farm.logs("worker-1")[-3000:])
    output = job["output"]
    assert output["url"].startswith(real_settings.s3_endpoint_url)  # a presigned S3 link

    video = tmp_path / "out.mp4"
    video.write_bytes(requests.get(output["url"], timeout=60).content)
    from media.encode.probe import probe_video

    info = probe_video(video)
    assert (info.video_codec, info.audio_codec, info.pix_fmt) == ("h264", "aac", "yuv420p")
    assert (info.width, info.height) == (256, 256) and info.fps == pytest.approx(25)
    assert info.sha256 == output["sha256"] and info.bytes == output["bytes"]

    frames, audio, rate = decode(video)
    video_s = len(frames) / 25
    speech = np.abs(audio) > 0.02
    speech_end = (np.nonzero(speech)[0][-1] + 1) / rate
    # the video lasts as long as the audio track, within one frame, and covers all the speech
    assert abs(video_s - len(audio) / rate) <= 1 / 25 + 0.03  # AAC priming may add a few ms
    assert speech_end <= video_s

    # the mouth moves while the speech plays; the rest of the picture holds still
    stack = np.stack(frames).astype(np.float32)
    change = np.abs(np.diff(stack, axis=0)).mean(axis=(0, 3))
    x0, y0, x1, y1 = mouth_box(frames[0])
    pad = int(0.6 * (x1 - x0))
    inside = change[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad]
    outside = change.copy()
    outside[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = 0
    assert inside.mean() > 0.5, "the mouth hardly moves"
    assert inside.mean() > 8 * outside.mean(), "movement is not concentrated at the mouth"

    # the job's record: every stage passed, events in order, one attempt
    with farm.sessions() as session:
        import sqlalchemy as sa

        from domain.models import JobEvent

        kinds = session.scalars(
            sa.select(JobEvent.kind).where(JobEvent.job_id == job["id"]).order_by(JobEvent.id)
        ).all()
    assert kinds[0] == "created" and kinds[1] == "claimed" and kinds[-1] == "succeeded"
    assert job["attempts"] == 1 and set(job["output"]["files"]) >= {"poster", "captions_vtt", "captions_srt"}

    redirect = client.get(f"/v1/jobs/{job['id']}/output", allow_redirects=False)
    assert (
        redirect.status_code == 302
        and requests.get(redirect.headers["Location"], timeout=60).content == video.read_bytes()
    )


def test_uploaded_narration_skips_tts_and_sets_the_length(real_settings, farm_factory, tmp_path):
    from media.encode.probe import probe_video
    from media.encode.wav import wav_bytes

    rate = 24000
    t = np.arange(int(3.0 * rate)) / rate
    bursts = (np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 2.5 * t) > 0) * 0.5).astype(np.float32)
    farm = farm_factory(real_settings)
    client = farm.client(farm.create_key("radio"))
    asset = client.post("/v1/assets", files={"file": ("narration.wav", wav_bytes(bursts, rate), "audio/wav")})
    assert asset.status_code == 201, asset.text
    assert asset.json()["kind"] == "audio" and abs(asset.json()["info"]["duration_s"] - 3.0) < 0.01

    wrong = client.post(
        "/v1/jobs", json={"audio_asset_id": asset.json()["id"], "avatar": "astronaut", "params": {"duration": 5.0}}
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "duration_mismatch"

    job = client.post(
        "/v1/jobs",
        json={
            "audio_asset_id": asset.json()["id"],
            "avatar": "astronaut",
            "params": {"duration": 3.0, "resolution": 128},
        },
    ).json()
    job = farm.wait_job(client, job["id"], timeout_s=120)
    assert job["status"] == "succeeded", job
    timings = job["timings"]  # recognising the narration's words runs, and is timed, inside the tts stage
    assert timings.get("tts", 0.0) - timings.get("recognition", 0.0) < 0.05  # nothing was synthesised
    video = tmp_path / "narration.mp4"
    video.write_bytes(requests.get(job["output"]["url"], timeout=60).content)
    assert abs(probe_video(video).duration_s - 3.0) <= 1 / 25 + 0.03
    assert "captions_vtt" not in job["output"]["files"]  # tone bursts: no words recognised, so no captions
    assert job["output"]["timing"]["source"] in ("recognized", "loudness")

    # the worker's batch histograms reach /metrics through its heartbeat
    deadline = time.monotonic() + 20  # the next heartbeat (every 5 s) carries the job's figures
    while time.monotonic() < deadline:
        metrics = requests.get(farm.url + "/metrics", timeout=10).text
        if "talkfarm_batch_size_bucket" in metrics and 'stage="render"' in metrics:
            break
        time.sleep(1)
    assert 'talkfarm_batch_size_count{pool="cpu"}' in metrics and "talkfarm_batch_fill_ratio_bucket" in metrics
    assert 'talkfarm_render_seconds_bucket{le="+Inf",pool="cpu",stage="render"}' in metrics
    assert 'talkfarm_jobs{state="succeeded"} 1.0' in metrics
