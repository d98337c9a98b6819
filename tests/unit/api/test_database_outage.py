"""A database that does not answer (PostgreSQL down, SQLite locked by another process) is 503 database_unavailable
with Retry-After on every route, /metrics included, logged as one warning line without a traceback; a statement the
database refuses is 503 database_schema_behind on an older schema (a rolling upgrade), and at the code's own schema
still the server's fault, 500 (SRE check #8)."""

from __future__ import annotations

import logging
import sqlite3

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask

from api.problems import QuietOutageLog
from domain.config import Settings
from domain.db import MIGRATIONS_DIR, engine_for, session_factory, upgrade
from domain.errors import ProblemError
from domain.schema_revision import code_heads
from domain.tenants import create_key, get_or_create_tenant
from tests.stubs import RecordingSender
from tests.unit.api.bearer import client

NOBODY_LISTENS = "postgresql+psycopg://postgres@127.0.0.1:9/talkfarm_nowhere"  # the discard port: refused at once


@pytest.fixture
def app_without_database(tmp_path) -> Flask:
    from api.app import create_app

    settings = Settings.from_env({}, data_dir=tmp_path / "data", pools=("cpu",), database_url=NOBODY_LISTENS)
    return create_app(settings, sender=RecordingSender())


def _unavailable(response) -> dict:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    problem = response.get_json()
    assert problem["code"] == "database_unavailable"
    return problem


def test_a_poll_while_postgresql_is_down_is_503_database_unavailable_with_retry_after(app_without_database):
    _unavailable(client(app_without_database, "tf_some_key").get("/v1/jobs/job_01m999rp3s40ty78envr0e8nyx"))


def test_metrics_while_postgresql_is_down_is_503(app_without_database):
    _unavailable(app_without_database.test_client().get("/metrics"))  # the test client comes from loopback


def test_healthz_while_postgresql_is_down_is_503_with_retry_after(app_without_database):
    _unavailable(app_without_database.test_client().get("/healthz"))


def test_an_outage_is_logged_as_warnings_without_tracebacks(app_without_database, caplog):
    caller = client(app_without_database, "tf_some_key")
    with caplog.at_level(logging.INFO, logger="api.problems"):
        for _ in range(3):
            caller.get("/v1/jobs/job_01m999rp3s40ty78envr0e8nyx")
    lines = [r for r in caplog.records if r.name == "api.problems"]
    assert [r.levelno for r in lines] == [logging.WARNING]  # the next two fall within the same 10 s
    assert lines[0].exc_info is None
    assert lines[0].code == "database_unavailable"
    assert "GET /v1/jobs/" in lines[0].getMessage()


def test_the_outage_log_says_how_many_it_held_back(caplog):
    now = [0.0]
    outage_log = QuietOutageLog(every_s=10.0, clock=lambda: now[0])
    problem = ProblemError("database_unavailable", "down", 503)
    with Flask("t").test_request_context("/v1/jobs"), caplog.at_level(logging.WARNING, logger="api.problems"):
        for at in (0.0, 1.0, 2.0, 11.0):
            now[0] = at
            outage_log.failed(problem, RuntimeError("connection refused"))
    lines = [r.getMessage() for r in caplog.records if r.name == "api.problems"]
    assert len(lines) == 2
    assert "(2 more since the last such line)" in lines[1]


def _failing_route(app: Flask, fail) -> None:
    app.add_url_rule("/v1/test-database-failure", "test_database_failure", fail)


def test_sqlite_database_is_locked_is_503_database_unavailable(app, alpha, sqlite_settings):
    path = sqlite_settings.database_url.split("///", 1)[-1]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing, for longer than the caller waits

    def write_while_locked():
        impatient = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
        try:
            with impatient.begin() as conn:
                conn.execute(sa.text("UPDATE tenants SET weight = weight"))
        finally:
            impatient.dispose()

    _failing_route(app, write_while_locked)
    try:
        _unavailable(alpha.get("/v1/test-database-failure"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_statement_the_database_refuses_at_the_code_head_is_still_500(app, alpha, sqlite_settings):
    def select_from_a_table_that_never_was():
        with engine_for(sqlite_settings.database_url).connect() as conn:
            conn.execute(sa.text("SELECT * FROM no_such_table"))

    _failing_route(app, select_from_a_table_that_never_was)
    response = alpha.get("/v1/test-database-failure")
    assert response.status_code == 500
    assert response.get_json()["code"] == "internal_error"


def test_an_unhandled_integrity_error_is_still_500(app, alpha):
    def duplicate():
        raise sa.exc.IntegrityError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed: tenants.name"))

    _failing_route(app, duplicate)
    response = alpha.get("/v1/test-database-failure")
    assert response.status_code == 500
    assert response.get_json()["code"] == "internal_error"


def test_a_request_failing_on_a_schema_one_release_behind_is_503_database_schema_behind(tmp_path):
    """The report's rolling upgrade: the new image's API on the old schema, a column it reads missing."""
    from api.app import create_app

    (head,) = code_heads()
    previous = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(head).down_revision
    settings = Settings.from_env({}, data_dir=tmp_path / "data", pools=("cpu",))
    upgrade(settings, previous)
    with session_factory(settings)() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "alpha"))
    response = client(create_app(settings, sender=RecordingSender()), key).get("/v1/assets")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json()["code"] == "database_schema_behind"
    assert response.headers["Retry-After"] == "30"
