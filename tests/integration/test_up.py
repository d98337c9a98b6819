"""The same path through `talkfarm up`, with no servers at all: SQLite,
the SQLite broker, a storage folder. Driven only through the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.services import free_port, wait_for

pytestmark = pytest.mark.integration


def talkfarm(env, *args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def up(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKFARM_")}
    env.update(TALKFARM_DATA_DIR=str(tmp_path / "data"), TALKFARM_API_URL=f"http://127.0.0.1:{port}")
    log = open(tmp_path / "up.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "up", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def healthy():
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(lambda: healthy() or proc.poll() is not None, 120, "talkfarm up")
        assert proc.poll() is None, (tmp_path / "up.log").read_text()
        yield env, proc, tmp_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def test_up_renders_a_script_with_no_servers(up):
    env, proc, tmp = up
    out = tmp / "hello.mp4"
    done = talkfarm(
        env,
        "submit",
        "Hello from one machine. No servers were harmed.",
        "--avatar",
        "astronaut",
        "--param",
        "resolution=256",
        "--wait",
        "--output",
        str(out),
    )
    assert done.returncode == 0, done.stdout + done.stderr + (tmp / "up.log").read_text()[-3000:]
    assert "succeeded" in done.stdout
    from media.encode.probe import probe_video

    info = probe_video(out)
    assert (info.video_codec, info.audio_codec, info.width, info.height) == ("h264", "aac", 256, 256)
    job_id = done.stdout.split("submitted ")[1].split()[0]
    # the embedded farm's files are its owner's alone (the database holds webhook secrets; they were 0644)
    data = tmp / "data"
    assert data.stat().st_mode & 0o077 == 0
    made = [path for path in data.rglob("*") if path.is_file()]
    assert {"talkfarm.db", "broker.db"} <= {path.name for path in made}
    assert [path for path in made if path.stat().st_mode & 0o077] == []

    status = talkfarm(env, "status", job_id)
    assert status.returncode == 0 and json.loads(status.stdout)["status"] == "succeeded"

    verified = talkfarm(env, "verify", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["job_id"] == job_id

    # SIGTERM stops the whole farm cleanly
    os.killpg(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=120) == 0


def test_cli_prints_the_problem_and_exits_non_zero_on_bad_input(up):
    env, _, _ = up
    bad = talkfarm(env, "submit", "Hello.", "--avatar", "nobody")
    assert bad.returncode != 0 and "avatar_unknown" in bad.stderr
    bad = talkfarm(env, "submit", "Hello.", "--avatar", "astronaut", "--param", "fps=500")
    assert bad.returncode != 0 and "param_out_of_range" in bad.stderr and "fps" in bad.stderr
    missing = talkfarm(env, "status", "job_doesnotexist")
    assert missing.returncode != 0 and "job_not_found" in missing.stderr
