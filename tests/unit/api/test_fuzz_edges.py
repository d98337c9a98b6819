"""Property-based fuzzing of the API's edges (hypothesis): whatever a caller
sends as a job, a batch (JSON, CSV or JSONL), an upload or a signed link, the
answer is a 2xx or a 4xx problem+json with a code, never a 500, and a refusal
stores nothing. Runs in seconds here; benchmarks/fuzz_edges.py runs it long."""

from __future__ import annotations

import io
import json
import math
import wave

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from domain.models import Asset, Batch, Job
from tests.fuzz_budget import fuzz_settings
from tests.hostile_strategies import any_text, job_bodies, json_values
from tests.hostile_strategies import encode as _encode
from tests.stubs import RecordingSender


# --- the app on SQLite ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from api.app import create_app
    from domain.config import Settings
    from domain.db import session_factory, upgrade
    from domain.tenants import create_key, get_or_create_tenant

    settings = Settings.from_env({}, data_dir=tmp_path_factory.mktemp("fuzz"), pools=("cpu",))
    upgrade(settings)
    sessions = session_factory(settings)
    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "fuzz"))
    client = create_app(settings, sender=RecordingSender()).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    yield client, sessions


def _counts(sessions) -> tuple[int, ...]:
    with sessions() as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(t)) for t in (Job, Asset, Batch))


def assert_answered(response, sessions=None, before=None) -> None:
    """A 2xx, or a 4xx problem+json with a code that stored nothing; never a 5xx."""
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", response.get_data(as_text=True)[:500]
        body = response.get_json()
        assert body["code"] and body["status"] == response.status_code
        if sessions is not None:
            assert _counts(sessions) == before


# --- properties -----------------------------------------------------------------------------
@fuzz_settings(60)
@given(body=job_bodies)
def test_any_job_body_is_answered_without_a_server_error(api, body):
    client, sessions = api
    before = _counts(sessions)
    response = client.post("/v1/jobs", data=_encode(body), content_type="application/json")
    assert_answered(response, sessions, before)
    if response.status_code == 202:  # keep the tenant under its in-flight limit
        client.post(f"/v1/jobs/{response.get_json()['id']}/cancel")


@fuzz_settings(60)
@given(data=st.binary(max_size=300) | st.builds(lambda b, cut: _encode(b)[:cut], job_bodies, st.integers(0, 400)))
def test_any_bytes_as_a_json_body_are_answered(api, data):
    client, sessions = api
    before = _counts(sessions)
    assert_answered(client.post("/v1/jobs", data=data, content_type="application/json"), sessions, before)


@fuzz_settings(40)
@given(
    body=st.fixed_dictionaries(
        {"jobs": st.lists(job_bodies, max_size=3) | json_values},
        optional={"defaults": json_values, "template": any_text | json_values, "metadata": json_values},
    )
)
def test_any_json_batch_is_answered(api, body):
    client, sessions = api
    before = _counts(sessions)
    response = client.post("/v1/batches", data=_encode(body), content_type="application/json")
    assert_answered(response, sessions, before)
    for job_id in (response.get_json() or {}).get("job_ids", []) if response.status_code == 201 else []:
        client.post(f"/v1/jobs/{job_id}/cancel")


csv_cells = st.one_of(
    any_text, st.sampled_from(["astronaut", "Hello.", "5", "", '"', "\n", "\r\n", ",", "x" * 200_000])
)
csv_files = st.builds(
    lambda header, rows: "\n".join(",".join(r) for r in [header, *rows]).encode("utf-8", "surrogatepass"),
    st.lists(
        st.sampled_from(["script", "avatar", "priority", "name", "voice", "metadata"]) | any_text,
        min_size=1,
        max_size=4,
    ),
    st.lists(st.lists(csv_cells, max_size=5), max_size=4),
)
jsonl_files = st.builds(
    lambda lines: b"\n".join(_encode(line) for line in lines), st.lists(job_bodies | json_values, max_size=4)
)


@fuzz_settings(40)
@given(
    data=csv_files | jsonl_files | st.binary(max_size=400),
    name=st.sampled_from(["jobs.csv", "jobs.jsonl", "x"]),
    defaults=st.none() | any_text | st.builds(_encode, json_values),
    template=st.none() | any_text,
)
def test_any_csv_or_jsonl_batch_file_is_answered(api, data, name, defaults, template):
    client, sessions = api
    form = {"file": (io.BytesIO(data), name)}
    for field, value in (("defaults", defaults), ("template", template)):
        if value is not None:
            # what reaches the server: a client can send invalid UTF-8, which the form parser replaces
            raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
            form[field] = raw.decode("utf-8", "replace")
    before = _counts(sessions)
    response = client.post("/v1/batches", data=form, content_type="multipart/form-data")
    assert_answered(response, sessions, before)
    for job_id in (response.get_json() or {}).get("job_ids", []) if response.status_code == 201 else []:
        client.post(f"/v1/jobs/{job_id}/cancel")


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 100, np.uint8)).save(out, format="PNG")
    return out.getvalue()


def _wav(rate: int, seconds: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.sin(np.arange(int(rate * seconds)) * 0.05) * 9000).astype("<i2").tobytes())
    return out.getvalue()


SEEDS = [_png(32, 32), _wav(16000, 0.5), _wav(8000, 1.0)]


def _mutated(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data[: max(1, cut)])


uploads = st.builds(
    _mutated,
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6),
    st.integers(1, 200_000),
) | st.binary(min_size=1, max_size=200)


@fuzz_settings(30)
@given(data=uploads, name=st.sampled_from(["a.png", "a.wav", "a", "a.jpg"]))
def test_any_upload_is_answered(api, data, name):
    client, sessions = api
    before = _counts(sessions)
    response = client.post("/v1/assets", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert_answered(response, sessions, before)


#: expiry times still to come, so the signature itself gets checked
future = st.integers(2_000_000_000, 2_000_000_000 + 10**6)


@fuzz_settings(60)
@given(key=any_text, expires=any_text | st.integers(-(2**70), 2**70).map(str) | future.map(str), signature=any_text)
def test_any_signed_link_is_refused_cleanly(api, key, expires, signature):
    client, _ = api
    from urllib.parse import quote

    path = "/v1/files/" + quote(key.encode("utf-8", "surrogatepass"), safe="")
    response = client.get(
        path,
        query_string={
            "expires": expires.encode("utf-8", "surrogatepass"),
            "signature": signature.encode("utf-8", "surrogatepass"),
        },
    )
    assert_answered(response)
    # never served without a valid signature; a 308 is Flask merging slashes (an empty key, "%2F" in it)
    assert response.status_code in (308, 400, 403, 404, 405, 422), response.status_code


@fuzz_settings(60)
@given(key=any_text, expires=st.integers(-(2**70), 2**70) | future, signature=any_text)
def test_signed_link_checker_says_yes_or_no_to_anything(tmp_path, key, expires, signature):
    from storage.local import LocalStorage

    storage = LocalStorage(tmp_path, b"k" * 32)
    assert storage.verify(key, expires, signature) in (True, False)


@fuzz_settings(100)
@given(value=json_values)
def test_nesting_depth_is_read_without_parsing(value):
    from api.request_bounds import nesting_depth

    def depth(v) -> int:
        if isinstance(v, dict):
            return 1 + max((depth(x) for x in v.values()), default=0)
        if isinstance(v, list):
            return 1 + max((depth(x) for x in v), default=0)
        return 0

    assert nesting_depth(json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")) == depth(value)


@fuzz_settings(100)
@given(data=st.binary(max_size=500) | st.builds(lambda v: _encode(v), json_values))
def test_bounded_json_loads_refuses_with_a_problem_or_returns_storable_json(data):
    from api.request_bounds import loads_bounded
    from api.schemas import MAX_JSON_INT
    from domain.errors import ProblemError

    try:
        value = loads_bounded(data)
    except ProblemError as exc:
        assert 400 <= exc.status < 500 and exc.code
        return
    text = json.dumps(value, allow_nan=False, ensure_ascii=False)  # finite numbers only
    text.encode("utf-8")  # no lone surrogates

    def ints(v):
        if isinstance(v, dict):
            return all(ints(x) for x in v.values())
        if isinstance(v, list):
            return all(ints(x) for x in v)
        return not isinstance(v, int) or abs(v) <= MAX_JSON_INT

    assert ints(value) and "\x00" not in text


@fuzz_settings(100)
@given(body=job_bodies)
def test_job_schema_either_loads_storable_values_or_raises_a_validation_error(body):
    from marshmallow import ValidationError

    from api.schemas import JobSpecSchema

    try:
        loaded = JobSpecSchema().load(body)
    except ValidationError:
        return
    text = json.dumps(loaded, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")
    assert "\x00" not in text
    for value in loaded.get("params", {}).values():
        assert not isinstance(value, float) or math.isfinite(value)
