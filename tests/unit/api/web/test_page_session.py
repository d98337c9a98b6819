"""The page's session, CSRF, security headers and one-time links, on an
in-process app (SQLite); the browser tests in tests/page drive the rest."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def keys(sqlite_settings, sessions):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        return {
            "tenant": create_key(session, get_or_create_tenant(session, "acme")),
            "operator": create_key(session, get_or_create_tenant(session, "ops"), "operator"),
        }


def make_app(settings):
    from api.app import create_app

    return create_app(settings)


def csrf_token(client, path="/sign-in") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def signed_in(app, key):
    client = app.test_client()
    response = client.post("/sign-in", data={"api_key": key, "csrf_token": csrf_token(client)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client, response


def test_session_cookie_is_httponly_lax_and_holds_only_a_session_id(sqlite_settings, keys):
    app = make_app(sqlite_settings)
    _, response = signed_in(app, keys["tenant"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    content = app.session_interface.get_signing_serializer(app).loads(value)
    assert len(content["sid"]) >= 32 and "key_id" not in content and keys["tenant"] not in repr(content)


def test_cookie_is_secure_behind_tls(sqlite_settings, keys):
    import dataclasses

    settings = dataclasses.replace(sqlite_settings, public_url="https://farm.example.com")
    _, response = signed_in(make_app(settings), keys["tenant"])
    assert "Secure" in response.headers["Set-Cookie"]


def test_every_page_has_a_csp_without_inline_scripts(sqlite_settings, keys):
    client, _ = signed_in(make_app(sqlite_settings), keys["tenant"])
    response = client.get("/jobs")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in response.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(sqlite_settings, keys):
    app = make_app(sqlite_settings)
    client, _ = signed_in(app, keys["tenant"])
    response = client.post("/webhooks", data={"url": "http://127.0.0.1:9/x"})
    assert response.status_code == 400 and "csrf_invalid" in response.get_data(as_text=True)
    assert "No endpoints yet." in client.get("/webhooks").get_data(as_text=True)
    wrong = client.post("/webhooks", data={"url": "http://127.0.0.1:9/x", "csrf_token": "forged"})
    assert wrong.status_code == 400


def test_a_revoked_key_is_signed_out_at_once(sqlite_settings, keys, sessions):
    import sqlalchemy as sa

    from domain.models import ApiKey
    from domain.tenants import hash_key, revoke

    client, _ = signed_in(make_app(sqlite_settings), keys["tenant"])
    assert client.get("/jobs").status_code == 200
    with sessions() as session, session.begin():
        revoke(session, session.scalars(sa.select(ApiKey).where(ApiKey.key_hash == hash_key(keys["tenant"]))).one())
    response = client.get("/jobs")
    assert response.status_code == 303 and "reason=revoked" in response.headers["Location"]
    polled = client.get("/jobs/rows", headers={"HX-Request": "true"})
    assert polled.headers.get("HX-Redirect", "").startswith("/sign-in")


def test_operator_pages_need_an_operator_key(sqlite_settings, keys):
    app = make_app(sqlite_settings)
    tenant, _ = signed_in(app, keys["tenant"])
    assert tenant.get("/operator/keys").status_code == 403
    operator, _ = signed_in(app, keys["operator"])
    assert operator.get("/operator/keys").status_code == 200


def test_sign_in_link_works_once_and_expires(sqlite_settings, keys):
    from api.web.session import issue_sign_in_link

    app = make_app(sqlite_settings)
    link = issue_sign_in_link(sqlite_settings, keys["tenant"], "http://localhost")
    path = link.removeprefix("http://localhost")
    assert app.test_client().get(path).status_code == 303
    assert app.test_client().get(path).status_code == 401
    expired = issue_sign_in_link(sqlite_settings, keys["tenant"], "http://localhost", ttl_s=-1)
    assert app.test_client().get(expired.removeprefix("http://localhost")).status_code == 401
    assert app.test_client().get("/sign-in/link/nonsense").status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(sqlite_settings, keys, target):
    app = make_app(sqlite_settings)
    client = app.test_client()
    response = client.post(
        "/sign-in", data={"api_key": keys["tenant"], "csrf_token": csrf_token(client), "next": target}
    )
    assert response.headers["Location"] == "/jobs"


def test_a_fragment_answers_304_to_its_etag(sqlite_settings, keys):
    client, _ = signed_in(make_app(sqlite_settings), keys["tenant"])
    first = client.get("/jobs/rows")
    assert first.status_code == 200 and first.headers["ETag"]
    assert client.get("/jobs/rows", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_pages_show_refusals_not_stack_traces(sqlite_settings, keys):
    client, _ = signed_in(make_app(sqlite_settings), keys["tenant"])
    missing = client.get("/jobs/job_doesnotexist")
    assert missing.status_code == 404 and "job_not_found" in missing.get_data(as_text=True)
    assert "Traceback" not in missing.get_data(as_text=True)
    token = csrf_token(client, "/jobs/new")
    refused = client.post("/jobs/new", data={"script": "", "preset": "astronaut", "csrf_token": token})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="script-error"' in body and "script_empty" in body


def test_an_address_nothing_serves_is_not_found_for_a_browser_and_a_problem_for_the_api(sqlite_settings, keys):
    # before, a signed-in browser that mistyped /jobs/new as /new got the API's JSON "Send your API key"
    app = make_app(sqlite_settings)
    client, _ = signed_in(app, keys["tenant"])
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    mistyped = client.get("/new", headers=browser)
    assert mistyped.status_code == 404 and mistyped.mimetype == "text/html"
    assert "Nothing is at this address" in mistyped.get_data(as_text=True)
    assert app.test_client().get("/new", headers=browser).status_code == 404  # signed out alike: nothing is there
    anonymous = app.test_client().get("/new")  # curl and API clients: the problem, as before a key would get
    assert anonymous.status_code == 404 and anonymous.get_json()["code"] == "not_found"
    api = app.test_client()
    assert api.get("/v1/nope").status_code == 401  # the API's own addresses still ask for a key first
    keyed = api.get("/v1/nope", headers={"Authorization": f"Bearer {keys['tenant']}", **browser})
    assert keyed.status_code == 404 and keyed.get_json()["code"] == "not_found"
    # an unknown caller's body is not read on the way to a 404: JSON the bounds would refuse (400) is never looked at
    deep = '{"a": ' * 500 + "1" + "}" * 500
    assert app.test_client().post("/nope", data=deep, content_type="application/json").status_code == 404
    # a page's own 404 (a <track> asking for a missing job's captions with Accept */*) is still the page's
    track = client.get("/jobs/job_doesnotexist/captions.vtt", headers={"Accept": "*/*"})
    assert track.status_code == 404 and track.mimetype == "text/html"


def test_a_set_page_secret_signs_the_same_cookie_on_every_replica(sqlite_settings, keys, tmp_path):
    import dataclasses

    first = make_app(dataclasses.replace(sqlite_settings, page_secret_key="shared-secret"))
    other_dir = dataclasses.replace(sqlite_settings, page_secret_key="shared-secret", data_dir=tmp_path / "elsewhere")
    second = make_app(other_dir)
    client, _ = signed_in(first, keys["tenant"])
    cookie = client.get_cookie("talkfarm_session").value
    replica = second.test_client()
    replica.set_cookie("talkfarm_session", cookie)
    assert replica.get("/jobs").status_code == 200


@pytest.mark.parametrize(
    ("form", "field", "code"),
    [
        (
            {
                "script": "Bonjour à tous, voici les nouvelles du soir et la météo de demain matin.",
                "voice": "joe",
                "preset": "astronaut",
            },
            "voice",
            "voice_language_mismatch",
        ),
        ({"script": "Hello.", "preset": "astronaut", "params.fps": "500"}, "params-fps", "param_out_of_range"),
        ({"script": "Hello.", "preset": "nobody"}, "avatar", "avatar_unknown"),
    ],
)
def test_the_apis_refusal_sits_next_to_its_field_with_its_code(sqlite_settings, keys, form, field, code):
    client, _ = signed_in(make_app(sqlite_settings), keys["tenant"])
    response = client.post("/jobs/new", data={**form, "csrf_token": csrf_token(client, "/jobs/new")})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'<small id="{field}-error" class="error" data-code="{code}">', body), body[-3000:]


def test_unused_sign_in_links_are_swept_once_surely_expired(sqlite_settings, keys):
    import os
    import time

    from api.web.session import LINK_TTL_S, _links_dir, issue_sign_in_link

    issue_sign_in_link(sqlite_settings, keys["tenant"], "http://localhost")
    (old,) = list(_links_dir(sqlite_settings).iterdir())
    os.utime(old, (time.time() - 3 * LINK_TTL_S,) * 2)
    issue_sign_in_link(sqlite_settings, keys["tenant"], "http://localhost")
    assert not old.exists() and len(list(_links_dir(sqlite_settings).iterdir())) == 1
