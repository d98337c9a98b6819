"""/metrics is computed at most once per interval whatever the request rate, and
readable only from the addresses the operator allows or with the metrics key
(issue 21, Medium)."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa


@pytest.fixture
def metrics_app(sqlite_settings, monkeypatch):
    from api.app import create_app
    from tests.stubs import RecordingSender

    settings = dataclasses.replace(sqlite_settings, metrics_key="scrape-me-please", metrics_min_interval_s=3600)
    return create_app(settings, sender=RecordingSender())


def _statements(app):
    """How many SQL statements the app's engine runs while the returned counter is alive."""
    from domain.db import engine_for

    seen = []
    engine = engine_for(app.extensions["talkfarm"].settings.database_url)
    sa.event.listen(engine, "before_cursor_execute", lambda *a, **k: seen.append(1))
    return seen


def test_a_hundred_scrapes_within_the_interval_cost_one_computation(metrics_app):
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 200  # the first computes
    seen = _statements(metrics_app)
    bodies = {client.get("/metrics").get_data() for _ in range(100)}
    assert len(bodies) == 1 and b"talkfarm_jobs" in next(iter(bodies))
    assert seen == [], f"{len(seen)} SQL statements for 100 cached scrapes"
    assert metrics_app.extensions["talkfarm"].metrics_cache.computations == 1


def test_metrics_refuse_an_address_not_allowed_without_the_key(metrics_app):
    client = metrics_app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    refused = client.get("/metrics", environ_base=outside)
    assert refused.status_code == 403 and refused.get_json()["code"] == "metrics_forbidden"
    wrong = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    keyed = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer scrape-me-please"})
    assert keyed.status_code == 200 and b"talkfarm_jobs" in keyed.get_data()


def test_the_operator_can_open_metrics_to_the_scrapers_network(sqlite_settings):
    from api.app import create_app

    app = create_app(dataclasses.replace(sqlite_settings, metrics_allow_from=("10.0.0.0/8",)))
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.4.5.6"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 403
