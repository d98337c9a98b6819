"""`talkfarm verify` on a file larger than the API takes (the farm's ProRes 4444 MOVs run 15–34 MB a
second): it sends the first frames, all the detector reads — copied when they fit, re-encoded when not —
names the job, says what it sent, and reads the whole file's content credentials on this machine."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import threading

import imageio_ffmpeg
import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.serving import make_server

from domain.models import Job
from media.watermark.c2pa_manifest import sign_mp4
from tests.credentials import c2pa_credentials
from tests.stubs import RecordingSender

SIDE = 512
FRAMES = 130  # 5.2 s at 25 fps; the detector reads the first 100 (ProRes 4444 at 512²: 0.4 MB a frame)


@pytest.fixture
def limit(request):
    return request.param


@pytest.fixture
def api_url(sqlite_settings, limit):
    """The API with an upload limit of ``limit`` bytes."""
    from api.app import create_app

    settings = dataclasses.replace(sqlite_settings, max_asset_bytes=limit)
    server = make_server("127.0.0.1", 0, create_app(settings, sender=RecordingSender()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _prores_4444(path, settings, job_code: int, tenant_id: str):
    """A 512² ProRes 4444 MOV with alpha, as the farm delivers `output_format: mov`, carrying the job's mark."""
    from domain.presets import preset_path
    from media.watermark import InvisibleWatermark, Payload, tenant_code, watermark_key

    key = watermark_key(settings)
    image = np.asarray(Image.open(preset_path("astronaut")).convert("RGB").resize((SIDE, SIDE), Image.BICUBIC))
    payload = Payload(job_code=job_code, tenant_code=tenant_code(tenant_id, key))
    marked = InvisibleWatermark(key).embedder(payload, SIDE, SIDE).apply(image)
    rgba = np.dstack([marked, np.full((SIDE, SIDE), 255, np.uint8)])
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgba"]
    cmd += ["-s", f"{SIDE}x{SIDE}", "-r", "25", "-i", "-", "-c:v", "prores_ks", "-profile:v", "4444"]
    cmd += ["-pix_fmt", "yuva444p10le", str(path)]
    subprocess.run(cmd, input=rgba.tobytes() * FRAMES, check=True)
    return path


@pytest.mark.parametrize(
    "limit, how",
    [(4 * 1024 * 1024, "re-encoded as H.264"), (45 * 1024 * 1024, "copied as they are")],
    indirect=["limit"],
)
def test_a_mov_over_the_upload_limit_is_verified_from_its_first_frames(
    talkfarm, keys, sessions, sqlite_settings, tmp_path, limit, how, monkeypatch
):
    submitted = json.loads(talkfarm(keys["alpha"], "submit", "Hello.", "--avatar", "astronaut", "--json").stdout)
    with sessions() as session:
        job = session.scalars(sa.select(Job).where(Job.id == submitted["id"])).one()
        job_code, tenant_id = job.wm_code, job.tenant_id
    # named as a camera or an editor names files, and given relative: FFmpeg read "take1:" as a protocol
    unsigned = _prores_4444(tmp_path / "unsigned.mov", sqlite_settings, job_code, tenant_id)
    video = tmp_path / "take1:2026-12-07T12:30.mov"
    chain, key, _ = c2pa_credentials()
    sign_mp4(
        unsigned,
        video,
        cert_pem=chain,
        key_pem=key,
        model="builtin",
        voice="joe",
        tenant="t",
        job_id=submitted["id"],
        mime="video/quicktime",
    )
    monkeypatch.chdir(tmp_path)
    first_100 = video.stat().st_size * 100 // FRAMES
    assert video.stat().st_size > limit and (first_100 <= limit) == (how == "copied as they are")

    result = talkfarm(keys["alpha"], "verify", video.name)

    assert result.exit_code == 0, (result.stdout, result.stderr)
    document = json.loads(result.stdout)
    assert document["found"] and document["your_job"] and document["job_id"] == submitted["id"], document
    checked = document["checked"]
    assert checked["whole_file"] is False and checked["frames"] == 100 and checked["seconds"] == 4.0
    assert checked["sent"].startswith("the first 100 frames (4.00 s), " + how), checked
    assert checked["sent_bytes"] <= limit < checked["file_bytes"] == video.stat().st_size
    # the credentials, read here from the whole file the API never saw: signed, and not a byte changed since
    credentials = document["content_credentials"]
    assert credentials["present"] and credentials["signature_valid"], credentials
    assert credentials["generation"]["job_id"] == submitted["id"] and credentials["trusted"] is None
    assert "only its first 4.00 s" in result.stderr and "(C2PA) were read here" in result.stderr


@pytest.mark.parametrize("limit", [25 * 1024 * 1024], indirect=True)
def test_a_file_under_the_limit_is_sent_whole_as_before(talkfarm, keys, tmp_path, limit):
    from tests.composition_files import video

    clip = tmp_path / "small.mp4"
    clip.write_bytes(video(64, 64, "25", 1.0, "mp4", "gray"))
    result = talkfarm(keys["alpha"], "verify", str(clip))
    assert result.exit_code == 3, (result.stdout, result.stderr)  # found nothing: not ours
    assert "checked" not in json.loads(result.stdout) and "note:" not in result.stderr
    assert json.loads(result.stdout)["content_credentials"] == {"present": False, "read_from": str(clip)}


def test_a_cut_that_runs_past_its_deadline_is_a_clear_refusal_not_a_traceback(monkeypatch):
    import media.watermark.sample as sample
    from media.errors import MediaError

    monkeypatch.setattr(sample, "SAMPLE_TIMEOUT_S", 0.001)
    with pytest.raises(MediaError) as refused:
        sample._run(["-f", "lavfi", "-i", "testsrc=duration=30:size=1920x1080", "-f", "null", "-"])
    assert refused.value.code == "video_unreadable" and "took over" in refused.value.detail
