"""What the CLI suites share: the API on SQLite served over HTTP in a thread,
keys of tenants alpha, beta and ops, and ``talkfarm`` to run a command with a key."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from cli.main import main
from tests.stubs import RecordingSender


@pytest.fixture
def api_url(sqlite_settings, monkeypatch):
    from api.app import create_app

    server = make_server("127.0.0.1", 0, create_app(sqlite_settings, sender=RecordingSender()), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def keys(sessions):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        return {
            "alpha": create_key(session, get_or_create_tenant(session, "alpha")),
            "beta": create_key(session, get_or_create_tenant(session, "beta")),
            "ops": create_key(session, get_or_create_tenant(session, "ops"), "operator"),
        }


@pytest.fixture
def talkfarm(api_url, sqlite_settings, monkeypatch):
    monkeypatch.setenv("TALKFARM_DATA_DIR", str(sqlite_settings.data_dir))
    monkeypatch.setenv("TALKFARM_API_URL", api_url)

    def run(key: str, *args: str):
        return CliRunner().invoke(main, list(args), env={"TALKFARM_API_KEY": key})

    return run
