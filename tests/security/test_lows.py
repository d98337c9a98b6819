"""The Low findings of issue 21, each a scenario: safe_next, racing secrets,
download headers, webhook secrets shown once, and the page's body checks
after its sign-in check."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from api.web.session import safe_next
from domain.config import Settings


@pytest.mark.parametrize(
    "path", ["/\t/evil.com", "/\r/evil.com", "/\n/evil.com", "/\\evil.com", "/\\/evil.com", "/jobs\x00", "/jobs\x7f"]
)
def test_safe_next_refuses_tab_cr_lf_backslash_and_control_characters(path):
    assert safe_next(path) is None


def test_safe_next_keeps_an_ordinary_path():
    assert safe_next("/jobs?status=failed") == "/jobs?status=failed"


def _read_secret(data_dir: str, name: str, start, out) -> None:
    from domain.secrets import local_secret

    start.wait()
    try:
        out.put(local_secret(Settings.from_env({}, data_dir=Path(data_dir)), name).hex())
    except Exception as exc:  # an empty or half-written file: the failure the test looks for
        out.put(f"error: {type(exc).__name__}: {exc}")


def test_racing_first_starts_all_read_the_same_whole_secret(tmp_path):
    context = multiprocessing.get_context("fork")
    for round_ in range(15):
        start, out = context.Event(), context.Queue()
        procs = [
            context.Process(target=_read_secret, args=(str(tmp_path / f"d{round_}"), "download-signing", start, out))
            for _ in range(8)
        ]
        for p in procs:
            p.start()
        start.set()
        values = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(30)
        assert len(set(values)) == 1 and len(values[0]) == 64, values
        assert not list((tmp_path / f"d{round_}" / "secrets").glob("*.tmp"))  # no temp file left behind


@pytest.fixture
def local_app(sqlite_settings, monkeypatch):
    from api.app import create_app
    from tests.stubs import RecordingSender

    return create_app(sqlite_settings, sender=RecordingSender())


@pytest.mark.parametrize("key,disposition", [("jobs/j1/captions.vtt", "attachment"), ("jobs/j1/final.mp4", "inline")])
def test_downloads_carry_nosniff_and_a_content_disposition(local_app, key, disposition):
    storage = local_app.extensions["talkfarm"].storage
    storage.put_bytes(key, b"WEBVTT\n\n00:00.000 --> 00:01.000\n<script>alert(1)</script>\n")
    response = local_app.test_client().get(storage.signed_url(key, 60))
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith(disposition)
    assert Path(key).name in response.headers["Content-Disposition"]
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_webhook_secrets_are_shown_once_and_never_listed(local_app, sessions, monkeypatch):
    from domain.tenants import create_key, get_or_create_tenant
    from tasks import webhook_targets
    from tests.unit.api.bearer import client

    monkeypatch.setattr(
        webhook_targets, "resolve", lambda host, port: [webhook_targets.ipaddress.ip_address("93.184.216.34")]
    )
    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "t"))
    c = client(local_app, key)
    created = c.post("/v1/webhooks", json={"url": "https://hooks.example.com/x"}).get_json()
    assert created["secret"].startswith("whsec_")
    first = c.get("/v1/webhooks").get_json()
    assert first["job_webhook_secret"].startswith("whsec_")  # made by this listing: shown this once
    again = c.get("/v1/webhooks").get_json()
    assert "job_webhook_secret" not in again
    assert all("secret" not in e for e in first["items"] + again["items"])
    assert created["secret"] not in json.dumps(again)
    rotated = c.post(f"/v1/webhooks/{created['id']}/rotate").get_json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]


def test_a_signed_out_client_is_sent_to_sign_in_before_its_body_is_parsed(local_app):
    deep = b"[" * 100_000 + b"]" * 100_000  # the body bounds would refuse it (json_too_deep) if they ran first
    response = local_app.test_client().post("/jobs/new", data=deep, content_type="application/json")
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]
