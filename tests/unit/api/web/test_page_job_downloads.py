"""A finished job's page offers every file the job made, each under its own name: the main cut in its own
container, each rendition, a WebM's content credentials (its C2PA sidecar), the poster and the captions."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from domain.models import Job
from tests.unit.api.bearer import client as api_client
from tests.unit.api.web.test_page_forms import Keys, Page, page  # noqa: F401  (the signed-in fixture)


def _succeeded(app: Flask, keys: Keys, sessions, output: dict) -> str:
    """A job of tenant alpha, finished with ``output`` (as a worker records it)."""
    made = api_client(app, keys["alpha"]).post("/v1/jobs", json={"script": "Hello.", "avatar": "astronaut"})
    assert made.status_code == 202, made.get_data(as_text=True)
    job_id = made.get_json()["id"]
    with sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(status="succeeded", progress=1.0, output=output))
    return job_id


def _downloads(page_html: str) -> dict[str, str]:
    """The downloads list: link text -> the file name it saves as."""
    return {
        re.sub(r"\s+", " ", text).strip(): name
        for name, text in re.findall(r'<a href="[^"]+" download="([^"]+)">([^<]+)</a>', page_html)
    }


def _output(fmt: str, prefix: str, sidecars: bool) -> dict:
    def files(name: str) -> dict:
        return {"content_credentials": {"key": f"{prefix}{name}.c2pa", "content_type": "application/c2pa"}}

    return {
        "key": f"{prefix}video.{fmt}",
        "format": fmt,
        "duration_s": 9.2,
        "width": 1920,
        "height": 1080,
        "fps": 25,
        "files": {
            "poster": {"key": f"{prefix}poster.jpg", "content_type": "image/jpeg"},
            **(files("video") if sidecars else {}),
        },
        "renditions": [
            {
                "width": 1080,
                "height": 1920,
                "key": f"{prefix}video-1080x1920-r1.{fmt}",
                "format": fmt,
                "bytes": 10,
                "sha256": "0" * 64,
                "files": files("video-1080x1920-r1") if sidecars else {},
            }
        ],
    }


def test_a_webm_job_offers_both_cuts_and_their_content_credentials(app: Flask, keys: Keys, sessions, page: Page):  # noqa: F811
    browser, _ = page
    job_id = _succeeded(app, keys, sessions, _output("webm", "outputs/t/j/", sidecars=True))

    html = browser.get(f"/jobs/{job_id}/status").get_data(as_text=True)

    assert _downloads(html) == {
        "Download the WebM": f"{job_id}.webm",
        "Download its content credentials (C2PA)": f"{job_id}.c2pa",
        "Download the 1080×1920 WebM": f"{job_id}-1080x1920.webm",
        "Download the 1080×1920 cut's content credentials (C2PA)": f"{job_id}-1080x1920.c2pa",
        "Download the poster": f"{job_id}-poster.jpg",
    }


def test_a_square_job_offers_its_mp4_as_before(app: Flask, keys: Keys, sessions, page: Page):  # noqa: F811
    browser, _ = page
    output = _output("mp4", "outputs/t/k/", sidecars=False)
    del output["format"], output["renditions"]
    job_id = _succeeded(app, keys, sessions, output)

    html = browser.get(f"/jobs/{job_id}/status").get_data(as_text=True)

    assert _downloads(html) == {"Download the MP4": f"{job_id}.mp4", "Download the poster": f"{job_id}-poster.jpg"}


def test_the_players_caption_track_is_not_shown_over_captions_burned_into_the_picture(
    app: Flask,
    keys: Keys,
    sessions,
    page: Page,  # noqa: F811
):
    """An accessibility review saw Chromium draw the VTT track over the lower third, the burned-in words below it:
    two texts at once. The track is still offered (a viewer may turn it on), but on by default only where the
    picture has no captions of its own."""
    browser, _ = page
    api = api_client(app, keys["alpha"])
    captions = {"captions_vtt": {"key": "outputs/x/captions.vtt", "content_type": "text/vtt"}}
    tracks = {}
    for burned in (True, False):
        made = api.post(
            "/v1/jobs",
            json={
                "script": "Hello.",
                "avatar": "astronaut",
                "canvas": {"width": 640, "height": 360},
                "captions": {"burn_in": burned},
            },
        )
        assert made.status_code == 202, made.get_data(as_text=True)
        job_id = made.get_json()["id"]
        output = {"key": "outputs/x/video.mp4", "duration_s": 1.0, "width": 640, "height": 360, "fps": 25}
        with sessions() as session, session.begin():
            session.execute(
                sa.update(Job)
                .where(Job.id == job_id)
                .values(status="succeeded", progress=1.0, output={**output, "files": captions})
            )
        html = browser.get(f"/jobs/{job_id}").get_data(as_text=True)
        found = re.search(r"<track [^>]*>", html)
        assert found, html
        tracks[burned] = found.group(0)
    assert " default" not in tracks[True] and 'label="Captions"' in tracks[True]
    assert tracks[False].endswith(" default>")
