"""A crossfade between scenes, judged on the delivered file as a video editor would: the dissolve runs between two
presenters at rest and never over words. Before, it started at the scene cut from a still of the previous scene into
the next one already talking: its first words ("Residents", 0.1 s in) spoken inside the fade, with the same presenter
two mouths and two sets of eyes on screen, and its captions over the dissolve. Now the next scene holds silent, its
presenter at rest, for the fade's length, then speaks; the video is longer by the fade, the fade as long as asked.
A brand kit's intro that crossfades into the job fades into its presenter at rest the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from media.render.face import analyze_image
from tests import brand_files
from tests.unit.compose.jobs import Services, add_asset, composition, new_tenant, run_job, scene, tone_wav
from tests.unit.compose.test_composed_jobs import BLUE, make_services
from tests.unit.compose.viewing import audio_of, fetch, frames_of

FPS = 10
RED = (0xC0, 0x20, 0x20)
RATE = 16000  # what audio_of reads at


def two_scenes(transition: dict[str, Any], **first: Any) -> dict[str, Any]:
    """The same presenter in both scenes, placed alike, on red then blue; subtitles burned in."""
    return composition(
        480,
        270,
        [
            scene("Good evening.", background={"type": "color", "color": "#c02020"}, **first),
            scene(
                "Fans celebrated in the streets after the match.",
                background={"type": "color", "color": BLUE},
                transition=transition,
            ),
        ],
        captions={"burn_in": True, "style": "subtitle"},
    )


def delivered(services: Services, tenant: str, comp: dict[str, Any], name: str, tmp: Path, **kwargs: Any):
    output = run_job(services, tenant, comp, fps=FPS, **kwargs)
    video = fetch(services, output["key"], tmp / f"{name}.mp4")
    vtt = fetch(services, output["files"]["captions_vtt"]["key"], tmp / f"{name}.vtt")
    return output, video, vtt


def cues(vtt: Path) -> list[tuple[float, str]]:
    """Each cue's start (seconds) and text."""
    out, lines = [], vtt.read_text().splitlines()
    for n, line in enumerate(lines):
        if "-->" in line:
            h, m, s = line.split("-->")[0].strip().split(":")
            out.append((int(h) * 3600 + int(m) * 60 + float(s), lines[n + 1]))
    return out


def rms(audio: np.ndarray, start: float, end: float) -> float:
    part = audio[int(start * RATE) : int(end * RATE)]
    return float(np.sqrt(np.mean(part**2)))


def mouth_box(frame: np.ndarray, pad: int = 6) -> tuple[slice, slice]:
    """The lips and a margin around them, as the face mesh finds them on ``frame``."""
    face = analyze_image(np.ascontiguousarray(frame))
    xs = [face.points[name][0] for name in ("mouth_corner_a", "mouth_corner_b")]
    top, bottom = face.points["upper_lip_top"][1], face.points["lower_lip_bottom"][1]
    return slice(int(top) - pad, int(bottom) + pad), slice(int(min(xs)) - pad, int(max(xs)) + pad)


def mouth_change(frame: np.ndarray, rest: np.ndarray, box: tuple[slice, slice]) -> float:
    return float(np.abs(frame[box].astype(np.int16) - rest[box].astype(np.int16)).mean())


def caption_letters(frame: np.ndarray) -> int:
    return int((frame[190:].astype(np.int16).min(axis=2) > 225).sum())  # white letters in the captions' room


@pytest.fixture(scope="module")
def crossfaded(tmp_path_factory):
    """The two scenes joined by a cut and by a 1 s crossfade, on one farm (the second job's speech comes from the
    speech cache: the same samples)."""
    root = tmp_path_factory.mktemp("crossfade")
    services = make_services(root)
    tenant = new_tenant(services)
    cut = delivered(services, tenant, two_scenes({"type": "cut", "duration": 0.0}), "cut", root, wm_code=1)
    fade = delivered(services, tenant, two_scenes({"type": "crossfade", "duration": 1.0}), "fade", root, wm_code=2)
    frames = frames_of(cut[1])
    # the cut: the first frame of the second scene's blue
    boundary = next(t for t, f in frames if np.abs(np.median(f[5:40, 5:60].reshape(-1, 3), axis=0) - RED).max() > 40)
    return root, cut, fade, boundary


def test_no_speech_is_heard_inside_the_fade(crossfaded):
    root, cut, (_, video, _), boundary = crossfaded
    audio = audio_of(video, root)
    assert rms(audio, boundary, boundary + 1.0) < 0.002  # silence: 0.18 before (the scene's first words)
    assert rms(audio, boundary + 1.0, boundary + 1.6) > 0.02  # then the scene speaks
    cut_audio = audio_of(cut[1], root)
    assert rms(cut_audio, boundary, boundary + 0.6) > 0.02  # where the cut speaks at once


def test_the_incoming_presenters_mouth_is_at_rest_through_the_fade(crossfaded):
    """Same presenter, same place: through the fade every frame's mouth is the mouth at rest, not a talking one
    dissolved over the still one."""
    _, _, (_, video, _), boundary = crossfaded
    frames = frames_of(video)
    rest = max(((t, f) for t, f in frames if t < boundary), key=lambda x: x[0])[1]  # the first scene's trailing pause
    box = mouth_box(rest)
    fading = [(t, f) for t, f in frames if boundary <= t < boundary + 1.0 - 1e-3]
    assert len(fading) == FPS
    change = [round(mouth_change(f, rest, box), 1) for _, f in fading]
    assert max(change) < 6, change  # 3.6-4.3 (the encoder's own noise); up to 19.5 before
    speaking = [mouth_change(f, rest, box) for t, f in frames if boundary + 1.1 <= t < boundary + 2.0]
    assert max(speaking) > 15, speaking  # and it speaks after the fade


def test_the_next_scenes_captions_start_after_the_fade(crossfaded):
    _, (_, _, cut_vtt), (_, video, vtt), boundary = crossfaded
    faded, joined = cues(vtt), cues(cut_vtt)
    assert [text for _, text in faded] == [text for _, text in joined]
    (start, _), (cut_start, _) = [next(c for c in cs if c[1].startswith("Fans")) for cs in (faded, joined)]
    assert boundary <= cut_start <= boundary + 0.2  # with its first word, a breath after the scene's speech begins
    assert start == pytest.approx(cut_start + 1.0, abs=0.002)  # the cues follow the speech
    assert start >= boundary + 1.0 - 1e-3
    frames = frames_of(video)
    during = [caption_letters(f) for t, f in frames if boundary <= t < boundary + 1.0 - 1e-3]
    after = [caption_letters(f) for t, f in frames if boundary + 1.2 <= t < boundary + 1.8]
    # no caption over the dissolve (a few white pixels of the spacesuit; 877 before), then whole ones
    assert max(during) < 0.1 * min(after) and min(after) > 400, (during, after)


def test_the_video_is_longer_by_the_fade(crossfaded):
    _, (cut_output, _, _), (output, video, _), _ = crossfaded
    assert output["duration_s"] == pytest.approx(cut_output["duration_s"] + 1.0, abs=0.5 / FPS)
    assert len(frames_of(video)) == round(output["duration_s"] * FPS)


def test_the_fade_starts_from_the_last_frame_of_the_previous_scene_with_the_head_where_it_was(tmp_path):
    """With the head swaying as the API's default has it, the dissolve's first frame is the previous scene's last
    one (at rest, the head where it was), not the photo at rest redrawn upright: the face jumped there before."""
    services = make_services(tmp_path)
    comp = two_scenes({"type": "crossfade", "duration": 0.5})
    _, video, _ = delivered(services, new_tenant(services), comp, "sway", tmp_path, motion_scale=1.0)
    frames = [f for _, f in frames_of(video)]
    red = [np.abs(np.median(f[5:40, 5:60].reshape(-1, 3), axis=0) - RED).max() <= 3 for f in frames]
    first = red.index(False)  # the fade's first frame
    face = analyze_image(np.ascontiguousarray(frames[first - 1]))
    eyes = face.eyes.values()
    box = (
        slice(int(min(e.centre[1] for e in eyes)), int(face.points["chin"][1])),
        slice(int(min(e.outer[0] for e in eyes)), int(max(e.outer[0] for e in eyes))),
    )
    jump = float(np.abs(frames[first][box].astype(np.int16) - frames[first - 1][box].astype(np.int16)).mean())
    assert jump < 5, jump  # over the face, between the eyes and the chin: 9.3 before, 2.7 now


def test_an_intro_crossfades_into_the_presenter_at_rest_and_the_speech_follows_it(tmp_path, monkeypatch):
    """A narration that starts on a sound: the intro used to dissolve into a frozen open mouth (the job's first
    frame, mid-sound); the job now holds silent for the intro's fade first, so it fades into the face at rest.
    ``params.duration`` is still the narration's length: the hold is not counted, as the intro is not."""
    import tests.unit.compose.jobs as jobs

    real_spec = jobs.job_spec

    def two_seconds_asked(comp: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        spec = real_spec(comp, **kwargs)
        return {**spec, "params": {**spec["params"], "duration": 2.0}}

    monkeypatch.setattr(jobs, "job_spec", two_seconds_asked)
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_intro", brand_files.sting("0xc02020"), "video", "video/mp4")
    add_asset(services, tenant, "ast_narration", tone_wav(2.0), "audio", "audio/wav")  # sound from its first sample
    comp = composition(480, 270, [scene(None, audio_asset_id="ast_narration")])
    comp["intro"] = {"asset_id": "ast_intro", "transition": {"type": "crossfade", "duration": 0.4}}
    output = run_job(services, tenant, comp, fps=FPS)
    video = fetch(services, output["key"], tmp_path / "video.mp4")
    assert output["duration_s"] == pytest.approx(1.0 + 0.4 + 2.0, abs=0.5 / FPS)  # intro, the hold, the narration
    audio = audio_of(video, tmp_path)
    assert rms(audio, 0.0, 1.4) < 0.002 and rms(audio, 1.45, 2.2) > 0.05
    frames = frames_of(video)
    rest = min(frames, key=lambda x: abs(x[0] - 2.9))[1]  # in the narration's pause
    box = mouth_box(rest)
    joined = min(frames, key=lambda x: abs(x[0] - 1.0))[1]  # the job's first frame, the picture the intro fades into
    spoken = min(frames, key=lambda x: abs(x[0] - 1.8))[1]
    assert mouth_change(joined, rest, box) < 6 < 15 < mouth_change(spoken, rest, box)


class ThreeScenes:
    """A job of three scenes (the second crossfades in over 1 s), claimed and run attempt by attempt."""

    def __init__(self, services: Services):
        import sqlalchemy as sa

        from domain import lifecycle
        from domain.models import Job
        from tests.unit.compose.jobs import job_spec

        self.services, self.sa, self.lifecycle, self.Job = services, sa, lifecycle, Job
        comp = two_scenes({"type": "crossfade", "duration": 1.0})
        comp["scenes"].append(scene("That is all.", background={"type": "color", "color": "#20a040"}))
        with services.sessions() as session, session.begin():
            job = Job(tenant_id=new_tenant(services), pool="cpu", spec=job_spec(comp, fps=FPS), wm_code=5)
            session.add(job)
            session.flush()
            self.job_id = job.id

    def run(self, drain_at_renders: int | None = None) -> dict[str, Any] | None:
        """One attempt; drained at the first segment boundary after the renderer was called ``drain_at_renders``
        times in all (each scene once, and once more for the still a crossfade starts from)."""
        from domain.errors import Interrupted
        from tests.stubs import StubControl
        from workers.pipeline import run_pipeline

        services, counting = self.services, self.services.counting
        with services.sessions() as session, session.begin():
            session.execute(self.sa.update(self.Job).where(self.Job.id == self.job_id).values(not_before=None))
            claim = self.lifecycle.claim(session, self.job_id, "worker-1", 60)
        if drain_at_renders is None:
            return run_pipeline(StubControl(claim), services)[0]
        control = StubControl(
            claim, stop_when=lambda: Interrupted("draining") if counting.renders >= drain_at_renders else None
        )
        with pytest.raises(Interrupted):
            run_pipeline(control, services)
        with services.sessions() as session, session.begin():
            self.lifecycle.hand_back(session, control.claim, "drained")
        return None

    def recorded(self) -> dict[int, int]:
        with self.services.sessions() as session:
            return {i: row.frames for i, row in self.lifecycle.finished_segments(session, self.job_id).items()}


def fades_over_the_words(monkeypatch) -> None:
    """The worker as it ran before scenes held silent behind a fade: the fade over the scene's first words."""
    import workers.composed as composed

    monkeypatch.setattr(composed.FadeTiming, "scene_opening", lambda self, spoken, frames, fps: spoken)


@pytest.mark.parametrize("begun_before_the_hold", [False, True])
def test_a_resumed_job_keeps_the_timing_its_recorded_segments_have(tmp_path, monkeypatch, begun_before_the_hold):
    """A job drained after its crossfaded scene was recorded resumes with that scene's segment reused, whichever rule
    recorded it: a job begun before scenes held silent behind a fade (its segment as long as its speech alone) keeps
    the fade over the words to its end, rather than rendering the segment again and joining it to others timed
    otherwise; a job begun after keeps the hold."""
    services = make_services(tmp_path)
    job = ThreeScenes(services)
    if begun_before_the_hold:
        fades_over_the_words(monkeypatch)
    job.run(drain_at_renders=3)  # the first scene, the still the fade starts from, the second scene
    monkeypatch.undo()
    recorded = job.recorded()
    assert sorted(recorded) == [0, 1]

    before = services.counting.frames
    output = job.run()
    assert output is not None
    frames = job.recorded()
    assert services.counting.frames - before == frames[2]  # only the third scene rendered: the second reused
    assert {i: frames[i] for i in recorded} == recorded
    assert output["duration_s"] == pytest.approx(sum(frames.values()) / FPS, abs=0.5 / FPS)
    video = fetch(services, output["key"], tmp_path / "video.mp4")
    audio, boundary = audio_of(video, tmp_path), frames[0] / FPS
    if begun_before_the_hold:
        assert rms(audio, boundary, boundary + 1.0) > 0.02  # its timing kept: the words inside the fade
    else:
        assert rms(audio, boundary, boundary + 1.0) < 0.002


def test_a_held_segment_an_older_worker_rendered_again_is_not_reused(tmp_path, monkeypatch):
    """Both releases serving the queue: a job begun by a newer worker, resumed by an older one, which renders the held
    segment again its own way (the speech alone; the segment's row still says held), then by a newer one. The newer
    one renders it again held, instead of joining the older one's shorter file under the held speech: the video a
    second short of its sound from there on."""
    services = make_services(tmp_path)
    job = ThreeScenes(services)
    job.run(drain_at_renders=3)
    held = job.recorded()
    fades_over_the_words(monkeypatch)
    job.run(drain_at_renders=5)  # the second scene again (and its still), not the third
    monkeypatch.undo()
    assert job.recorded() == held  # the row as it was; the files the older worker's

    before = services.counting.frames
    output = job.run()
    assert output is not None
    assert services.counting.frames - before == 1 + held[1] + job.recorded()[2]  # the still, the second, the third
    video = fetch(services, output["key"], tmp_path / "video.mp4")
    assert len(frames_of(video)) == sum(job.recorded().values())
    audio = audio_of(video, tmp_path)
    assert len(audio) / RATE == pytest.approx(len(frames_of(video)) / FPS, abs=0.05)
    boundary = held[0] / FPS
    assert rms(audio, boundary, boundary + 1.0) < 0.002
