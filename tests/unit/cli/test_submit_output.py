"""`talkfarm submit … --rendition WxH --wait --output x.mp4` saves every cut: the video where --output says and
each rendition beside it, named by its size in its own format, each path printed. Before, only the main video
was saved and a rendition's signed link printed. The job runs for real in this process (the real stages, the
built-in renderer) while the CLI waits on it; the files come down through the API's signed links."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from domain import lifecycle
from domain.models import Job
from media.encode import probe_video
from storage import open_storage
from tests.stubs import StubControl
from tests.unit.compose.jobs import Services
from workers.pipeline import run_pipeline


@pytest.fixture
def jobs_run_while_waiting(sqlite_settings, sessions, monkeypatch):
    """``--wait`` follows a job a worker runs: here the job is run, whole, when the CLI starts following it."""
    import cli.progress

    services = Services(sqlite_settings, sessions, open_storage(sqlite_settings))

    def follow(client, job_id, poll_s=1.0, *, to_stderr=False):
        with sessions() as session, session.begin():
            session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
            claim = lifecycle.claim(session, job_id, "worker-1", 60)
        output, timings = run_pipeline(StubControl(claim), services)
        with sessions() as session, session.begin():
            lifecycle.succeed(session, claim, output, timings)
        job, _ = client.job(job_id)
        return job

    monkeypatch.setattr(cli.progress, "follow", follow)


SMALL = ["--param", "fps=10", "--param", "motion_scale=0"]


@pytest.mark.parametrize(("output_format", "video_codec"), [("mp4", "h264"), ("webm", "vp9")])
def test_output_saves_each_rendition_beside_the_video(
    talkfarm, keys, tmp_path, jobs_run_while_waiting, output_format, video_codec
):
    body = tmp_path / "body.json"
    body.write_text(f'{{"output_format": "{output_format}"}}')
    out = tmp_path / "clips" / f"x.{output_format}"
    done = talkfarm(
        keys["alpha"],
        "submit",
        "Hello.",
        "--avatar",
        "astronaut",
        "--canvas",
        "320x180",
        "--rendition",
        "180x320",
        "--rendition",
        "192x192",
        "--body",
        str(body),
        *SMALL,
        "--wait",
        "--output",
        str(out),
    )
    assert done.exit_code == 0, done.output
    saved = {path.name for path in out.parent.iterdir()}
    assert saved == {f"x.{output_format}", f"x.180x320.{output_format}", f"x.192x192.{output_format}"}
    for name, size in [(f"x.180x320.{output_format}", (180, 320)), (f"x.192x192.{output_format}", (192, 192))]:
        path = out.parent / name
        info = probe_video(path)
        assert (info.width, info.height) == size and info.video_codec == video_codec
        assert f"rendition {size[0]}x{size[1]}: {path.resolve()}" in done.output
    assert f"video: {out.resolve()}" in done.output
    assert "/v1/files/" not in done.output  # the files are saved, not their links printed


def test_rendition_paths_use_each_cuts_own_extension_and_never_collide():
    from cli.main import rendition_paths

    cuts = [{"width": 1080, "height": 1920, "format": "mov"}, {"width": 1080, "height": 1920, "format": "mov"}]
    assert rendition_paths(Path("out/x.mov"), cuts, "mp4") == [
        Path("out/x.1080x1920.mov"),
        Path("out/x.1080x1920-2.mov"),
    ]
    assert rendition_paths(Path("clip"), [{"width": 720, "height": 720}], "webm") == [Path("clip.720x720.webm")]


def test_a_webms_content_credentials_are_saved_beside_it_where_verify_reads_them(
    talkfarm, keys, tmp_path, sqlite_settings, monkeypatch, jobs_run_while_waiting
):
    """A WebM cannot embed its C2PA manifest: the farm stores it beside the video (``files.content_credentials``).
    ``--output`` saved the video alone, so the downloaded WebM had no credentials anywhere. Now each cut's manifest
    is saved as ``<name>.c2pa`` beside it, and ``talkfarm verify`` reads it there."""
    import dataclasses

    import workers.stages.finish as finish
    from cli.verify import credentials
    from tests.credentials import c2pa_credentials

    chain, key, _ = c2pa_credentials()
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    signing = dataclasses.replace(
        sqlite_settings, c2pa_cert=str(tmp_path / "chain.pem"), c2pa_key=str(tmp_path / "key.pem")
    )
    real = finish._manifest_args
    monkeypatch.setattr(finish, "_manifest_args", lambda attempt, voice: real(_with(attempt, signing), voice))
    body = tmp_path / "body.json"
    body.write_text('{"output_format": "webm"}')
    out = tmp_path / "clips" / "x.webm"
    done = talkfarm(
        keys["alpha"], "submit", "Hello.", "--avatar", "astronaut", "--canvas", "320x180", "--rendition", "180x320",
        "--body", str(body), *SMALL, "--wait", "--output", str(out),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    saved = {path.name for path in out.parent.iterdir()}
    assert saved == {"x.webm", "x.webm.c2pa", "x.180x320.webm", "x.180x320.webm.c2pa"}
    for name in ("x.webm", "x.180x320.webm"):
        found = credentials(out.parent / name)
        assert found["present"] and found["signature_valid"], (name, found)
        assert found["read_from"] == str(out.parent / f"{name}.c2pa")
    assert "its content credentials: x.180x320.webm.c2pa" in done.output


def _with(attempt, settings):
    """The attempt as the pipeline made it, reading ``settings`` instead (only the signing key differs)."""

    class Signed:
        def __getattr__(self, name):
            return settings if name == "settings" else getattr(attempt, name)

    return Signed()
