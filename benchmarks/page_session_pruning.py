"""How the scheduler's page-session pruning behaves on a backlog: a table of
dead sessions (expired or signed out) with a few live ones, drained by
``tasks.reconcile.prune_page_sessions`` one pass at a time, on SQLite and
PostgreSQL. Reports the rows a pass deletes, the slowest pass (wall: how long
the table is written to at a time) and the passes and time to drain.

    python benchmarks/page_session_pruning.py --dead 100000 --live 1000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from domain.config import Settings  # noqa: E402
from domain.db import session_factory, upgrade  # noqa: E402
from domain.models import PageSession  # noqa: E402
from domain.tenants import create_key, get_or_create_tenant, hash_key  # noqa: E402
from domain.timeutil import utcnow  # noqa: E402
from tasks.reconcile import prune_page_sessions  # noqa: E402
from tests import services  # noqa: E402


def fill(sessions, dead: int, live: int) -> None:
    """``dead`` sessions (two thirds expired, a third signed out) and ``live`` ones, inserted in bulk."""
    now = utcnow()
    with sessions() as session, session.begin():
        secret = create_key(session, get_or_create_tenant(session, f"bench-{uuid.uuid4().hex[:6]}"))
        key_id = session.execute(sa.text("SELECT id FROM api_keys WHERE key_hash = :h"), {"h": hash_key(secret)})
        key_id = key_id.scalar_one()
    rows = []
    for n in range(dead + live):
        expired, ended = n < dead * 2 // 3, dead * 2 // 3 <= n < dead
        rows.append(
            {
                "id": uuid.uuid4().hex + uuid.uuid4().hex,
                "key_id": key_id,
                "created_at": now - timedelta(hours=13),
                "expires_at": now - timedelta(hours=1) if expired else now + timedelta(hours=11),
                "ended_at": now - timedelta(hours=2) if ended else None,
            }
        )
    for start in range(0, len(rows), 10_000):
        with sessions() as session, session.begin():
            session.execute(sa.insert(PageSession), rows[start : start + 10_000])


def drain(sessions) -> tuple[int, int, float, float, float]:
    """(passes, rows deleted by the first, slowest pass wall s, total wall s, this process's CPU s)."""
    passes, first, slowest = 0, 0, 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    while True:
        started = time.perf_counter()
        deleted = prune_page_sessions(sessions)
        slowest = max(slowest, time.perf_counter() - started)
        if not deleted:
            break
        first = first or deleted
        passes += 1
    return passes, first, slowest, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dead", type=int, default=100_000)
    parser.add_argument("--live", type=int, default=1_000)
    args = parser.parse_args()
    print(
        "| database | dead rows | rows a pass | passes | slowest pass, wall ms | drain, wall s | CPU s here | live kept |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    server = services.ensure_postgres()
    for name in ("sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as folder:
            database = None
            overrides = {}
            if name == "postgresql":
                if server is None:
                    print("| postgresql | not running | | | | | | |")
                    continue
                database = f"talkfarm_bench_{uuid.uuid4().hex[:8]}"
                overrides["database_url"] = services.create_database(server, database)
            settings = Settings.from_env({}, data_dir=Path(folder), pools=("cpu",), **overrides)
            upgrade(settings)
            sessions = session_factory(settings)
            fill(sessions, args.dead, args.live)
            passes, first, slowest, total, cpu = drain(sessions)
            with sessions() as session:
                kept = session.scalar(sa.select(sa.func.count()).select_from(PageSession))
            print(
                f"| {name} | {args.dead:,} | {first:,} | {passes} | {slowest * 1000:.0f} | {total:.2f} | {cpu:.2f} "
                f"| {kept:,} of {args.live:,} |"
            )
            if database:
                from domain.db import engine_for

                engine_for.cache_clear()
                services.drop_database(server, database)


if __name__ == "__main__":
    main()
