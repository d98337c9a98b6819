"""On a PostgreSQL farm (several machines) with no TALKFARM_WATERMARK_KEY, each machine would mark with a key of
its own from its DATA_DIR: a worker and the API say so as they start, as a worker does of a missing C2PA key."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.stubs import RecordingSender, null_pipeline
from workers.runtime import WorkerRuntime, warn_of_machine_watermark_key

POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/farm"


def key_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "TALKFARM_WATERMARK_KEY" in r.getMessage()]


def test_a_worker_on_postgresql_without_a_watermark_key_warns_as_it_starts(sqlite_settings, caplog):
    rt = WorkerRuntime(
        sqlite_settings, "cpu", 1, ["CPUExecutionProvider"], pipeline=null_pipeline, sender=RecordingSender()
    )
    # the sessions stay on SQLite; the settings say the farm is on PostgreSQL, as a worker of such a farm reads them
    rt.settings = dataclasses.replace(sqlite_settings, database_url=POSTGRESQL)
    try:
        with caplog.at_level(logging.WARNING, logger="workers.runtime"):
            rt.start()
    finally:
        rt.stop()
    (warning,) = key_warnings(caplog)
    assert "no TALKFARM_WATERMARK_KEY on a PostgreSQL farm" in warning
    assert str(sqlite_settings.data_dir / "secrets" / "watermark-key") in warning
    assert "unless every machine shares that DATA_DIR" in warning


@pytest.mark.parametrize(
    "database_url, watermark_key",
    [("sqlite:///farm.db", ""), (POSTGRESQL, "a-key-every-machine-shares")],
    ids=["one machine on SQLite", "the key set"],
)
def test_no_warning_on_sqlite_or_with_the_key_set(sqlite_settings, caplog, database_url, watermark_key):
    settings = dataclasses.replace(sqlite_settings, database_url=database_url, watermark_key=watermark_key)
    with caplog.at_level(logging.WARNING, logger="workers.runtime"):
        warn_of_machine_watermark_key(settings)
    assert key_warnings(caplog) == []


def test_the_api_on_postgresql_without_a_watermark_key_warns_as_it_starts(tmp_path, monkeypatch, caplog):
    import api.server

    served = []
    monkeypatch.setattr(api.server, "serve", lambda settings, *args: served.append(settings))
    env = {"TALKFARM_DATA_DIR": str(tmp_path / "data"), "TALKFARM_DATABASE_URL": POSTGRESQL}
    with caplog.at_level(logging.WARNING, logger="workers.runtime"):
        result = CliRunner().invoke(main, ["api"], env=env)
    assert result.exit_code == 0, result.output
    assert served and len(key_warnings(caplog)) == 1
