"""Two `talkfarm db upgrade` at once on a fresh PostgreSQL database both succeed: the second waits for the first's
advisory lock and finds the schema at head (SRE check #13: one failed with UniqueViolation on alembic_version)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from domain.db import engine_for
from domain.schema_revision import code_heads
from tests import services

ROOT = Path(__file__).resolve().parents[2]

#: each process imports the code, then waits for the same instant, so both upgrades start together
_UPGRADE_AT = """
import sys, time
from domain.config import Settings
from domain.db import upgrade
settings = Settings.from_env({{}}, data_dir=sys.argv[2], database_url=sys.argv[1])
time.sleep(max(0.0, {start} - time.time()))
upgrade(settings)
"""


def test_two_upgrades_at_once_on_a_fresh_postgres_database_both_succeed(pg_server, tmp_path):
    name = f"talkfarm_race_{uuid.uuid4().hex[:8]}"
    url = services.create_database(pg_server, name)
    try:
        script = _UPGRADE_AT.format(start=time.time() + 8)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        upgrades = [
            subprocess.Popen(
                [sys.executable, "-c", script, url, str(tmp_path / f"data{n}")],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for n in (1, 2)
        ]
        outputs = [u.communicate(timeout=300)[0] for u in upgrades]
        assert [u.returncode for u in upgrades] == [0, 0], "\n".join(o[-3000:] for o in outputs)
        with engine_for(url).connect() as conn:
            assert set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()) == code_heads()
    finally:
        engine_for(url).dispose()
        services.drop_database(pg_server, name)
