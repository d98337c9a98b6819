"""The scheduler deletes the web page's dead sessions (expired, or signed out)
a bounded batch at a time, on PostgreSQL as on SQLite, and never a live one:
a live session still signs in after every pass."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain.models import ApiKey, PageSession
from domain.tenants import (
    LIVE_KEY_BY_PAGE_SESSION,
    create_key,
    end_page_session,
    get_or_create_tenant,
    hash_key,
    start_page_session,
)
from domain.timeutil import utcnow
from tasks.reconcile import prune_page_sessions, reconcile_once
from tests.stubs import RecordingSender

pytestmark = pytest.mark.integration

LIVE, EXPIRED, SIGNED_OUT = 3, 7, 4


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    from domain.config import Settings
    from domain.db import session_factory, upgrade

    overrides = {"database_url": request.getfixturevalue("pg_url")} if request.param == "postgresql" else {}
    settings = Settings.from_env({}, data_dir=tmp_path / "data", pools=("cpu",), **overrides)
    upgrade(settings)
    with session_factory(settings)() as session, session.begin():
        session.execute(sa.delete(PageSession))  # the database is shared by the session's tests
    return settings


@pytest.fixture
def sessions(settings):
    from domain.db import session_factory

    return session_factory(settings)


def _sign_ins(sessions) -> dict[str, list[str]]:
    """Page sessions of one key: live ones, ones past their lifetime, and ones signed out; their cookie ids."""
    with sessions() as session, session.begin():
        secret = create_key(session, get_or_create_tenant(session, "newsroom"))
        key_id = session.scalars(sa.select(ApiKey.id).where(ApiKey.key_hash == hash_key(secret))).one()
        made = {
            "live": [start_page_session(session, key_id, 3600) for _ in range(LIVE)],
            "expired": [start_page_session(session, key_id, -60) for _ in range(EXPIRED)],
            "signed_out": [start_page_session(session, key_id, 3600) for _ in range(SIGNED_OUT)],
        }
        for sid in made["signed_out"]:
            end_page_session(session, sid)
    return made


def _kept(sessions, sids: list[str]) -> int:
    with sessions() as session:
        ids = [hash_key(sid) for sid in sids]
        return session.scalar(sa.select(sa.func.count()).where(PageSession.id.in_(ids)))


def _signs_in(sessions, sid: str) -> bool:
    with sessions() as session:
        found = session.execute(LIVE_KEY_BY_PAGE_SESSION, {"session_hash": hash_key(sid), "now": utcnow()})
        return found.first() is not None


def test_dead_page_sessions_are_deleted_in_bounded_batches_and_live_ones_kept(sessions):
    made = _sign_ins(sessions)
    dead = made["expired"] + made["signed_out"]

    assert prune_page_sessions(sessions, batch=2, batches=3) == 6  # one pass: three batches of two, no more
    assert _kept(sessions, dead) == len(dead) - 6
    assert prune_page_sessions(sessions, batch=2, batches=3) == 5  # the rest; the last batch runs short
    assert _kept(sessions, dead) == 0
    assert prune_page_sessions(sessions, batch=2, batches=3) == 0

    assert _kept(sessions, made["live"]) == LIVE
    assert all(_signs_in(sessions, sid) for sid in made["live"])


def test_the_scheduler_pass_prunes_page_sessions(sessions, settings):
    made = _sign_ins(sessions)

    result = reconcile_once(sessions, settings, RecordingSender())

    assert result.page_sessions_pruned == EXPIRED + SIGNED_OUT
    assert _kept(sessions, made["expired"] + made["signed_out"]) == 0
    assert all(_signs_in(sessions, sid) for sid in made["live"])
