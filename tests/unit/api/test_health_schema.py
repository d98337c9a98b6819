""" "/healthz is ready only on a database whose schema is this release's: an unmigrated, older or newer schema is a
503 with its own code (SRE check #1)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask

from domain.config import Settings
from domain.db import MIGRATIONS_DIR, engine_for, upgrade
from domain.schema_revision import code_heads
from tests.stubs import RecordingSender


def _head() -> str:
    (head,) = code_heads()
    return head


def _previous_revision() -> str:
    previous = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(_head()).down_revision
    assert isinstance(previous, str)
    return previous


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path / "data", pools=("cpu",))


def _app(settings: Settings) -> Flask:
    from api.app import create_app

    return create_app(settings, sender=RecordingSender())


def _problem(response) -> dict:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"].isdigit()
    return response.get_json()


def test_healthz_is_ok_on_a_database_at_the_code_head(tmp_path):
    settings = _settings(tmp_path)
    upgrade(settings)
    response = _app(settings).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_on_a_never_migrated_database_is_503_database_schema_unknown(tmp_path):
    settings = _settings(tmp_path)
    problem = _problem(_app(settings).test_client().get("/healthz"))
    assert problem["code"] == "database_schema_unknown"
    assert "talkfarm db upgrade" in problem["detail"]


def test_healthz_on_a_schema_one_release_behind_is_503_database_schema_behind(tmp_path):
    settings = _settings(tmp_path)
    upgrade(settings, _previous_revision())
    problem = _problem(_app(settings).test_client().get("/healthz"))
    assert problem["code"] == "database_schema_behind"
    assert _previous_revision() in problem["detail"] and _head() in problem["detail"]


def test_healthz_on_a_schema_newer_than_the_code_stays_ready_and_says_so(tmp_path):
    """A rolling upgrade migrates first, then replaces the pods: the old ones must stay in service meanwhile
    (migrations only add). Ready, with ``database: schema_ahead``."""
    settings = _settings(tmp_path)
    upgrade(settings)
    with engine_for(settings.database_url).begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_a_newer_release'"))
    answer = _app(settings).test_client().get("/healthz")
    assert answer.status_code == 200 and answer.get_json()["database"] == "schema_ahead"


def test_healthz_turns_ok_once_the_database_is_upgraded(tmp_path):
    settings = _settings(tmp_path)
    upgrade(settings, _previous_revision())
    health = _app(settings).test_client()
    assert health.get("/healthz").status_code == 503
    upgrade(settings)
    assert health.get("/healthz").status_code == 200
