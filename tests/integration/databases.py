"""A farm's settings on the database a test is parametrised with ("sqlite" or "postgresql"), migrated and empty: the
bad-input tests run every refusal on both, since a 4xx on SQLite may be a 500 on PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from domain.config import Settings
from domain.db import session_factory, upgrade
from domain.models import Job


def on_database(request: Any, data_dir: Path, **fields: Any) -> tuple[Settings, Any]:
    """Settings (``fields`` over the defaults) and sessions on ``request.param``'s database: a test's own SQLite file,
    or PostgreSQL (``pg_url``) with every table emptied."""
    overrides = {"database_url": request.getfixturevalue("pg_url")} if request.param == "postgresql" else {}
    settings = dataclasses.replace(Settings.from_env({}, data_dir=data_dir, pools=("cpu",), **overrides), **fields)
    upgrade(settings)
    sessions = session_factory(settings)
    if request.param == "postgresql":
        with sessions() as session, session.begin():
            session.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in Job.metadata.sorted_tables) + " CASCADE"))
    return settings, sessions
