"""A finished job's document, as GET /v1/jobs/{id} serves it, is what /openapi.json says it is: every field it
carries is declared (the schemas are ``additionalProperties: false``, so a client that validates responses
rejects a field the contract leaves out), at every depth. Real jobs, end to end in one process: submitted
through the API (the spec it stores), run by the real stages (``run_pipeline``, the built-in renderer, Piper),
recorded as succeeded, then read back: a square MP4, a composed MP4 with a 9:16 rendition, a WebM, a MOV and a
draft. Until this test, every succeeded job broke the contract: ``output`` carried ``format``,
``content_type``, ``video_codec`` and ``audio_codec`` and each rendition its ``format``, none declared."""

from __future__ import annotations

import copy
import io
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa

from domain import lifecycle
from domain.models import Job
from storage import open_storage
from tests.stubs import StubControl
from tests.unit.compose.jobs import Services
from workers.pipeline import run_pipeline

SMALL = {"params": {"fps": 10, "resolution": 128, "motion_scale": 0.0}}


def json_schema(openapi: dict[str, Any], name: str) -> dict[str, Any]:
    """The OpenAPI 3.0 schema ``name`` as JSON Schema: ``nullable: true`` becomes "or null"; the rest
    (``additionalProperties: false`` included) is as served."""

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: convert(value) for key, value in node.items() if key != "nullable"}
        if node.get("nullable"):
            return {"anyOf": [out, {"type": "null"}]}
        return out

    return {"$ref": f"#/components/schemas/{name}", "components": convert(copy.deepcopy(openapi["components"]))}


def run_submitted(services: Services, client, job_id: str) -> dict[str, Any]:
    """Run the job the API stored, as a worker would, record its success; its document as the API serves it."""
    with services.sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
        claim = lifecycle.claim(session, job_id, "worker-1", 60)
    output, timings = run_pipeline(StubControl(claim), services)
    with services.sessions() as session, session.begin():
        lifecycle.succeed(session, claim, output, timings)
    response = client.get(f"/v1/jobs/{job_id}")
    assert response.status_code == 200
    document = response.get_json()
    assert document["status"] == "succeeded", document
    return document


@pytest.fixture
def services(sqlite_settings, sessions) -> Services:
    """The worker's side of the app's farm: its database and storage, the real built-in renderer."""
    return Services(sqlite_settings, sessions, open_storage(sqlite_settings))


JOBS = {
    "square mp4": {"script": "Hello.", "avatar": "astronaut", **SMALL},
    "composed mp4 with a 9:16 rendition": {
        "script": "Hello.",
        "avatar": "astronaut",
        "canvas": {"width": 320, "height": 180},
        "overlays": [{"type": "text", "text": "Jane Doe", "role": "lower_third"}],
        "renditions": [{"canvas": {"width": 180, "height": 320}}],
        **SMALL,
    },
    "webm": {
        "script": "Hello.",
        "avatar": "astronaut",
        "canvas": {"width": 192, "height": 192},
        "output_format": "webm",
        "renditions": [{"canvas": {"width": 144, "height": 256}}],
        **SMALL,
    },
    "mov": {
        "script": "Hello.",
        "avatar": "astronaut",
        "canvas": {"width": 256, "height": 144},
        "output_format": "mov",
        **SMALL,
    },
    "draft": {
        "script": "Hello.",
        "avatar": "astronaut",
        "canvas": {"width": 320, "height": 180},
        "renditions": [{"canvas": {"width": 180, "height": 320}}],
        "draft": True,
        **SMALL,
    },
}


@pytest.fixture
def served(alpha):
    return alpha.get("/openapi.json").get_json()


@pytest.mark.parametrize("name", list(JOBS))
def test_a_finished_jobs_document_is_what_the_contract_says(services, alpha, served, name):
    response = alpha.post("/v1/jobs", json=JOBS[name])
    assert response.status_code == 202, response.get_json()
    document = run_submitted(services, alpha, response.get_json()["id"])
    assert document["output"]["url"] and document["output"]["content_type"].startswith("video/")
    # recursively, honouring additionalProperties: false at every depth (output, its files, each rendition's)
    jsonschema.validate(document, json_schema(served, "Job"), cls=jsonschema.Draft202012Validator)
    listed = alpha.get("/v1/jobs").get_json()
    jsonschema.validate(listed, json_schema(served, "JobList"), cls=jsonschema.Draft202012Validator)


def test_every_output_field_the_contract_declares_has_a_description(served):
    """A field a client meets in ``output`` says what it is: the ones added to the contract, and the rest."""
    schemas = served["components"]["schemas"]
    for name in ("Output", "RenditionOutput"):
        undescribed = [prop for prop, value in schemas[name]["properties"].items() if not value.get("description")]
        assert not undescribed, (name, undescribed)


@pytest.mark.parametrize(
    ("name", "content_type"), [("composed mp4 with a 9:16 rendition", "video/mp4"), ("webm", "video/webm")]
)
def test_a_rendition_carries_what_a_cms_needs_to_publish_it_on_its_own(services, alpha, name, content_type):
    """Each ``output.renditions[]`` entry says its type, length and codecs as the main output does, has a poster of
    its own shape (not the main cut's frame) stored beside it, and links the job's captions, which every cut shares.
    Before, a rendition had only its size, link, bytes, hash, format and (WebM) credentials."""
    from PIL import Image

    response = alpha.post("/v1/jobs", json=JOBS[name])
    output = run_submitted(services, alpha, response.get_json()["id"])["output"]
    [cut] = output["renditions"]
    assert cut["content_type"] == output["content_type"] == content_type
    assert cut["format"] == output["format"]
    assert (cut["video_codec"], cut["audio_codec"]) == (output["video_codec"], output["audio_codec"])
    assert cut["duration_s"] == pytest.approx(output["duration_s"], abs=0.05)
    assert cut["fps"] == output["fps"]
    poster = cut["files"]["poster"]
    assert poster["content_type"] == "image/jpeg" and poster["url"] != output["files"]["poster"]["url"]
    fetched = alpha.get(poster["url"].removeprefix("http://localhost"))
    assert fetched.status_code == 200 and len(fetched.data) == poster["bytes"]
    assert Image.open(io.BytesIO(fetched.data)).size == (cut["width"], cut["height"])
    # stored beside the rendition's video, under the job's outputs
    assert poster["url"].split("?")[0].rsplit("/", 1)[0] == cut["url"].split("?")[0].rsplit("/", 1)[0]
    for captions in ("captions_vtt", "captions_srt"):
        assert cut["files"][captions]["content_type"] == output["files"][captions]["content_type"]
        assert cut["files"][captions]["bytes"] == output["files"][captions]["bytes"]
        text = alpha.get(cut["files"][captions]["url"].removeprefix("http://localhost")).get_data(as_text=True)
        assert "Hello." in text
