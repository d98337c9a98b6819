"""The API's contract on embedded defaults: every caller mistake is a 4xx
problem+json with a stable code, stores nothing, creates no job, and the
server keeps serving. Tenants never see each other's things."""

from __future__ import annotations

import io

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from domain.models import Asset, Job
from tests.unit.api.bearer import client


def png_bytes(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array).save(out, format="PNG")
    return out.getvalue()


def demo_portrait() -> bytes:
    from domain.presets import preset_path

    return preset_path("astronaut").read_bytes()


def assert_problem(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


def nothing_stored(sessions, settings):
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Asset)) == 0
    storage_dir = settings.data_dir / "storage"
    assert not storage_dir.exists() or not any(p.is_file() for p in storage_dir.rglob("*"))


def upload(client, data: bytes, name="portrait.png"):
    return client.post("/v1/assets", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


JOB = {"script": "Hello from the newsroom.", "avatar": "astronaut"}


# --- bad input ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "headers, code",
    [
        ({}, "unauthorized"),
        ({"Authorization": "Bearer tfk_not_a_real_key"}, "invalid_api_key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "unauthorized"),
    ],
)
def test_missing_or_wrong_api_key_is_401(app, headers, code):
    response = app.test_client().post("/v1/jobs", json=JOB, headers=headers)
    assert_problem(response, 401, code)


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({**JOB, "script": "   "}, 422, "script_empty"),
        ({**JOB, "script": "word " * 5000}, 422, "script_too_long"),
        ({"avatar": "astronaut"}, 422, "validation_error"),
        ({**JOB, "audio_asset_id": "ast_x"}, 422, "validation_error"),
        ({**JOB, "colour": "blue"}, 422, "unknown_field"),
        ({**JOB, "params": {"fps": 500}}, 422, "param_out_of_range"),
        ({**JOB, "params": {"resolution": 500}}, 422, "param_out_of_range"),
        ({**JOB, "params": {"dynamic_scale": -1}}, 422, "param_out_of_range"),
        ({**JOB, "params": {"warp_speed": 9}}, 422, "unknown_field"),
        ({**JOB, "priority": 10}, 422, "validation_error"),
        ({**JOB, "accelerator": "tpu"}, 422, "validation_error"),
        ({**JOB, "accelerator": "gpu"}, 422, "no_compatible_pool"),
        ({**JOB, "avatar": "nobody"}, 422, "avatar_unknown"),
        ({**JOB, "avatar": "ast_00000000000000000000000000"}, 404, "asset_not_found"),
        ({**JOB, "voice": "no-such-voice"}, 422, "voice_unknown"),
        ({**JOB, "model": "no-such-model"}, 422, "model_unknown"),
        ({**JOB, "webhook_url": "http://169.254.169.254/latest/meta-data"}, 422, "webhook_url_forbidden"),
    ],
)
def test_bad_job_requests_are_refused_and_create_nothing(alpha, sessions, sqlite_settings, body, status, code):
    assert_problem(alpha.post("/v1/jobs", json=body), status, code)
    nothing_stored(sessions, sqlite_settings)
    assert alpha.get("/healthz").status_code == 200


def test_out_of_range_param_names_the_field(alpha):
    body = assert_problem(
        alpha.post("/v1/jobs", json={**JOB, "params": {"motion_scale": 7}}), 422, "param_out_of_range"
    )
    assert "motion_scale" in body["errors"]["params"]
    assert "motion_scale" in body["detail"]


def test_body_that_is_not_json_is_refused(alpha):
    response = alpha.post("/v1/jobs", data="script=hi", content_type="text/plain")
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "data, status, code",
    [
        (b"", 422, "asset_empty"),
        (b"this is not an image, nor audio" * 10, 415, "asset_unsupported_type"),
        (png_bytes(np.full((256, 256, 3), 128, np.uint8)), 422, "avatar_no_face"),
    ],
)
def test_unusable_uploads_are_refused_and_store_nothing(alpha, sessions, sqlite_settings, data, status, code):
    assert_problem(upload(alpha, data), status, code)
    nothing_stored(sessions, sqlite_settings)


def test_upload_without_a_file_field_is_refused(alpha, sessions, sqlite_settings):
    response = alpha.post("/v1/assets", data={"other": "x"}, content_type="multipart/form-data")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    nothing_stored(sessions, sqlite_settings)


def test_oversized_upload_is_413(keys, sqlite_settings):
    import dataclasses

    from api.app import create_app

    small = create_app(dataclasses.replace(sqlite_settings, max_asset_bytes=1000))
    assert_problem(upload(client(small, keys["alpha"]), b"x" * 5000), 413, "asset_too_large")


def _damaged(kind: str) -> bytes:
    from tests.composition_files import video

    whole = video(64, 64, "25", 1.0, kind, "gray")
    if kind == "mp4":
        return whole[: len(whole) // 2]  # cut short: its index (moov) never arrives
    return whole[:64] + b"\x55" * (len(whole) - 128) + whole[-64:]  # the header kept, the rest overwritten


@pytest.mark.parametrize("kind", ["mp4", "webm"])
def test_a_damaged_clip_sent_to_verify_is_told_in_our_words_and_ffmpegs_are_logged(alpha, kind, caplog):
    """FFmpeg's reason ("[Errno 1094995529] Invalid data found when processing input: '/tmp/talkfarm-verify-…/clip'")
    names the server's copy of the clip and means nothing to the caller: it goes to the log."""
    from api.verify import CLIP_UNREADABLE

    with caplog.at_level("WARNING", logger="api.verify"):
        response = alpha.post(
            "/v1/verify",
            data={"file": (io.BytesIO(_damaged(kind)), f"clip.{kind}")},
            content_type="multipart/form-data",
        )
    body = assert_problem(response, 422, "video_unreadable")
    assert body["detail"] == CLIP_UNREADABLE
    assert "talkfarm-verify-" in caplog.text  # FFmpeg's reason, with the path it names, is in the log alone
    assert "talkfarm-verify-" not in response.get_data(as_text=True) and "Errno" not in response.get_data(as_text=True)


def test_a_damaged_background_video_is_refused_in_our_words(alpha, sessions, sqlite_settings):
    response = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(_damaged("mp4")), "clip.mp4"), "purpose": "background"},
        content_type="multipart/form-data",
    )
    body = assert_problem(response, 422, "asset_unreadable")
    assert body["detail"] == "The video does not open: it is cut short or damaged."
    nothing_stored(sessions, sqlite_settings)


# --- tenants are isolated -------------------------------------------------------------------
def test_a_tenant_never_sees_another_tenants_jobs_or_assets(alpha, beta):
    asset = upload(alpha, demo_portrait())
    assert asset.status_code == 201, asset.get_data(as_text=True)
    asset_id = asset.get_json()["id"]
    job = alpha.post("/v1/jobs", json={**JOB, "avatar": asset_id})
    assert job.status_code == 202, job.get_data(as_text=True)
    job_id = job.get_json()["id"]

    assert_problem(beta.get(f"/v1/jobs/{job_id}"), 404, "job_not_found")
    assert_problem(beta.post(f"/v1/jobs/{job_id}/cancel"), 404, "job_not_found")
    assert_problem(beta.get(f"/v1/jobs/{job_id}/output"), 404, "job_not_found")
    assert_problem(beta.get(f"/v1/assets/{asset_id}"), 404, "asset_not_found")
    assert_problem(beta.post("/v1/jobs", json={**JOB, "avatar": asset_id}), 404, "asset_not_found")
    assert beta.get("/v1/jobs").get_json()["items"] == []
    assert [j["id"] for j in alpha.get("/v1/jobs").get_json()["items"]] == [job_id]


# --- the good path and its details ---------------------------------------------------------------
def test_uploaded_portrait_is_described_and_usable(alpha):
    response = upload(alpha, demo_portrait())
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "image" and body["content_type"] == "image/png"
    assert body["bytes"] == len(demo_portrait()) and len(body["sha256"]) == 64
    assert alpha.get(f"/v1/assets/{body['id']}").get_json()["id"] == body["id"]


def test_job_is_created_queued_with_defaults_filled_in(alpha):
    response = alpha.post("/v1/jobs", json={**JOB, "params": {"fps": 30}, "metadata": {"story": 42}})
    assert response.status_code == 202
    job = response.get_json()
    assert job["status"] == "queued" and job["pool"] == "cpu" and job["metadata"] == {"story": 42}
    assert job["spec"]["params"]["fps"] == 30 and job["spec"]["params"]["resolution"] == 512
    assert response.headers["Location"] == f"/v1/jobs/{job['id']}"


def test_same_idempotency_key_and_body_returns_the_same_job(alpha, sessions):
    first = alpha.post("/v1/jobs", json=JOB, headers={"Idempotency-Key": "story-1"})
    again = alpha.post("/v1/jobs", json=JOB, headers={"Idempotency-Key": "story-1"})
    assert first.status_code == again.status_code == 202
    assert first.get_json()["id"] == again.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_same_idempotency_key_with_another_body_is_409(alpha, sessions):
    alpha.post("/v1/jobs", json=JOB, headers={"Idempotency-Key": "story-2"})
    changed = alpha.post("/v1/jobs", json={**JOB, "script": "Something else."}, headers={"Idempotency-Key": "story-2"})
    assert_problem(changed, 409, "idempotency_key_reused")
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_idempotency_keys_are_per_tenant(alpha, beta):
    a = alpha.post("/v1/jobs", json=JOB, headers={"Idempotency-Key": "shared"}).get_json()
    b = beta.post("/v1/jobs", json=JOB, headers={"Idempotency-Key": "shared"}).get_json()
    assert a["id"] != b["id"]


def test_list_pages_with_a_cursor_and_filters_by_status(alpha):
    ids = [alpha.post("/v1/jobs", json=JOB).get_json()["id"] for _ in range(5)]
    alpha.post(f"/v1/jobs/{ids[0]}/cancel")
    seen, cursor = [], None
    while True:
        page = alpha.get("/v1/jobs", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [j["id"] for j in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    canceled = alpha.get("/v1/jobs", query_string={"status": "canceled"}).get_json()["items"]
    assert [j["id"] for j in canceled] == [ids[0]]


@pytest.mark.parametrize("name", ["batch_id", "finals_of_batch", "template_id"])
def test_an_empty_id_filter_is_a_422_not_every_job(alpha, name):
    """``?finals_of_batch=`` (or an empty batch or template) is a caller's mistake: read as no filter it would list
    every job of the tenant, as a batch's finals, say."""
    alpha.post("/v1/jobs", json=JOB)
    body = assert_problem(alpha.get(f"/v1/jobs?{name}="), 422, "filter_empty")
    assert name in body["detail"] and "leave the parameter out" in body["detail"]
    assert alpha.get("/v1/jobs", query_string={name: "bat_none"}).get_json()["items"] == []  # an id: its jobs, none


def test_the_spec_says_an_id_filter_is_never_empty(app):
    parameters = app.test_client().get("/openapi.json").get_json()["paths"]["/v1/jobs"]["get"]["parameters"]
    filters = {p["name"]: p for p in parameters if p["name"] in ("batch_id", "finals_of_batch", "template_id")}
    assert len(filters) == 3
    for parameter in filters.values():
        assert parameter["schema"]["minLength"] == 1 and "filter_empty" in parameter["description"], parameter


def test_etag_makes_an_unchanged_poll_a_304(alpha):
    job_id = alpha.post("/v1/jobs", json=JOB).get_json()["id"]
    first = alpha.get(f"/v1/jobs/{job_id}")
    etag = first.headers["ETag"]
    assert first.headers["Retry-After"]
    again = alpha.get(f"/v1/jobs/{job_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    alpha.post(f"/v1/jobs/{job_id}/cancel")
    changed = alpha.get(f"/v1/jobs/{job_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["status"] == "canceled"


def test_cancel_twice_is_a_409(alpha):
    job_id = alpha.post("/v1/jobs", json=JOB).get_json()["id"]
    assert alpha.post(f"/v1/jobs/{job_id}/cancel").get_json()["status"] == "canceled"
    assert_problem(alpha.post(f"/v1/jobs/{job_id}/cancel"), 409, "job_finished")


def test_output_of_an_unfinished_job_is_a_409(alpha):
    job_id = alpha.post("/v1/jobs", json=JOB).get_json()["id"]
    assert_problem(alpha.get(f"/v1/jobs/{job_id}/output"), 409, "output_not_ready")


def test_openapi_spec_describes_the_validated_ranges(app):
    spec = app.test_client().get("/openapi.json").get_json()
    params = spec["components"]["schemas"]["RenderParams"]["properties"]
    assert params["fps"]["minimum"] == 10 and params["fps"]["maximum"] == 60
    assert "/v1/jobs/{job_id}" in spec["paths"]


def test_metrics_count_jobs_by_state_and_pool(alpha, app):
    alpha.post("/v1/jobs", json=JOB)
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'talkfarm_jobs{state="queued"} 1.0' in text
    assert 'talkfarm_pool_jobs{pool="cpu",state="waiting"} 1.0' in text


def test_spec_documents_every_route_error_and_webhook_event(app):
    spec = app.test_client().get("/openapi.json").get_json()
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in (
            "static",
            "api-docs.openapi_json",
            "api_reference.api_reference",
        ) or rule.endpoint.startswith("page."):
            continue  # the web page (api/web) and the reference (/docs) are HTML for people, not part of the API
        path = rule.rule.replace("<path:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} is not in /openapi.json"
    problem = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(problem) == ["application/problem+json"]
    assert set(spec["x-webhooks"]) == {"job.succeeded", "job.failed", "job.canceled", "batch.completed"}


def test_the_configuration_page_documents_every_setting_and_param():
    from domain.config import documented_settings
    from domain.params import PARAMS
    from tests.conftest import REPO

    readme = (REPO / "docs" / "configuration.md").read_text()
    missing = [name for name, _, _ in documented_settings() if f"`{name}`" not in readme]
    missing += [p.name for p in PARAMS if f"`{p.name}`" not in readme]
    assert not missing, f"docs/configuration.md lacks {missing}; paste `talkfarm settings` / `talkfarm params`"


@pytest.mark.parametrize("route", ["/v1/assets", "/v1/verify"])
@pytest.mark.parametrize("shape", ["parts", "field"])
def test_a_form_too_many_parts_or_with_a_huge_field_is_told_so_not_that_it_is_too_large(
    alpha, sessions, sqlite_settings, route, shape
):
    """werkzeug refuses more than 1,000 parts, or a text field over 500 KB, with the same error as a body over
    the cap: the answer said "may be at most 64 MiB; this upload is 850 KB"."""
    fields = {f"f{i}": "x" for i in range(1001)} if shape == "parts" else {"purpose": "x" * 600_000}
    response = alpha.post(
        route, data={"file": (io.BytesIO(b"x" * 1000), "p.png"), **fields}, content_type="multipart/form-data"
    )
    body = assert_problem(response, 413, "form_too_complex")
    assert "1000 parts" in body["detail"] and "500000 bytes" in body["detail"], body
    nothing_stored(sessions, sqlite_settings)
