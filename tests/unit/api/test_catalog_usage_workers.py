"""The catalog lists what a job may ask for, from the same tables the
validator uses; workers are an operator's view (tag, state, heartbeat,
current jobs, failures, blocklists); usage adds up rendered seconds and
outcomes per tenant and day: a tenant sees its own, an operator all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.models import Job, JobAttempt, Worker
from domain.timeutil import utcnow
from tests.unit.api.bearer import client
from tests.unit.api.test_requests import assert_problem


@pytest.fixture
def tenants(sessions):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        made = {name: get_or_create_tenant(session, name) for name in ("alpha", "beta", "ops")}
        keys = {name: create_key(session, made[name], "operator" if name == "ops" else "tenant") for name in made}
        return {name: (made[name].id, keys[name]) for name in made}


@pytest.fixture
def alpha(app, tenants):
    return client(app, tenants["alpha"][1])


@pytest.fixture
def ops(app, tenants):
    return client(app, tenants["ops"][1])


# --- catalog ----------------------------------------------------------------------------------
def test_catalog_lists_every_param_with_type_range_and_default(alpha):
    from domain.params import PARAMS

    body = alpha.get("/v1/catalog").get_json()
    params = {p["name"]: p for p in body["params"]}
    assert set(params) == {p.name for p in PARAMS}
    assert params["resolution"] == {
        **params["resolution"],
        "type": "integer",
        "default": 512,
        "minimum": 128,
        "maximum": 2048,
        "multiple_of": 16,
    }
    assert params["lip_sync_correction"]["type"] == "boolean" and params["dynamic_scale"]["type"] == "number"
    assert params["duration"]["default"] is None


def test_catalog_voices_presets_and_models_are_the_ones_a_job_may_name(alpha):
    body = alpha.get("/v1/catalog").get_json()
    joe = next(v for v in body["voices"] if v["name"] == "joe")
    assert joe["default"] and joe["language"] == "en-us" and "en-us" in body["languages"]
    assert {"astronaut", "cameraman"} <= {p["name"] for p in body["presets"]}
    assert [m["name"] for m in body["models"]][0] == "builtin" and body["pools"] == ["cpu"]
    preset = next(p for p in body["presets"] if p["name"] == "cameraman")
    image = alpha.get(preset["image_url"].split("localhost", 1)[-1])
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:4] == b"\x89PNG"
    # and what it lists is accepted
    job = {"script": "Hi.", "avatar": preset["name"], "voice": joe["name"], "model": body["models"][0]["name"]}
    assert alpha.post("/v1/jobs", json=job).status_code == 202


def test_an_unknown_preset_image_is_404(alpha):
    assert_problem(alpha.get("/v1/catalog/presets/nobody"), 404, "preset_not_found")


def test_the_catalog_needs_a_key(app):
    assert_problem(app.test_client().get("/v1/catalog"), 401, "unauthorized")


# --- workers ----------------------------------------------------------------------------------
@pytest.fixture
def farm_state(sessions, tenants):
    now = utcnow()
    alpha_id = tenants["alpha"][0]
    with sessions() as session, session.begin():
        session.add_all(
            [
                Worker(
                    id="w-busy",
                    hostname="h1",
                    tag="cpu",
                    arch="x86_64",
                    providers=["CPUExecutionProvider"],
                    concurrency=2,
                    running=1,
                    state="online",
                    heartbeat_at=now,
                ),
                Worker(
                    id="w-gone",
                    hostname="h2",
                    tag="cpu",
                    arch="x86_64",
                    concurrency=2,
                    state="online",
                    heartbeat_at=now - timedelta(hours=1),
                ),
                Worker(
                    id="w-bye",
                    hostname="h3",
                    tag="cpu",
                    arch="x86_64",
                    concurrency=2,
                    state="offline",
                    heartbeat_at=now,
                ),
            ]
        )
        session.add_all(
            [
                Job(
                    id="job_running",
                    tenant_id=alpha_id,
                    status="running",
                    pool="cpu",
                    spec={},
                    worker="w-busy",
                    attempt=1,
                ),
                Job(
                    id="job_blocked",
                    tenant_id=alpha_id,
                    status="queued",
                    pool="cpu",
                    spec={},
                    failed_on={"w-busy": 2, "w-gone": 1},
                    failures=3,
                    attempt=3,
                ),
            ]
        )
        session.flush()
        session.add_all(
            [JobAttempt(job_id="job_blocked", number=n, worker="w-busy", outcome="failed") for n in (1, 2)]
            + [JobAttempt(job_id="job_blocked", number=3, worker="w-gone", outcome="failed")]
        )


def test_workers_show_state_heartbeat_jobs_failures_and_blocklists(ops, farm_state):
    items = {w["id"]: w for w in ops.get("/v1/workers").get_json()["items"]}
    assert set(items) == {"w-busy"}
    busy = items["w-busy"]
    assert busy["state"] == "online" and busy["tag"] == "cpu" and busy["heartbeat_age_s"] < 60
    assert (
        busy["current_jobs"] == ["job_running"] and busy["failures"] == 2 and busy["blocklisted_on"] == ["job_blocked"]
    )
    everyone = {w["id"]: w for w in ops.get("/v1/workers?include_offline=true").get_json()["items"]}
    assert everyone["w-gone"]["state"] == "lost" and everyone["w-gone"]["blocklisted_on"] == []
    assert everyone["w-gone"]["failures"] == 1 and everyone["w-bye"]["state"] == "offline"


def test_workers_need_an_operator_key(alpha, farm_state):
    assert_problem(alpha.get("/v1/workers"), 403, "forbidden_scope")


def test_a_bad_workers_query_is_422(ops):
    response = ops.get("/v1/workers?include_offline=perhaps")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


# --- usage ------------------------------------------------------------------------------------
@pytest.fixture
def history(sessions, tenants):
    now = utcnow()
    yesterday = now - timedelta(days=1)
    rows = []
    for tenant, status, when, seconds in [
        ("alpha", "succeeded", now, 12.5),
        ("alpha", "succeeded", yesterday, 7.5),
        ("alpha", "failed", now, None),
        ("alpha", "canceled", yesterday, None),
        ("alpha", "succeeded", now - timedelta(days=60), 100.0),
        ("beta", "succeeded", now, 30.0),
        ("beta", "running", None, None),
        ("beta", "succeeded", now, 4.0),
    ]:
        draft = seconds == 4.0
        rows.append(
            Job(
                tenant_id=tenants[tenant][0],
                status=status,
                pool="cpu",
                spec={"draft": True} if draft else {},
                finished_at=when,
                output={"key": "k", "duration_s": seconds} if seconds else None,
            )
        )
    with sessions() as session, session.begin():
        session.add_all(rows)
    return now, yesterday


def test_a_tenant_sees_its_own_usage_per_day(alpha, history):
    now, yesterday = history
    body = alpha.get("/v1/usage?days=30").get_json()
    assert [t["tenant"] for t in body["tenants"]] == ["alpha"]
    mine = body["tenants"][0]
    assert mine["rendered_s"] == 20.0  # the 60-day-old job is outside the window
    assert mine["jobs"] == {"succeeded": 2, "failed": 1, "canceled": 1, "queued": 0, "running": 0}
    days = {d["date"]: d for d in mine["days"]}
    assert days[now.date().isoformat()] == {
        "date": now.date().isoformat(),
        "rendered_s": 12.5,
        "draft_s": 0.0,
        "succeeded": 1,
        "failed": 1,
        "canceled": 0,
    }
    assert days[yesterday.date().isoformat()]["canceled"] == 1
    assert alpha.get("/v1/usage?days=90").get_json()["tenants"][0]["rendered_s"] == 120.0


def test_an_operator_sees_every_tenant_or_one_by_name(ops, history):
    body = ops.get("/v1/usage").get_json()
    by_name = {t["tenant"]: t for t in body["tenants"]}
    assert set(by_name) == {"alpha", "beta", "ops"}
    assert by_name["beta"]["rendered_s"] == 34.0 and by_name["beta"]["draft_s"] == 4.0
    assert by_name["beta"]["days"][-1]["draft_s"] == 4.0 and by_name["beta"]["jobs"]["running"] == 1
    assert [t["tenant"] for t in ops.get("/v1/usage?tenant=beta").get_json()["tenants"]] == ["beta"]
    assert_problem(ops.get("/v1/usage?tenant=nobody"), 404, "tenant_not_found")


@pytest.mark.parametrize(
    "query, status, code",
    [("tenant=beta", 403, "forbidden_scope"), ("days=0", 422, None), ("days=1000", 422, None), ("days=x", 422, None)],
)
def test_bad_usage_queries(alpha, history, query, status, code):
    response = alpha.get(f"/v1/usage?{query}")
    if code:
        assert_problem(response, status, code)
    assert response.status_code == status and response.mimetype == "application/problem+json"
