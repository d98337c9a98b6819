"""A whole attempt in one process: SQLite, local storage, a stub renderer
(tests/stubs.py), and the real stages around it — narration input, segment
plan, encode, watermarks, join, poster, upload. No broker, no worker."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from domain import lifecycle
from domain.errors import Interrupted, JobFailure
from domain.models import Asset, Job, Segment, Tenant
from domain.params import with_defaults
from media.encode import SegmentEncoder, write_poster
from storage import open_storage
from tests.stubs import StubControl, StubServices, tone_wav
from workers.attempt import Attempt
from workers.pipeline import run_attempt

RATE = 24000


def narration(seconds: float) -> bytes:
    """Tone bursts with pauses, as 16-bit WAV: long enough for two segments."""
    return tone_wav(seconds, RATE, bursts_hz=3, voiced_above=-0.2)


@pytest.fixture
def services(sqlite_settings, sessions):
    return StubServices(settings=sqlite_settings, sessions=sessions, storage=open_storage(sqlite_settings))


@pytest.fixture
def job_id(services):
    data = narration(32.0)
    with services.sessions() as session, session.begin():
        tenant = Tenant(name="newsroom")
        session.add(tenant)
        session.flush()
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
        spec = {
            "audio_asset_id": asset.id,
            "avatar": {"preset": "astronaut"},
            "model": "builtin",
            "params": with_defaults({"resolution": 128, "fps": 10}),
            "watermark": {"enabled": False},
        }
        job = Job(tenant_id=tenant.id, pool="cpu", spec=spec, wm_code=7)
        session.add(job)
        session.flush()
        return job.id


def claim(services, job_id: str) -> lifecycle.Claim:
    with services.sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
        return lifecycle.claim(session, job_id, "worker-1", 60)


def test_a_whole_attempt_renders_every_frame_and_publishes_the_output(services, job_id, tmp_path):
    outcome, timings = run_attempt(Attempt(StubControl(claim(services, job_id)), services, tmp_path))

    assert outcome["duration_s"] == pytest.approx(32.0, abs=0.2)
    assert (outcome["width"], outcome["height"]) == (128, 128)
    assert services.stub_renderer.rendered_frames == 320  # 32 s at 10 fps, every frame once
    assert services.storage.exists(outcome["key"]) and "poster" in outcome["files"]
    # the segments stay until the task records success (tasks/render_job.py clears them after that commit)
    assert services.storage.list(f"work/{job_id}/") == [
        f"work/{job_id}/seg-{i:04d}.{ext}" for i in range(2) for ext in ("json", "mp4", "wav")
    ]
    with services.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Segment).where(Segment.job_id == job_id)) == 2
        assert session.get(Job, job_id).stage == "upload"
    assert {"inputs", "render", "encode", "upload"} <= set(timings)


def drained_after_one_segment(services, job_id: str, scratch) -> dict:
    """Run a first attempt until it has rendered a segment, drain it at the next segment boundary and hand the job
    back; the segments it recorded. The drain comes while the segment is still being closed and stored in the
    background (``SegmentCloser``): the attempt must still record it on its way out."""

    def drain_once_a_segment_is_rendered():
        return Interrupted("draining") if services.stub_renderer.rendered_frames else None

    first = StubControl(claim(services, job_id), stop_when=drain_once_a_segment_is_rendered)
    with pytest.raises(Interrupted):
        run_attempt(Attempt(first, services, scratch))
    with services.sessions() as session, session.begin():
        done = lifecycle.finished_segments(session, job_id)
        lifecycle.hand_back(session, first.claim, "drained")
    return done


def test_an_attempt_resumes_from_the_last_finished_segment(services, job_id, tmp_path):
    done = drained_after_one_segment(services, job_id, tmp_path / "a")
    rendered_first = services.stub_renderer.rendered_frames
    assert list(done) == [0] and rendered_first == done[0].frames

    outcome, _ = run_attempt(Attempt(StubControl(claim(services, job_id)), services, tmp_path / "b"))

    # the second attempt rendered only the segment the first had not finished
    assert services.stub_renderer.rendered_frames - rendered_first == 320 - done[0].frames
    assert outcome["duration_s"] == pytest.approx(32.0, abs=0.2)


def test_a_segment_recorded_but_gone_from_storage_is_rendered_again(services, job_id, tmp_path):
    """The chaos run once failed a job for good: an attempt cleared the job's work, was killed before its success
    was committed, and each attempt after it tried to fetch the recorded segment 0 ("no such object")."""
    assert list(drained_after_one_segment(services, job_id, tmp_path / "a")) == [0]
    rendered_first = services.stub_renderer.rendered_frames
    services.storage.delete_prefix(f"work/{job_id}/")

    outcome, _ = run_attempt(Attempt(StubControl(claim(services, job_id)), services, tmp_path / "b"))

    assert services.stub_renderer.rendered_frames - rendered_first == 320  # segment 0 again, then segment 1
    assert outcome["duration_s"] == pytest.approx(32.0, abs=0.2)


def test_the_next_segment_renders_while_the_last_one_is_being_closed(services, job_id, tmp_path, monkeypatch):
    """x264 takes a few tenths of a second to finish a segment; the renderer goes on meanwhile (``SegmentCloser``)."""
    close = SegmentEncoder.close
    seen_while_closing: list[int] = []

    def slow_close(encoder):
        if encoder.path.name == "seg-0000.mp4":
            first = encoder.frames_written
            deadline = time.monotonic() + 20
            while services.stub_renderer.rendered_frames <= first and time.monotonic() < deadline:
                time.sleep(0.01)
            seen_while_closing.append(services.stub_renderer.rendered_frames - first)
        return close(encoder)

    monkeypatch.setattr(SegmentEncoder, "close", slow_close)
    outcome, _ = run_attempt(Attempt(StubControl(claim(services, job_id)), services, tmp_path))

    assert seen_while_closing and seen_while_closing[0] > 0  # segment 1 rendered before segment 0 was closed
    assert outcome["duration_s"] == pytest.approx(32.0, abs=0.2)
    with services.sessions() as session:
        assert sorted(lifecycle.finished_segments(session, job_id)) == [0, 1]


def test_a_segment_that_fails_to_close_fails_the_attempt_and_stops_the_next_encoder(
    services, job_id, tmp_path, monkeypatch
):
    close, abort = SegmentEncoder.close, SegmentEncoder.abort
    aborted: list[str] = []

    def failing_close(encoder):
        if encoder.path.name == "seg-0000.mp4":
            encoder.abort()
            raise JobFailure("encode_failed", "ffmpeg exited with 1")
        return close(encoder)

    def counted_abort(encoder):
        aborted.append(encoder.path.name)
        return abort(encoder)

    monkeypatch.setattr(SegmentEncoder, "close", failing_close)
    monkeypatch.setattr(SegmentEncoder, "abort", counted_abort)
    with pytest.raises(JobFailure) as failure:
        run_attempt(Attempt(StubControl(claim(services, job_id)), services, tmp_path))

    assert failure.value.code == "encode_failed"
    assert "seg-0001.mp4" in aborted  # the segment rendering when the failure came out: its ffmpeg is stopped
    with services.sessions() as session:
        assert lifecycle.finished_segments(session, job_id) == {}


def test_the_sound_track_is_made_while_the_last_segment_renders(services, job_id, tmp_path, monkeypatch):
    """Speech joined and encoded to AAC beside the renderer, so the finish only copies it into the MP4."""
    import workers.pipeline as pipeline

    made = threading.Event()
    make = pipeline.square_audio

    def audio_then_flag(*args):
        audio = make(*args)
        made.set()
        return audio

    renderer, render = services.stub_renderer, services.stub_renderer.render
    made_before_the_last_frame: list[bool] = []

    def render_waiting_at_the_last_frame(prepared, audio, sample_rate, params, first_frame_index=0, phones=None):
        frames = list(render(prepared, audio, sample_rate, params, first_frame_index, phones))
        yield from frames[:-1]
        if first_frame_index + len(frames) == 320:  # the job's last frame
            made_before_the_last_frame.append(made.wait(timeout=20))
        yield frames[-1]

    monkeypatch.setattr(pipeline, "square_audio", audio_then_flag)
    monkeypatch.setattr(renderer, "render", render_waiting_at_the_last_frame)
    outcome, _ = run_attempt(Attempt(StubControl(claim(services, job_id)), services, tmp_path))

    assert made_before_the_last_frame == [True]
    assert outcome["duration_s"] == pytest.approx(32.0, abs=0.2)
    assert outcome["audio_codec"] == "aac"
    assert outcome["content_credentials"] == "none"  # unsigned (no key here), and the document says so


def test_the_poster_is_made_beside_the_join(services, job_id, tmp_path, monkeypatch):
    """From the segments, the frame the joined video has a quarter in: the join copies those frames."""
    import workers.stages.finish as finish

    made = threading.Event()
    make, join = finish.poster_from_segments, finish.concat_and_mux
    made_during_the_join: list[bool] = []

    def poster_then_flag(*args):
        poster = make(*args)
        made.set()
        return poster

    def join_waiting_for_the_poster(*args, **kwargs):
        made_during_the_join.append(made.wait(timeout=20))
        return join(*args, **kwargs)

    monkeypatch.setattr(finish, "poster_from_segments", poster_then_flag)
    monkeypatch.setattr(finish, "concat_and_mux", join_waiting_for_the_poster)
    outcome, _ = run_attempt(Attempt(StubControl(claim(services, job_id)), services, tmp_path))

    assert made_during_the_join == [True]
    # the frame the published video has a quarter in (the stub renderer's frames brighten by a level a frame)
    video = tmp_path / "published.mp4"
    services.storage.get_file(outcome["key"], video)
    poster, expected = tmp_path / "poster.jpg", write_poster(video, tmp_path / "expected.jpg")
    services.storage.get_file(outcome["files"]["poster"]["key"], poster)
    with Image.open(poster) as made_image, Image.open(expected) as expected_image:
        assert abs(np.asarray(made_image).mean() - np.asarray(expected_image).mean()) < 1.5
