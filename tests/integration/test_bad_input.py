"""Hostile and careless input, on PostgreSQL as on SQLite: every case is a 4xx
problem+json with its own code, stores nothing (rows counted before and
after, storage listed), and the server answers a good request right after.

Several of these were 500s on PostgreSQL only (NUL in an id, NaN in JSON, a
URL longer than its column), so every case runs on both databases.
"""

from __future__ import annotations

import io
import json
import struct
import uuid
import wave
import zlib

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import given
from PIL import Image

from domain.models import Asset, Batch, Job, WebhookEndpoint
from tests.composition_files import video
from tests.fuzz_budget import fuzz_settings
from tests.hostile_strategies import encode, job_bodies
from tests.integration.databases import on_database
from tests.stubs import RecordingSender

pytestmark = pytest.mark.integration

JOB = {"script": "Hello from the newsroom.", "avatar": "astronaut"}
TABLES = (Job, Asset, Batch, WebhookEndpoint)


# --- a farm's API on each database ---------------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def farm(request, tmp_path_factory):
    from api.app import create_app
    from domain.tenants import create_key, get_or_create_tenant

    settings, sessions = on_database(request, tmp_path_factory.mktemp(f"bad-input-{request.param}"))
    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, f"hostile-{uuid.uuid4().hex[:6]}"))
    client = create_app(settings, sender=RecordingSender()).test_client()  # the database is under test, not the broker
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    yield client, sessions, settings


def _stored(sessions, settings) -> tuple:
    with sessions() as session:
        rows = tuple(session.scalar(sa.select(sa.func.count()).select_from(t)) for t in TABLES)
    storage = settings.data_dir / "storage"
    files = sorted(str(p) for p in storage.rglob("*") if p.is_file()) if storage.exists() else []
    return rows, files


# --- bodies no well-behaved JSON encoder writes ------------------------------------------
def raw_job(**fields_json: str) -> bytes:
    """A job body with some fields given as raw JSON text (NaN, deep nesting, escapes)."""
    parts = [f'"{k}": {json.dumps(v)}' for k, v in JOB.items() if k not in fields_json]
    parts += [f'"{k}": {v}' for k, v in fields_json.items()]
    return ("{" + ", ".join(parts) + "}").encode()


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size and holds a single empty scanline: a bomb's header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 128, np.uint8)).save(out, format="PNG")
    return out.getvalue()


def wav(rate: int, seconds: float, freq: float = 220.0) -> bytes:
    n = max(1, int(rate * seconds))
    samples = (np.sin(2 * np.pi * freq * np.arange(n) / rate) * 12000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return out.getvalue()


def clip(width: int, height: int, frames: int = 1) -> bytes:
    """A flat grey H.264 clip of this size (cheap to encode at any size)."""
    return video(width, height, "25", frames / 25, "mp4", "gray")


def verify(data: bytes):
    return lambda c: c.post(
        "/v1/verify", data={"file": (io.BytesIO(data), "clip.mp4")}, content_type="multipart/form-data"
    )


def post_json(path: str, body: bytes, **headers):
    return lambda c: c.post(path, data=body, content_type="application/json", headers=headers)


def post_job(**fields_json: str):
    return post_json("/v1/jobs", raw_job(**fields_json))


def upload(data: bytes, name: str = "file.bin"):
    return lambda c: c.post("/v1/assets", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def batch_file(data: bytes, name: str, **form):
    return lambda c: c.post(
        "/v1/batches", data={"file": (io.BytesIO(data), name), **form}, content_type="multipart/form-data"
    )


def get(path: str, **query):
    return lambda c: c.get(path, query_string=query)


def webhook(url: str):
    return lambda c: c.post("/v1/webhooks", json={"url": url})


LONG_URL = "https://example.com/" + "a" * 2000
#: 60 characters pass the URL syntax check; their punycode is longer than a DNS label may be
LONG_LABEL_HOST = "http://" + "ä" * 60 + ".example/"

CASES = {
    # --- nesting and sizes that outrun the parsers
    "job body nested 5000 deep": (post_job(metadata=nested(5000)), 400, "json_too_deep"),
    "job body nested 100 000 deep (arrays)": (
        post_job(metadata='{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        400,
        "json_too_deep",
    ),
    "metadata nested past its own limit": (post_job(metadata=nested(12)), 422, "json_too_deep"),
    "batch defaults nested deep (JSON)": (
        post_json("/v1/batches", b'{"jobs": [{}], "defaults": ' + nested(3000).encode() + b"}"),
        400,
        "json_too_deep",
    ),
    "batch defaults nested deep (form)": (
        batch_file(b"script,avatar\nhi,astronaut\n", "jobs.csv", defaults=nested(3000)),
        400,
        "json_too_deep",
    ),
    "JSONL line nested deep": (
        batch_file(
            ('{"avatar": "astronaut", "script": "hi", "metadata": ' + nested(3000) + "}\n").encode(), "jobs.jsonl"
        ),
        400,
        "json_too_deep",
    ),
    "CSV cell of 300 KB": (
        batch_file(b"script,avatar\n" + b"x" * 300_000 + b",astronaut\n", "jobs.csv"),
        422,
        "batch_field_too_large",
    ),
    "CSV with two columns filling one field once case is ignored": (
        batch_file(b"script, Script ,avatar\nOne.,Two.,astronaut\n", "jobs.csv"),
        422,
        "batch_header_invalid",
    ),
    "CSV header of 201 columns (one past the cap)": (
        batch_file(
            b"script,avatar," + ",".join(f"note{i}" for i in range(199)).encode() + b"\nOne.,astronaut\n", "jobs.csv"
        ),
        422,
        "batch_header_invalid",
    ),
    "CSV header of 300,000 commas": (
        batch_file(b"script,avatar" + b"," * 300_000 + b"\n" + b"One.,astronaut\n" * 1000, "jobs.csv"),
        422,
        "batch_header_invalid",
    ),
    "CSV of more rows than a batch holds": (
        batch_file(b"script,avatar\n" + b"hi,astronaut\n" * 1001, "jobs.csv"),
        413,
        "batch_too_large",
    ),
    "JSON batch of a million empty jobs": (
        post_json("/v1/batches", b'{"jobs": [' + b",".join([b"{}"] * 1_000_000) + b"]}"),
        413,
        "batch_too_large",
    ),
    "JSON body over 4 MiB": (post_job(metadata=json.dumps({"x": "y" * (5 * 1024 * 1024)})), 413, "json_too_large"),
    "metadata over 16 KB": (post_job(metadata=json.dumps({"x": "y" * 17_000})), 422, "metadata_too_large"),
    "script that is not valid UTF-8": (
        post_json("/v1/jobs", b'{"script": "\xff\xfe", "avatar": "astronaut"}'),
        400,
        "json_invalid",
    ),
    # --- values the database cannot hold
    "webhook_url longer than its column": (post_job(webhook_url=json.dumps(LONG_URL)), 422, "field_too_long"),
    "webhook endpoint URL longer than its column": (webhook(LONG_URL), 422, "field_too_long"),
    "NaN in metadata": (post_job(metadata='{"score": NaN}'), 400, "json_number_invalid"),
    "Infinity in metadata": (post_job(metadata='{"score": -Infinity}'), 400, "json_number_invalid"),
    "1e999 (overflows to infinity)": (post_job(metadata='{"score": 1e999}'), 400, "json_number_invalid"),
    "integer past 64 bits": (post_job(metadata='{"n": 123456789012345678901234567890}'), 400, "json_number_invalid"),
    "integer of 5000 digits": (post_job(metadata='{"n": ' + "9" * 5000 + "}"), 400, "json_number_invalid"),
    "NaN in a render param": (post_job(params='{"motion_scale": NaN}'), 400, "json_number_invalid"),
    "NUL in the avatar name": (post_job(avatar='"astro\\u0000naut"'), 422, "text_invalid_character"),
    "NUL in the voice": (post_job(voice='"en\\u0000"'), 422, "text_invalid_character"),
    "NUL in the script": (post_job(script='"Hello\\u0000 world"'), 422, "text_invalid_character"),
    "NUL in a metadata key": (post_job(metadata='{"a\\u0000b": 1}'), 422, "text_invalid_character"),
    "NUL in a metadata value": (post_job(metadata='{"a": ["ok", "b\\u0000"]}'), 422, "text_invalid_character"),
    "lone surrogate in the script": (post_job(script='"Hello \\ud800 world"'), 422, "text_invalid_character"),
    "lone low surrogate in metadata": (post_job(metadata='{"a": "\\udc00"}'), 422, "text_invalid_character"),
    "script of nothing a voice can say": (post_job(script='"... !!! \\ud83d\\ude42"'), 422, "script_unspeakable"),
    "Japanese with a word no reading is known for": (
        post_job(script='"龘の新しい橋が開通しました。"', language='"ja"'),
        422,
        "script_unreadable",
    ),
    "escape character in the script": (post_job(script='"Hello \\u001b[31m"'), 422, "text_invalid_character"),
    "NUL in the audio asset id": (
        post_job(script="null", audio_asset_id='"ast_\\u0000"'),
        422,
        "text_invalid_character",
    ),
    "audio asset id longer than an id": (
        post_job(script="null", audio_asset_id=json.dumps("ast_" + "0" * 60)),
        422,
        "field_too_long",
    ),
    "watermark text over 80 characters": (post_job(watermark=json.dumps({"text": "w" * 81})), 422, "field_too_long"),
    "voice over 100 characters": (post_job(voice=json.dumps("v" * 101)), 422, "field_too_long"),
    "a title too long for a 9:16 canvas (it ran off the bottom edge)": (
        post_job(
            canvas=json.dumps({"width": 1080, "height": 1920}),
            overlays=json.dumps([{"type": "text", "role": "title", "text": "Breaking " * 55}]),
        ),
        422,
        "text_overflow",
    ),
    "NUL in a job id in the path": (get("/v1/jobs/job_%00abc"), 400, "id_invalid"),
    "NUL in a batch id in the path": (get("/v1/batches/bat_%00"), 400, "id_invalid"),
    "NUL in an asset id in the path": (get("/v1/assets/ast_%00"), 400, "id_invalid"),
    "path id of 5000 characters": (get("/v1/jobs/" + "j" * 5000), 400, "id_invalid"),
    "NUL in the list cursor": (get("/v1/jobs", cursor="job_\x00"), 422, "text_invalid_character"),
    "NUL in the batch filter": (get("/v1/jobs", batch_id="bat\x00"), 422, "text_invalid_character"),
    "empty batch filter (would list every job)": (get("/v1/jobs", batch_id=""), 422, "filter_empty"),
    "empty finals-of-batch filter (would list every job)": (get("/v1/jobs", finals_of_batch=""), 422, "filter_empty"),
    "empty template filter (would list every job)": (get("/v1/jobs", template_id=""), 422, "filter_empty"),
    "NUL in the batch list cursor": (get("/v1/batches", cursor="bat_\x00"), 422, "text_invalid_character"),
    "batch list cursor of 300 characters": (get("/v1/batches", cursor="b" * 300), 422, "field_too_long"),
    "batch list limit of 0": (get("/v1/batches", limit="0"), 422, "validation_error"),
    "NUL in the Idempotency-Key": (
        post_json("/v1/jobs", raw_job(), **{"Idempotency-Key": "k\x00ey"}),
        400,
        "idempotency_key_invalid",
    ),
    "NUL in a CSV script": (
        batch_file(b"script,avatar\nhi\x00there,astronaut\n", "jobs.csv"),
        422,
        "batch_invalid/text_invalid_character",
    ),
    "lone surrogate in a JSON batch item": (
        post_json("/v1/batches", b'{"jobs": [{"avatar": "astronaut", "script": "a\\udfff"}]}'),
        422,
        "text_invalid_character",
    ),
    "NUL in a batch template (form)": (
        batch_file(b"name\nAda\n", "rows.csv", template="Hi \x00{{name}}"),
        422,
        "text_invalid_character",
    ),
    "NaN in a JSONL line": (
        batch_file(b'{"avatar": "astronaut", "script": "hi", "metadata": {"x": NaN}}\n', "jobs.jsonl"),
        400,
        "json_number_invalid",
    ),
    # --- URL parsing
    "webhook_url port out of range": (
        post_job(webhook_url='"http://example.com:99999/hook"'),
        422,
        "webhook_url_invalid",
    ),
    "webhook endpoint port out of range": (webhook("https://example.com:70000/hook"), 422, "webhook_url_invalid"),
    "webhook endpoint of another scheme": (webhook("ftp://example.com/hook"), 422, "webhook_url_invalid"),
    "webhook_url that is no address": (post_job(webhook_url='"not a url"'), 422, "webhook_url_invalid"),
    "webhook endpoint port 0": (webhook("https://example.com:0/hook"), 422, "webhook_url_invalid"),
    "webhook host failing IDNA": (webhook(LONG_LABEL_HOST), 422, "webhook_url_invalid"),
    "webhook_url host failing IDNA": (post_job(webhook_url=json.dumps(LONG_LABEL_HOST)), 422, "webhook_url_invalid"),
    "webhook host longer than DNS allows": (
        webhook("http://" + ".".join(["a" * 60] * 5) + "/"),
        422,
        "webhook_url_invalid",
    ),
    # --- pictures refused from their header
    "PNG declaring 20000x20000 (Pillow's bomb)": (
        upload(png_header_only(20_000, 20_000), "bomb.png"),
        422,
        "image_too_many_pixels",
    ),
    "PNG declaring 9000x5000 (over our limit)": (
        upload(png_header_only(9_000, 5_000), "big.png"),
        422,
        "image_too_many_pixels",
    ),
    "PNG 20000x3 (too thin for the face detector)": (upload(png(20_000, 3), "thin.png"), 422, "image_too_small"),
    "PNG 3000x200 (aspect ratio 15)": (upload(png(3_000, 200), "banner.png"), 422, "image_aspect_ratio"),
    # --- verify: bounded work, what would break the bound is refused
    "verify a clip with frames over 4096x4096": (verify(clip(4112, 4112)), 413, "clip_too_large"),
    "verify bytes that are no video": (verify(b"\x00\x00\x00\x18ftypmp42" + b"\xff" * 500), 422, "video_unreadable"),
    # --- narration that would only fail in the worker
    "WAV at 1 Hz": (upload(wav(1, 30.0, 0.25), "one-hertz.wav"), 422, "audio_sample_rate_unsupported"),
    "WAV at 8 Hz": (upload(wav(8, 10.0, 1.0), "eight-hertz.wav"), 422, "audio_sample_rate_unsupported"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_request_is_a_4xx_problem_and_stores_nothing(farm, case):
    client, sessions, settings = farm
    send, status, code = CASES[case]
    code, _, item_code = code.partition("/")  # a batch names each invalid item's own code
    before = _stored(sessions, settings)
    response = send(client)
    assert response.status_code == status, f"{case}: {response.status_code} {response.get_data(as_text=True)[:500]}"
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["status"] == status and body["detail"], body
    if item_code:
        assert body["errors"]["0"]["code"] == item_code, body
    assert _stored(sessions, settings) == before, f"{case}: something was stored"
    # the server (and its database connections) stay healthy: a good write goes through
    good = client.post("/v1/jobs", json=JOB)
    assert good.status_code == 202, good.get_data(as_text=True)
    assert client.post(f"/v1/jobs/{good.get_json()['id']}/cancel").status_code == 200


def test_bounded_strings_match_the_columns_they_land_in():
    """The schema's string limits are the models' column sizes: the API refuses what the database would."""
    from api import schemas
    from api.webhooks import EndpointCreateSchema
    from domain import models

    assert schemas.ID_MAX_CHARS == models.Job.__table__.c.id.type.length
    for table in (models.Asset, models.Batch, models.WebhookEndpoint, models.Tenant):
        assert table.__table__.c.id.type.length == schemas.ID_MAX_CHARS
    assert schemas.WEBHOOK_URL_MAX_CHARS == models.Job.__table__.c.webhook_url.type.length
    assert schemas.WEBHOOK_URL_MAX_CHARS == models.WebhookEndpoint.__table__.c.url.type.length
    assert schemas.WEBHOOK_URL_MAX_CHARS == models.WebhookDelivery.__table__.c.url.type.length
    assert schemas.IDEMPOTENCY_KEY_MAX_CHARS == models.Job.__table__.c.idempotency_key.type.length
    spec = schemas.JobSpecSchema().fields
    for name in ("audio_asset_id",):
        assert spec[name].max_length == schemas.ID_MAX_CHARS
    assert EndpointCreateSchema().fields["url"].__class__ is schemas.WebhookUrl
    for name in ("cursor", "batch_id"):
        assert schemas.JobListQuerySchema().fields[name].max_length == schemas.ID_MAX_CHARS


def test_verify_beyond_its_concurrent_slots_is_a_429_with_retry_after(farm):
    from api import verify as verify_route

    client, _, _ = farm
    held = [verify_route._slots.acquire(blocking=False) for _ in range(verify_route.VERIFY_SLOTS)]
    try:
        assert all(held)
        response = verify(clip(64, 64))(client)
        assert response.status_code == 429 and response.get_json()["code"] == "verify_busy"
        assert response.headers["Retry-After"]
    finally:
        for _ in held:
            verify_route._slots.release()
    response = verify(clip(64, 64))(client)  # a slot free again: answered
    assert response.status_code == 200 and response.get_json()["found"] is False


@fuzz_settings(40)
@given(body=job_bodies)
def test_any_job_body_is_answered_on_either_database(farm, body):
    """The fuzzers' job bodies, on PostgreSQL too: never a 500, a refusal stores nothing."""
    submit_hostile(farm, body)


def submit_hostile(farm, body) -> None:
    """Submit ``body``: never a 500; a refusal is a coded problem and stores nothing; an
    accepted job is canceled, so the next example starts from the same farm."""
    client, sessions, settings = farm
    before = _stored(sessions, settings)
    response = client.post("/v1/jobs", data=encode(body), content_type="application/json")
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json" and response.get_json()["code"]
        assert _stored(sessions, settings) == before
    else:
        client.post(f"/v1/jobs/{response.get_json()['id']}/cancel")
