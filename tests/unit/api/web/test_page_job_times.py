"""A finished job's page says how long it took: from its start to its end, not the sum of its stage timings
(stages run beside and inside one another, and x264's are CPU seconds over both cores)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from domain.models import Job
from tests.unit.api.bearer import client as api_client
from tests.unit.api.web.test_page_forms import Keys, Page, page  # noqa: F401  (the signed-in fixture)

#: as a composed job records them: render inside render_encode, compose_wait beside it, x264 in CPU seconds
TIMINGS = {"tts": 1.2, "render": 3.5, "compose_wait": 6.4, "render_encode": 10.8, "x264_cpu": 8.0, "upload": 0.1}
STARTED = datetime(2026, 12, 6, 19, 50, 45, 460000, tzinfo=UTC)


def _finished(app: Flask, keys: Keys, sessions, seconds: float, draft_of: str | None = None) -> str:
    """A job of tenant alpha that succeeded ``seconds`` after it started, with stage timings adding to far more."""
    made = api_client(app, keys["alpha"]).post("/v1/jobs", json={"script": "Hello.", "avatar": "astronaut"})
    assert made.status_code == 202, made.get_data(as_text=True)
    job_id = made.get_json()["id"]
    output = {"key": "outputs/t/j/video.mp4", "duration_s": 9.3, "width": 1080, "height": 1920, "fps": 25}
    with sessions() as session, session.begin():
        session.execute(
            sa.update(Job)
            .where(Job.id == job_id)
            .values(
                status="succeeded",
                progress=1.0,
                output=output,
                timings=TIMINGS,
                started_at=STARTED,
                finished_at=STARTED + timedelta(seconds=seconds),
                draft_of=draft_of,
            )
        )
    return job_id


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_says_a_job_was_rendered_in_the_time_from_its_start_to_its_end(
    app: Flask,
    keys: Keys,
    sessions,
    page: Page,  # noqa: F811
):
    browser, _ = page
    job_id = _finished(app, keys, sessions, 11.6)

    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/status"):
        text = _text(browser.get(path).get_data(as_text=True))
        assert "1080×1920 at 25 fps; rendered in 11.6 s." in text, path
        assert f"rendered in {sum(TIMINGS.values()):.1f} s" not in text


def test_a_final_compares_its_drafts_time_with_its_own_from_start_to_end(
    app: Flask,
    keys: Keys,
    sessions,
    page: Page,  # noqa: F811
):
    browser, _ = page
    draft_id = _finished(app, keys, sessions, 3.0)
    final_id = _finished(app, keys, sessions, 12.0, draft_of=draft_id)

    text = _text(browser.get(f"/jobs/{final_id}").get_data(as_text=True))

    # with both jobs' timings summed alike, the share would be 100 %
    assert "The draft took 3.0 s to render, 25% of this final's 12.0 s." in text
