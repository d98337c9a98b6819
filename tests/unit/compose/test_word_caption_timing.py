"""Word captions light each word as Piper says it, read from a delivered composed job's frames.

An editor found the highlight of English spoken by Piper late by up to half a second at a sentence's end ("today,"
said 5.10–5.45 s, lit at 5.60 s): Piper's speech had no words, so captions shared each sentence's time out by the
words' lengths. Piper's words are now timed by its own phonemes."""

from __future__ import annotations

from pathlib import Path

import pytest

import workers.composed as composed
from domain.config import Settings
from domain.db import session_factory, upgrade
from media.tts.espeak_events import espeak_library
from storage import open_storage
from tests.unit.compose.jobs import Services, composition, new_tenant, run_job, scene
from tests.unit.compose.viewing import fetch
from tests.unit.compose.word_highlight import highlight_changes, word_onsets

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(espeak_library() is None, reason="libespeak-ng is not installed (apt-get install espeak-ng)"),
]

FPS = 25
#: a number read as four words, an abbreviation Piper's espeak-ng ends a sentence at, a comma's pause; and how many
#: of Piper's spoken words each written word is
SENTENCE = "Today, Dr. Smith paid 2026 dollars for lunch."
COUNTS = [1, 1, 1, 1, 4, 1, 1, 1]


def test_the_word_highlight_lights_each_word_within_two_frames_of_when_piper_says_it(tmp_path: Path, monkeypatch):
    settings = Settings.from_env({}, data_dir=tmp_path / "data", pools=("cpu",))
    upgrade(settings)
    services = Services(settings, session_factory(settings), open_storage(settings))
    segments = []
    real_speak = composed.speak_segment

    def kept_speak(*args, **kwargs):
        segments.append(real_speak(*args, **kwargs))
        return segments[-1]

    monkeypatch.setattr(composed, "speak_segment", kept_speak)
    comp = composition(640, 360, [scene(SENTENCE)], captions={"burn_in": True, "style": "word"})
    output = run_job(services, new_tenant(services), comp, fps=FPS)
    [segment] = segments  # one segment: its times are the video's
    onsets = word_onsets(segment.phones, COUNTS)
    lit = highlight_changes(fetch(services, output["key"], tmp_path / "video.mp4"))
    assert len(lit) == len(onsets), (lit, onsets)
    lags = [round(at - onset, 3) for at, onset in zip(lit, onsets)]
    # a frame shows what is lit at its own time: a word is lit in the first frame at or after it starts
    assert all(-1.0 / FPS <= lag <= 2.0 / FPS for lag in lags), lags
