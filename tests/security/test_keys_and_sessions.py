"""Keys that hold their promises and sessions the server can end (issue 21, Low):
a tenant key manages only tenant keys; operator keys are the operator's; a key
may expire, and a minted key never outlives its minter; revoking with cascade
revokes what a key minted; a tenant cannot mint keys without end; signing out
ends the session on the server, so a stolen cookie stops working."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from domain.timeutil import iso, utcnow
from tests.unit.api.bearer import client
from tests.unit.api.test_requests import assert_problem


@pytest.fixture
def keys(sessions):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        alpha = get_or_create_tenant(session, "alpha")
        return {
            "alpha": create_key(session, alpha),
            "alpha_ops": create_key(session, alpha, "operator"),
            "ops": create_key(session, get_or_create_tenant(session, "ops"), "operator"),
        }


def _id_of(app, operator_key, key) -> str:
    return next(
        k["id"] for k in client(app, operator_key).get("/v1/keys").get_json()["items"] if key.startswith(k["prefix"])
    )


def test_a_tenant_key_neither_sees_nor_revokes_its_tenants_operator_keys(app, keys):
    tenant = client(app, keys["alpha"])
    assert {k["scope"] for k in tenant.get("/v1/keys").get_json()["items"]} == {"tenant"}
    operator_key_id = _id_of(app, keys["ops"], keys["alpha_ops"])
    assert_problem(tenant.post(f"/v1/keys/{operator_key_id}/revoke"), 404, "key_not_found")
    assert client(app, keys["alpha_ops"]).get("/v1/pools").status_code == 200  # still works
    assert client(app, keys["ops"]).post(f"/v1/keys/{operator_key_id}/revoke").status_code == 200


def test_an_expired_key_is_refused(app, keys, sessions):
    from domain.models import ApiKey

    made = client(app, keys["alpha"]).post("/v1/keys", json={"expires_at": iso(utcnow() + timedelta(hours=1))})
    assert made.status_code == 201 and made.get_json()["expires_at"]
    fresh = made.get_json()["key"]
    assert client(app, fresh).get("/v1/jobs").status_code == 200
    with sessions() as session, session.begin():
        session.execute(
            sa.update(ApiKey)
            .where(ApiKey.id == made.get_json()["id"])
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_problem(client(app, fresh).get("/v1/jobs"), 401, "invalid_api_key")


def test_an_expiry_in_the_past_is_a_422(app, keys):
    response = client(app, keys["alpha"]).post("/v1/keys", json={"expires_at": iso(utcnow() - timedelta(hours=1))})
    assert response.status_code == 422


def test_a_minted_key_never_outlives_its_minter_and_cascade_revokes_what_it_minted(app, keys):
    parent = (
        client(app, keys["alpha"]).post("/v1/keys", json={"expires_at": iso(utcnow() + timedelta(hours=1))}).get_json()
    )
    child = client(app, parent["key"]).post("/v1/keys", json={}).get_json()  # asked for no expiry
    assert child["minted_by"] == parent["id"] and child["expires_at"] == parent["expires_at"]
    grandchild = client(app, child["key"]).post("/v1/keys", json={}).get_json()
    revoked = client(app, keys["alpha"]).post(f"/v1/keys/{parent['id']}/revoke?cascade=true")
    assert revoked.status_code == 200
    for made in (parent, child, grandchild):
        assert_problem(client(app, made["key"]).get("/v1/jobs"), 401, "invalid_api_key")
    assert client(app, keys["alpha"]).get("/v1/jobs").status_code == 200  # the minter's own minter is untouched


def test_a_tenant_cannot_mint_keys_without_end(app, keys, monkeypatch):
    from api import api_keys as keys_api

    monkeypatch.setattr(keys_api, "MAX_LIVE_KEYS_PER_TENANT", 4)
    tenant = client(app, keys["alpha"])
    answers = [tenant.post("/v1/keys", json={}).status_code for _ in range(4)]
    assert answers == [201, 201, 409, 409]  # alpha already held two live keys


def _sign_in(app, key):
    c = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/sign-in").get_data(as_text=True)).group(1)
    assert c.post("/sign-in", data={"api_key": key, "csrf_token": token}).status_code == 303
    return c


def test_signing_out_ends_the_session_on_the_server_so_a_stolen_cookie_stops_working(app, keys):
    browser = _sign_in(app, keys["alpha"])
    stolen = browser.get_cookie("talkfarm_session").value
    thief = app.test_client()
    thief.set_cookie("talkfarm_session", stolen)
    assert thief.get("/jobs").status_code == 200  # the copy works while the session lives
    page = browser.get("/jobs").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert browser.post("/sign-out", data={"csrf_token": token}).status_code == 303
    after = thief.get("/jobs")
    assert after.status_code == 303 and "/sign-in" in after.headers["Location"]


def test_revoking_a_key_revokes_what_it_minted_by_default_and_a_minted_key_cannot_revoke_its_minter(app, keys):
    """A security review: a key minted by a leaked key survived the leaked key's revocation (the CLI and the page
    never asked for `cascade`), and could revoke its own minter, locking the newsroom's CMS out. Revoking now
    takes what a key minted with it unless `?cascade=false`, and a tenant key may not revoke its minters."""
    cms = client(app, keys["alpha"]).post("/v1/keys", json={}).get_json()
    stolen = client(app, cms["key"]).post("/v1/keys", json={}).get_json()
    grandchild = client(app, stolen["key"]).post("/v1/keys", json={}).get_json()
    thief = client(app, stolen["key"])
    assert_problem(thief.post(f"/v1/keys/{cms['id']}/revoke"), 403, "key_revoke_forbidden")
    assert client(app, cms["key"]).get("/v1/jobs").status_code == 200  # still works
    assert thief.post(f"/v1/keys/{grandchild['id']}/revoke").status_code == 200  # below it: allowed
    assert client(app, cms["key"]).post(f"/v1/keys/{cms['id']}/revoke").status_code == 200  # itself: allowed
    for made in (cms, stolen):
        assert_problem(client(app, made["key"]).get("/v1/jobs"), 401, "invalid_api_key")
    assert_problem(client(app, keys["alpha"]).post(f"/v1/keys/{cms['id']}/revoke"), 409, "key_revoked")
    assert client(app, keys["alpha"]).post(f"/v1/keys/{cms['id']}/revoke?cascade=true").status_code == 200


def test_cascade_false_revokes_the_key_alone(app, keys):
    parent = client(app, keys["alpha"]).post("/v1/keys", json={}).get_json()
    child = client(app, parent["key"]).post("/v1/keys", json={}).get_json()
    assert client(app, keys["alpha"]).post(f"/v1/keys/{parent['id']}/revoke?cascade=false").status_code == 200
    assert_problem(client(app, parent["key"]).get("/v1/jobs"), 401, "invalid_api_key")
    assert client(app, child["key"]).get("/v1/jobs").status_code == 200


def test_a_signed_out_clients_large_form_is_refused_before_it_is_parsed(app, keys):
    """A security review posted 26 MB of form fields to /sign-in: the page parsed all 2.5 million (5 CPU-s) before
    the missing CSRF token refused them (400), and six at once slowed the API tenfold. A signed-out form is now
    bounded (16 KB) as it is read: 413, nothing parsed. A real sign-in still works."""
    big = b"&".join(b"f%d=x" % i for i in range(20000))
    answer = app.test_client().post("/sign-in", data=big, content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 413
    assert _sign_in(app, keys["alpha"]).get("/jobs").status_code == 200


def test_rotating_an_operator_key_keeps_the_tenants_keys_it_made_and_the_new_key(app, keys):
    """From review: with the cascade the default, a new operator key revoking the one that made it (a rotation)
    revoked every tenant key that operator key had handed out, and the new key itself: the operator and every
    newsroom were locked out. The default cascade now takes only the revoked key's own tenant's keys, never the
    caller's."""
    old = client(app, keys["ops"])
    newsroom = old.post("/v1/keys", json={"tenant": "newsroom"}).get_json()
    agency = old.post("/v1/keys", json={"tenant": "agency"}).get_json()
    replacement = old.post("/v1/keys", json={"scope": "operator"}).get_json()
    old_id = _id_of(app, keys["ops"], keys["ops"])
    assert client(app, replacement["key"]).post(f"/v1/keys/{old_id}/revoke").status_code == 200
    assert_problem(client(app, keys["ops"]).get("/v1/jobs"), 401, "invalid_api_key")
    for kept in (newsroom, agency, replacement):
        assert client(app, kept["key"]).get("/v1/jobs").status_code == 200, kept["tenant"]
