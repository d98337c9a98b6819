"""The timeouts a network partition needs reach the clients that would hang
without them: psycopg (PostgreSQL), kombu (Redis) and botocore (S3); and a
worker whose lease cannot be extended stops its attempt before the lease ends.

The settings are read from the environment as an operator sets them, so a
setting that stops being wired through fails here.
"""

from __future__ import annotations

import socket
import time
from types import SimpleNamespace

import pytest

from domain.config import Settings
from domain.db import DatabaseTimeouts, engine_for
from domain.errors import StaleAttempt

ENV = {
    "TALKFARM_DB_CONNECT_TIMEOUT_S": "7",
    "TALKFARM_DB_KEEPALIVE_IDLE_S": "11",
    "TALKFARM_DB_KEEPALIVE_INTERVAL_S": "4",
    "TALKFARM_DB_KEEPALIVE_COUNT": "5",
    "TALKFARM_DB_TCP_USER_TIMEOUT_S": "9.5",
    "TALKFARM_DB_STATEMENT_TIMEOUT_S": "45",
    "TALKFARM_DB_LOCK_TIMEOUT_S": "12",
    "TALKFARM_DB_IDLE_IN_TRANSACTION_TIMEOUT_S": "50",
    "TALKFARM_REDIS_CONNECT_TIMEOUT_S": "3",
    "TALKFARM_REDIS_SOCKET_TIMEOUT_S": "21",
    "TALKFARM_REDIS_HEALTH_CHECK_INTERVAL_S": "6",
    "TALKFARM_S3_CONNECT_TIMEOUT_S": "2.5",
    "TALKFARM_S3_READ_TIMEOUT_S": "33",
    "TALKFARM_S3_MAX_ATTEMPTS": "6",
}


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env(ENV, data_dir=tmp_path)


def test_postgres_connections_get_libpq_timeouts_keepalives_and_statement_limits(settings):
    args = DatabaseTimeouts.of(settings).connect_args()
    assert args["connect_timeout"] == 7
    assert (args["keepalives"], args["keepalives_idle"], args["keepalives_interval"], args["keepalives_count"]) == (
        1,
        11,
        4,
        5,
    )
    assert args["tcp_user_timeout"] == 9500
    assert args["options"] == (
        "-c statement_timeout=45000 -c lock_timeout=12000 -c idle_in_transaction_session_timeout=50000"
    )


def test_session_factory_engine_is_built_with_the_settings_timeouts(settings):
    from domain.db import session_factory

    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    settings = Settings.from_env(ENV, data_dir=settings.data_dir, database_url=url)
    engine = session_factory(settings).kw["bind"]
    assert engine is engine_for(url, True, DatabaseTimeouts.of(settings))
    # what the pool hands psycopg.connect when it opens a connection
    seen: dict = {}

    def refuse(*_args, **kwargs):
        seen.update(kwargs)
        raise OSError("no server here")

    original = engine.dialect.loaded_dbapi.connect
    engine.dialect.loaded_dbapi.connect = refuse
    try:
        with pytest.raises(OSError):
            engine.connect()
    finally:
        engine.dialect.loaded_dbapi.connect = original
    assert seen["tcp_user_timeout"] == 9500 and seen["connect_timeout"] == 7 and seen["keepalives_idle"] == 11
    assert "statement_timeout=45000" in seen["options"]


def test_zero_turns_a_postgres_limit_off(tmp_path):
    settings = Settings.from_env(
        {
            "TALKFARM_DB_STATEMENT_TIMEOUT_S": "0",
            "TALKFARM_DB_LOCK_TIMEOUT_S": "0",
            "TALKFARM_DB_IDLE_IN_TRANSACTION_TIMEOUT_S": "0",
            "TALKFARM_DB_TCP_USER_TIMEOUT_S": "0",
        },
        data_dir=tmp_path,
    )
    args = DatabaseTimeouts.of(settings).connect_args()
    assert "options" not in args and "tcp_user_timeout" not in args


def test_redis_broker_connections_get_socket_timeouts_keepalives_and_a_health_probe(settings, redis_url):
    from tasks.celery_app import make_celery

    redis_settings = Settings.from_env(ENV, data_dir=settings.data_dir, broker_url=redis_url)
    app = make_celery(redis_settings)
    with app.connection_for_write() as connection:
        # the pool kombu's Redis channel opens its connections from
        kwargs = connection.default_channel.client.connection_pool.connection_kwargs
    assert kwargs["socket_connect_timeout"] == 3.0
    assert kwargs["socket_timeout"] == 21.0
    assert kwargs["socket_keepalive"] is True
    assert kwargs["health_check_interval"] == 6
    if hasattr(socket, "TCP_KEEPIDLE"):
        assert kwargs["socket_keepalive_options"][socket.TCP_KEEPIDLE] == 10


def test_s3_client_gets_connect_and_read_timeouts_retries_and_keepalive(settings):
    from storage.s3 import S3Storage

    s3_settings = Settings.from_env(
        ENV, data_dir=settings.data_dir, storage_url="s3://bucket", s3_endpoint_url="http://127.0.0.1:1"
    )
    from storage import open_storage

    storage = open_storage(s3_settings)
    assert isinstance(storage, S3Storage)
    config = storage.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (2.5, 33.0)
    assert config.retries["total_max_attempts"] == 6
    assert config.tcp_keepalive is True


def _handle(lease_s: float = 30.0, heartbeat_s: float = 5.0):
    from workers.runtime import AttemptHandle

    runtime = SimpleNamespace(
        settings=SimpleNamespace(heartbeat_interval_s=heartbeat_s),
        lease_s=lease_s,
        draining=SimpleNamespace(is_set=lambda: False),
        grace_exceeded=lambda: False,
    )
    return AttemptHandle(claim=SimpleNamespace(job_id="job-1", token=1), runtime=runtime)  # type: ignore[arg-type]


def test_attempt_stops_when_its_lease_was_not_extended_before_it_runs_out():
    handle = _handle()
    handle.check()  # just claimed: a whole lease ahead
    handle.extended_at = time.monotonic() - 24.0  # one heartbeat short of the margin
    handle.check()
    handle.extended_at = time.monotonic() - 26.0  # 30 s lease less a 5 s heartbeat: stop now
    with pytest.raises(StaleAttempt):
        handle.check()
    assert handle.stale.is_set()


def test_a_write_retried_while_the_database_is_unreachable_gives_up_when_the_lease_is_gone(sessions):
    """A cut network makes every write fail as transient; the attempt's retries
    must not outlive its lease (they would hold the job's thread for minutes)."""
    import sqlalchemy as sa

    from domain.db import in_transaction

    tries = []

    def unreachable(_session):
        tries.append(time.monotonic())
        raise sa.exc.OperationalError("UPDATE jobs", {}, OSError("connection timed out"))

    handle = _handle()
    handle.extended_at = time.monotonic() - 26.0  # the lease is gone
    with pytest.raises(StaleAttempt):
        in_transaction(sessions, unreachable, between_tries=handle.check)
    assert len(tries) == 1  # no retry after the lease ran out
