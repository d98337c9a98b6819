"""What a 201 and a 204 carry besides their status. A 201 names the new resource in ``Location`` (a CMS that follows
it reads what it made, as RFC 9110 has it), and a kit's or template's also its version in ``ETag``, so the first
save after creating can send ``If-Match`` without a GET first. A 204 has no body, so it names no ``Content-Type``
(flask-smorest gave every answer ``application/json``). Before, only jobs' 202s had a ``Location``."""

from __future__ import annotations

import io
import json

import pytest

from tests import composition_files as files
from tests.composition_files import upload
from tests.templates_fixtures import NEWS

JOB = {"script": "Good evening.", "avatar": "astronaut"}


def _follows(client, response, path_prefix: str) -> dict:
    assert response.status_code == 201, response.get_data(as_text=True)
    location = response.headers.get("Location")
    assert location == f"{path_prefix}/{response.get_json()['id']}"
    read = client.get(location)
    assert read.status_code == 200, read.get_data(as_text=True)
    assert read.get_json()["id"] == response.get_json()["id"]
    return read


def test_a_new_asset_batch_template_and_brand_kit_each_answer_where_they_are_read(alpha):
    _follows(alpha, upload(alpha, files.logo(), "logo.png", "logo"), "/v1/assets")
    _follows(alpha, alpha.post("/v1/batches", json={"jobs": [JOB]}), "/v1/batches")
    lines = "\n".join(json.dumps({**JOB, "script": f"Line {i}."}) for i in range(2))
    from_file = alpha.post(
        "/v1/batches", data={"file": (io.BytesIO(lines.encode()), "jobs.jsonl")}, content_type="multipart/form-data"
    )
    _follows(alpha, from_file, "/v1/batches")
    made = alpha.post("/v1/templates", json=NEWS)
    read = _follows(alpha, made, "/v1/templates")
    assert made.headers["ETag"] == read.headers["ETag"]
    kit = alpha.post("/v1/brand-kits", json={"name": "News"})
    read = _follows(alpha, kit, "/v1/brand-kits")
    assert kit.headers["ETag"] == read.headers["ETag"] == '"v1"'


def test_the_same_asset_uploaded_again_is_not_created_so_names_no_location(alpha):
    upload(alpha, files.logo(), "logo.png", "logo")
    again = upload(alpha, files.logo(), "logo.png", "logo")
    assert again.status_code == 200 and "Location" not in again.headers


def test_a_kits_etag_from_its_creation_is_enough_for_the_first_guarded_save(alpha):
    kit = alpha.post("/v1/brand-kits", json={"name": "News"})
    saved = alpha.put(
        f"/v1/brand-kits/{kit.get_json()['id']}",
        json={"name": "News", "colors": {"primary": "#C8102E"}},
        headers={"If-Match": kit.headers["ETag"]},
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)


@pytest.mark.parametrize("what", ["brand-kits", "templates"])
def test_a_204_has_no_content_type(alpha, what):
    made = alpha.post(f"/v1/{what}", json={"name": "Old"} if what == "brand-kits" else NEWS).get_json()
    gone = alpha.delete(f"/v1/{what}/{made['id']}")
    assert gone.status_code == 204 and gone.get_data() == b""
    assert "Content-Type" not in gone.headers


def test_the_spec_documents_location_on_each_201(alpha):
    spec = alpha.get("/openapi.json").get_json()
    for path in ("/v1/assets", "/v1/batches", "/v1/templates", "/v1/brand-kits"):
        headers = spec["paths"][path]["post"]["responses"]["201"].get("headers", {})
        assert "Location" in headers, path
