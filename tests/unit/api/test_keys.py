"""API keys have a scope; operator endpoints refuse tenant keys with 403
forbidden_scope; keys are listed and revoked within what the caller may
see, and a revoked key is refused on the very next request."""

from __future__ import annotations

from datetime import UTC

import pytest
from click.testing import CliRunner

from tests.unit.api.bearer import client
from tests.unit.api.test_requests import assert_problem


@pytest.fixture
def keys(sessions):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        return {
            "alpha": create_key(session, get_or_create_tenant(session, "alpha")),
            "alpha2": create_key(session, get_or_create_tenant(session, "alpha")),
            "beta": create_key(session, get_or_create_tenant(session, "beta")),
            "ops": create_key(session, get_or_create_tenant(session, "ops"), "operator"),
        }


def key_id(app, key) -> str:
    return next(k["id"] for k in client(app, key).get("/v1/keys").get_json()["items"] if key.startswith(k["prefix"]))


@pytest.mark.parametrize("path", ["/v1/pools", "/v1/keys?tenant=beta"])
def test_a_tenant_key_on_an_operator_endpoint_is_403_forbidden_scope(app, keys, path):
    assert_problem(client(app, keys["alpha"]).get(path), 403, "forbidden_scope")
    assert client(app, keys["ops"]).get(path).status_code == 200


def test_a_tenant_lists_only_its_own_keys_and_an_operator_lists_all(app, keys):
    mine = client(app, keys["alpha"]).get("/v1/keys").get_json()["items"]
    assert {k["tenant"] for k in mine} == {"alpha"} and len(mine) == 2
    assert all(k["scope"] == "tenant" and k["revoked_at"] is None for k in mine)
    assert all("key" not in k and "key_hash" not in k for k in mine)
    everyone = client(app, keys["ops"]).get("/v1/keys").get_json()["items"]
    assert {k["tenant"] for k in everyone} == {"alpha", "beta", "ops"}
    assert {k["scope"] for k in everyone if k["tenant"] == "ops"} == {"operator"}
    only_beta = client(app, keys["ops"]).get("/v1/keys?tenant=beta").get_json()["items"]
    assert [k["tenant"] for k in only_beta] == ["beta"]


def test_a_revoked_key_is_refused_on_the_next_request(app, keys):
    alpha = client(app, keys["alpha"])
    assert alpha.get("/v1/jobs").status_code == 200  # seen once (a cache would now hold it)
    doomed = key_id(app, keys["alpha"])
    revoked = client(app, keys["alpha2"]).post(f"/v1/keys/{doomed}/revoke")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert_problem(alpha.get("/v1/jobs"), 401, "invalid_api_key")
    assert client(app, keys["alpha2"]).get("/v1/jobs").status_code == 200


def test_revoking_twice_is_409_key_revoked(app, keys):
    target = key_id(app, keys["beta"])
    ops = client(app, keys["ops"])
    assert ops.post(f"/v1/keys/{target}/revoke").status_code == 200
    assert_problem(ops.post(f"/v1/keys/{target}/revoke"), 409, "key_revoked")


@pytest.mark.parametrize("target", ["beta", "unknown"])
def test_another_tenants_key_or_an_unknown_one_is_404_and_stays_valid(app, keys, target):
    target_id = key_id(app, keys["beta"]) if target == "beta" else "key_00000000000000000000000000"
    body = assert_problem(client(app, keys["alpha"]).post(f"/v1/keys/{target_id}/revoke"), 404, "key_not_found")
    assert "beta" not in body["detail"]
    assert client(app, keys["beta"]).get("/v1/jobs").status_code == 200


def test_an_operator_revokes_any_tenants_key(app, keys):
    target = key_id(app, keys["beta"])
    assert client(app, keys["ops"]).post(f"/v1/keys/{target}/revoke").status_code == 200
    assert_problem(client(app, keys["beta"]).get("/v1/jobs"), 401, "invalid_api_key")


@pytest.mark.parametrize("body", [{"scope": "operator"}, {"tenant": "beta"}])
def test_a_tenant_key_cannot_make_operator_keys_or_keys_for_others(app, keys, sessions, body):
    import sqlalchemy as sa

    from domain.models import ApiKey

    with sessions() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(ApiKey))
    assert_problem(client(app, keys["alpha"]).post("/v1/keys", json=body), 403, "forbidden_scope")
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == before


@pytest.mark.parametrize(
    "body, code",
    [({"scope": "root"}, "validation_error"), ({"colour": "x"}, "unknown_field"), ({"tenant": ""}, "validation_error")],
)
def test_bad_key_requests_are_422(app, keys, body, code):
    assert_problem(client(app, keys["ops"]).post("/v1/keys", json=body), 422, code)


def test_made_keys_work_once_shown_and_a_tenant_may_make_its_own(app, keys):
    made = client(app, keys["ops"]).post("/v1/keys", json={"tenant": "gamma", "scope": "operator"})
    assert made.status_code == 201
    doc = made.get_json()
    assert doc["tenant"] == "gamma" and doc["scope"] == "operator" and doc["key"].startswith(doc["prefix"])
    assert client(app, doc["key"]).get("/v1/pools").status_code == 200
    own = client(app, keys["alpha"]).post("/v1/keys", json={}).get_json()
    assert own["tenant"] == "alpha" and own["scope"] == "tenant"
    assert client(app, own["key"]).get("/v1/jobs").status_code == 200
    assert all("key" not in k for k in client(app, keys["ops"]).get("/v1/keys").get_json()["items"])


def test_the_page_rechecks_a_session_key_by_id(app, keys):
    from api.auth import principal_for_key, principal_for_key_id

    with app.app_context():
        who = principal_for_key(keys["ops"])
        assert who.tenant_name == "ops" and who.is_operator
        assert principal_for_key_id(who.key_id) == who
        assert principal_for_key("tfk_nope") is None
    client(app, keys["ops"]).post(f"/v1/keys/{who.key_id}/revoke")
    with app.app_context():
        assert principal_for_key_id(who.key_id) is None
        assert principal_for_key(keys["ops"]) is None


def test_cli_keys_create_operator_makes_an_operator_key(app, sqlite_settings, monkeypatch):
    from cli.main import main

    monkeypatch.setenv("TALKFARM_DATA_DIR", str(sqlite_settings.data_dir))
    runner = CliRunner()
    operator = runner.invoke(main, ["keys", "create", "--tenant", "night-shift", "--operator"]).output.strip()
    tenant = runner.invoke(main, ["keys", "create", "--tenant", "night-shift"]).output.strip()
    assert client(app, operator).get("/v1/pools").status_code == 200
    assert_problem(client(app, tenant).get("/v1/pools"), 403, "forbidden_scope")


def test_talkfarm_up_keeps_an_operator_key_and_replaces_a_revoked_one(app, sqlite_settings):
    from cli.up import ensure_local_key

    first = ensure_local_key(sqlite_settings)
    assert ensure_local_key(sqlite_settings) == first
    assert client(app, first).get("/v1/pools").status_code == 200
    client(app, first).post(f"/v1/keys/{key_id(app, first)}/revoke")
    second = ensure_local_key(sqlite_settings)
    assert second != first and client(app, second).get("/v1/pools").status_code == 200


def test_a_poll_with_an_etag_checks_the_key_in_its_one_read(app, keys):
    """GET /v1/jobs/{id} with If-None-Match checks the key in the same query as the job: still refused when revoked,
    still a 404 for another tenant's job (never a 304 that would confirm it exists)."""
    alpha = client(app, keys["alpha"])
    job = alpha.post("/v1/jobs", json={"script": "Hi.", "avatar": "astronaut"})
    job_id, etag = job.get_json()["id"], alpha.get(f"/v1/jobs/{job.get_json()['id']}").headers["ETag"]
    assert alpha.get(f"/v1/jobs/{job_id}", headers={"If-None-Match": etag}).status_code == 304
    assert_problem(
        client(app, keys["beta"]).get(f"/v1/jobs/{job_id}", headers={"If-None-Match": etag}), 404, "job_not_found"
    )
    assert_problem(
        client(app, "tfk_nope").get(f"/v1/jobs/{job_id}", headers={"If-None-Match": etag}), 401, "invalid_api_key"
    )
    client(app, keys["alpha2"]).post(f"/v1/keys/{key_id(app, keys['alpha'])}/revoke")
    assert_problem(alpha.get(f"/v1/jobs/{job_id}", headers={"If-None-Match": etag}), 401, "invalid_api_key")
    assert client(app, keys["alpha2"]).get(f"/v1/jobs/{job_id}", headers={"If-None-Match": etag}).status_code == 304


def test_cli_keys_create_expires_takes_a_lifetime_or_a_date_and_refuses_the_past(app, sqlite_settings, monkeypatch):
    """`talkfarm keys create --expires`: the key works until then and is refused after; nonsense and past moments are
    refused before any key is made."""
    from datetime import datetime, timedelta

    from cli.main import main
    from domain.db import session_factory
    from domain.models import ApiKey

    monkeypatch.setenv("TALKFARM_DATA_DIR", str(sqlite_settings.data_dir))
    runner = CliRunner()
    before = datetime.now(UTC)
    short = runner.invoke(main, ["keys", "create", "--tenant", "temp", "--expires", "12h"]).output.strip()
    runner.invoke(main, ["keys", "create", "--tenant", "temp", "--expires", "2099-03-01"])
    assert client(app, short).get("/v1/jobs").status_code == 200
    with session_factory(sqlite_settings)() as session:
        expiries = {k.expires_at.replace(tzinfo=UTC) for k in session.query(ApiKey).all() if k.expires_at}
    assert len(expiries) == 2
    assert any(abs(e - (before + timedelta(hours=12))) < timedelta(minutes=5) for e in expiries)
    assert datetime(2099, 3, 1, tzinfo=UTC) in expiries
    for bad in ("yesterday", "12x", "2001-01-01", "0m"):
        refused = runner.invoke(main, ["keys", "create", "--tenant", "temp", "--expires", bad])
        assert refused.exit_code == 2, (bad, refused.output)
    with session_factory(sqlite_settings)() as session:
        assert session.query(ApiKey).count() == 2
