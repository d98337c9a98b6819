"""Migrations and models agree, on PostgreSQL (production) and SQLite (one machine)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from domain.config import Settings
from domain.db import engine_for, upgrade
from domain.models import Base
from tests import services


def _drift(url: str) -> list:
    with engine_for(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, Base.metadata)


def test_fresh_postgres_upgraded_to_head_matches_the_models(pg_server, tmp_path):
    name = f"talkfarm_migrate_{uuid.uuid4().hex[:8]}"
    url = services.create_database(pg_server, name)
    try:
        upgrade(Settings.from_env({}, data_dir=tmp_path, database_url=url))
        assert _drift(url) == []
        with engine_for(url).connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() is not None
    finally:
        engine_for(url).dispose()
        services.drop_database(pg_server, name)


def test_sqlite_upgraded_to_head_matches_the_models(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path)
    upgrade(settings)
    assert _drift(settings.database_url) == []


def test_upgrade_twice_is_harmless(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path)
    upgrade(settings)
    upgrade(settings)
