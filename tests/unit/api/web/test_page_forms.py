"""The page's forms hand the API what the user chose and show its refusals
where they belong: a new video's choices, a batch's defaults, the uploads of
a portrait and of a clip to verify, and a job's actions."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from media.encode.wav import wav_bytes
from tests.unit.api.bearer import client as api_client
from tests.unit.api.test_requests import demo_portrait
from tests.unit.api.web.test_page_session import csrf_token

Keys = dict[str, str]
Page = tuple[FlaskClient, str]


@pytest.fixture
def page(app: Flask, keys: Keys) -> Page:
    """Tenant alpha, signed in to the page, and its CSRF token."""
    browser = app.test_client()
    signed = browser.post("/sign-in", data={"api_key": keys["alpha"], "csrf_token": csrf_token(browser)})
    assert signed.status_code == 303, signed.get_data(as_text=True)
    return browser, csrf_token(browser, "/jobs/new")


def job_of(app: Flask, keys: Keys, response: TestResponse) -> dict[str, Any]:
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    job: dict[str, Any] = api_client(app, keys["alpha"]).get(f"/v1/jobs/{job_id}").get_json()
    return job


def test_a_new_video_sends_voice_params_and_draft_and_leaves_empty_fields_out(
    app: Flask, keys: Keys, page: Page
) -> None:
    browser, token = page
    job = job_of(
        app,
        keys,
        browser.post(
            "/jobs/new",
            data={
                "script": "Hello from the newsroom.",
                "preset": "astronaut",
                "voice": "",
                "model": "",
                "params.fps": "20",
                "draft": "on",
                "csrf_token": token,
            },
        ),
    )
    assert job["draft"] is True and job["spec"]["params"]["fps"] == 20
    final = job_of(
        app,
        keys,
        browser.post(
            "/jobs/new", data={"script": "Hello from the newsroom.", "preset": "astronaut", "csrf_token": token}
        ),
    )
    assert not final["draft"]


def test_a_batch_takes_the_forms_defaults_for_every_row(app: Flask, keys: Keys, page: Page) -> None:
    browser, token = page
    csv = b"script\r\nFirst story.\r\nSecond story.\r\n"
    response = browser.post(
        "/batches",
        data={
            "avatar": "astronaut",
            "voice": "",
            "params.fps": "20",
            "draft": "on",
            "csrf_token": token,
            "file": (io.BytesIO(csv), "rows.csv", "text/csv"),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    batch_id = response.headers["Location"].rsplit("/", 1)[1]
    jobs = api_client(app, keys["alpha"]).get(f"/v1/jobs?batch_id={batch_id}").get_json()["items"]
    assert len(jobs) == 2 and all(
        j["draft"] and j["spec"]["avatar"] == {"preset": "astronaut"} and j["spec"]["params"]["fps"] == 20 for j in jobs
    )


def test_the_batches_page_lists_the_tenant_s_batches_newest_first_with_what_is_left(
    app: Flask, keys: Keys, page: Page
) -> None:
    browser, _ = page
    assert "No batches yet." in browser.get("/batches").get_data(as_text=True)
    made = [
        api_client(app, keys["alpha"])
        .post("/v1/batches", json={"jobs": [{"script": "One.", "avatar": "astronaut"}] * n})
        .get_json()["id"]
        for n in (2, 3)
    ]
    api_client(app, keys["beta"]).post("/v1/batches", json={"jobs": [{"script": "Theirs.", "avatar": "astronaut"}]})
    html = browser.get("/batches").get_data(as_text=True)
    listed = re.findall(r'<a href="/batches/(bat_[0-9a-z]+)">', html)
    assert listed == [made[1], made[0]]  # newest first, and only alpha's
    row = html[html.index(made[1]) :].split("</tr>", 1)[0]
    assert re.findall(r"<td>(\d+)</td>", row) == ["3", "0", "0", "0", "3"]  # videos, ready, failed, canceled, to do
    refused = browser.get("/batches?cursor=%00")
    assert refused.status_code in (400, 422)


def test_a_portrait_upload_shows_the_face_or_why_not(page: Page) -> None:
    browser, token = page
    headers = {"X-CSRFToken": token}
    empty = browser.post("/jobs/new/portrait", data={}, headers=headers).get_data(as_text=True)
    assert "asset_empty" in empty and "Choose a portrait file." in empty
    audio = wav_bytes(np.zeros(16000, dtype=np.int16), 16000)
    sound = browser.post(
        "/jobs/new/portrait", data={"file": (io.BytesIO(audio), "voice.wav", "audio/wav")}, headers=headers
    ).get_data(as_text=True)
    # sent as a portrait, the sound is refused for that purpose, saying what it is, and nothing is kept
    assert "asset_purpose_invalid" in sound and "audio" in sound, sound
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    narration = browser.post(
        "/jobs/new/narration", data={"narration": (io.BytesIO(pdf), "script.pdf", "application/pdf")}, headers=headers
    ).get_data(as_text=True)
    assert "asset_purpose_invalid" in narration and "PDF" in narration, narration
    face = browser.post(
        "/jobs/new/portrait", data={"file": (io.BytesIO(demo_portrait()), "me.png", "image/png")}, headers=headers
    )
    assert face.status_code == 200 and "avatar_not_image" not in face.get_data(as_text=True)
    assert re.search(r"asset_[0-9a-z]+", face.get_data(as_text=True))


def test_verify_without_a_clip_or_with_a_broken_one_is_a_422_naming_the_code(page: Page) -> None:
    browser, token = page
    empty = browser.post("/verify", data={"csrf_token": token})
    assert empty.status_code == 422 and "asset_empty" in empty.get_data(as_text=True)
    broken = browser.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(b"not a clip"), "x.mp4")})
    assert broken.status_code == 422 and "asset_empty" not in broken.get_data(as_text=True)
    # the form says how a file over its limit (a ProRes MOV) is checked, and points both the help and the error at it
    field = re.search(r'<input type="file" id="clip"[^>]*>', broken.get_data(as_text=True))
    assert field and 'aria-describedby="clip-help file-error"' in field.group(0)
    assert "<code>talkfarm verify FILE</code> cuts them itself" in browser.get("/verify").get_data(as_text=True)


def test_a_jobs_actions_go_on_to_the_job_or_show_the_apis_refusal(app: Flask, keys: Keys, page: Page) -> None:
    browser, token = page
    job = job_of(
        app,
        keys,
        browser.post(
            "/jobs/new", data={"script": "Hello from the newsroom.", "preset": "astronaut", "csrf_token": token}
        ),
    )
    refused = browser.post(f"/jobs/{job['id']}/approve", data={"csrf_token": token})
    assert refused.status_code == 409 and job["id"] in refused.get_data(as_text=True)
    canceled = browser.post(f"/jobs/{job['id']}/cancel", data={"csrf_token": token})
    assert canceled.status_code == 303 and canceled.headers["Location"].endswith(f"/jobs/{job['id']}")
    assert browser.post(f"/jobs/{job['id']}/cancel", data={"csrf_token": token}).status_code == 409
    retried = browser.post(f"/jobs/{job['id']}/retry", data={"csrf_token": token})
    assert retried.status_code == 303 and retried.headers["Location"].endswith(f"/jobs/{job['id']}")
    assert browser.post(f"/jobs/{job['id']}/explode", data={"csrf_token": token}).status_code == 404
