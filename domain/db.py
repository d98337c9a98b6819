"""Engines and sessions for PostgreSQL and SQLite, and migrations to head."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker
from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

from domain.config import Settings

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


@dataclasses.dataclass(frozen=True)
class DatabaseTimeouts:
    """libpq's socket settings and PostgreSQL's statement limits for every
    connection, so a cut network fails a call within seconds instead of
    leaving it hanging (a worker's heartbeat above all: its lease runs out
    meanwhile). Defaults are Settings' defaults; ``of(settings)`` reads them."""

    connect_timeout_s: int = 5
    keepalive_idle_s: int = 10
    keepalive_interval_s: int = 3
    keepalive_count: int = 3
    tcp_user_timeout_s: float = 10.0
    statement_timeout_s: float = 120.0
    lock_timeout_s: float = 30.0
    idle_in_transaction_timeout_s: float = 60.0

    @classmethod
    def of(cls, settings: Settings) -> DatabaseTimeouts:
        return cls(
            connect_timeout_s=settings.db_connect_timeout_s,
            keepalive_idle_s=settings.db_keepalive_idle_s,
            keepalive_interval_s=settings.db_keepalive_interval_s,
            keepalive_count=settings.db_keepalive_count,
            tcp_user_timeout_s=settings.db_tcp_user_timeout_s,
            statement_timeout_s=settings.db_statement_timeout_s,
            lock_timeout_s=settings.db_lock_timeout_s,
            idle_in_transaction_timeout_s=settings.db_idle_in_transaction_timeout_s,
        )

    def connect_args(self) -> dict[str, Any]:
        """Keyword arguments for psycopg.connect (libpq connection parameters)."""
        args: dict[str, Any] = {
            "connect_timeout": max(1, int(self.connect_timeout_s)),
            "keepalives": 1,
            "keepalives_idle": self.keepalive_idle_s,
            "keepalives_interval": self.keepalive_interval_s,
            "keepalives_count": self.keepalive_count,
        }
        if self.tcp_user_timeout_s > 0:
            args["tcp_user_timeout"] = int(self.tcp_user_timeout_s * 1000)
        options = [
            f"-c {name}={int(seconds * 1000)}"
            for name, seconds in (
                ("statement_timeout", self.statement_timeout_s),
                ("lock_timeout", self.lock_timeout_s),
                ("idle_in_transaction_session_timeout", self.idle_in_transaction_timeout_s),
            )
            if seconds > 0
        ]
        if options:
            args["options"] = " ".join(options)
        return args


def _for_migrations(timeouts: DatabaseTimeouts) -> DatabaseTimeouts:
    """A migration may rewrite a large table and wait for the API's locks: no statement or lock limit."""
    return dataclasses.replace(timeouts, statement_timeout_s=0.0, lock_timeout_s=0.0, idle_in_transaction_timeout_s=0.0)


@functools.lru_cache(maxsize=8)
def engine_for(url: str, pre_ping: bool = True, timeouts: DatabaseTimeouts = DatabaseTimeouts()) -> sa.Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the API read while a worker writes; several processes
            # share the file under `talkfarm up`.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # pre_ping replaces connections a PostgreSQL restart or a dropped
    # connection left dead, instead of failing the next request with them.
    return sa.create_engine(
        url,
        pool_pre_ping=pre_ping,
        pool_size=10,
        max_overflow=20,
        pool_recycle=1800,
        connect_args=timeouts.connect_args(),
    )


@functools.lru_cache(maxsize=8)
def read_engine_for(url: str, timeouts: DatabaseTimeouts = DatabaseTimeouts()) -> sa.Engine:
    """For hot read-only lookups (a poll answered 304): autocommit, so one
    statement is one round trip, and no pre-ping; ``read_one`` retries once
    on a connection a database restart left dead instead."""
    if url.startswith("sqlite"):
        return engine_for(url)
    return sa.create_engine(
        url,
        pool_pre_ping=False,
        pool_size=10,
        max_overflow=20,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT",
        connect_args=timeouts.connect_args(),
    )


def read_one(
    url: str,
    statement: sa.Executable,
    params: dict[str, Any] | None = None,
    timeouts: DatabaseTimeouts = DatabaseTimeouts(),
) -> Any:
    """The first row of ``statement``. A hot caller passes a statement built once, with bind
    parameters in ``params``: building a joined select costs more CPU than the round trip."""
    for attempt in (1, 2):
        try:
            with read_engine_for(url, timeouts).connect() as conn:
                return conn.execute(statement, params or {}).first()
        except sa_exc.DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise


def session_factory(settings: Settings, *, pre_ping: bool = True) -> sessionmaker[Session]:
    """Sessions for these settings. ``pre_ping=False`` saves a round trip per
    transaction, for callers whose writes go through ``in_transaction`` (which
    retries on a connection a database restart left dead)."""
    return sessionmaker(
        engine_for(settings.database_url, pre_ping, DatabaseTimeouts.of(settings)), expire_on_commit=False
    )


@contextlib.contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with factory() as session:
        with session.begin():
            yield session


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


#: pg_advisory_xact_lock's key for `talkfarm db upgrade` (advisory locks are per database): any fixed number that
#: nothing else in the database locks on
MIGRATION_LOCK_KEY = 0x7A1CFA53


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate to ``revision``, in one transaction on PostgreSQL. Two upgrades at once (compose's `setup`, a k8s
    Job, `talkfarm up`) take turns on an advisory lock held until the commit: the second then finds the schema
    already there, rather than both creating alembic_version and one failing with UniqueViolation."""
    cfg = alembic_config(settings.database_url)
    timeouts = _for_migrations(DatabaseTimeouts.of(settings))
    with engine_for(settings.database_url, True, timeouts).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


#: errors after which the same transaction may well succeed: a dropped
#: connection, a server restarting, a serialization conflict
def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError))


def in_transaction(
    factory: sessionmaker[Session],
    fn: Callable[[Session], T],
    *,
    limit_s: float = 120.0,
    between_tries: Callable[[], None] | None = None,
) -> T:
    """Run ``fn(session)`` in its own transaction, again (backoff with jitter)
    while the database has a bad minute. ``fn`` must be safe to run twice:
    every worker-side write is fenced, so a retry after a commit whose reply
    was lost finds the row already moved and says so. ``between_tries`` runs
    before each retry and may raise to give up at once (an attempt whose
    lease ran out while the database could not be reached)."""

    @retry(
        retry=retry_if_exception(is_transient),
        stop=stop_after_delay(limit_s),
        wait=wait_random_exponential(multiplier=0.2, max=5),
        reraise=True,
        before_sleep=(lambda _state: between_tries()) if between_tries else None,
    )
    def attempt() -> T:
        with factory() as session, session.begin():
            return fn(session)

    return attempt()


def rows_changed(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (its cursor's rowcount)."""
    return cast(sa.CursorResult[Any], result).rowcount
