"""What the API suites share: the app on embedded defaults (no broker), keys
of tenants alpha and beta, and a client for each. A suite that needs other
keys or another app defines its own fixture of the same name."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from domain.config import Settings
from tests.unit.api.bearer import client


@pytest.fixture
def app(sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Flask:
    from api.app import create_app
    from tasks import dispatch

    monkeypatch.setattr(dispatch, "send", lambda *a, **k: None)  # no broker in these tests
    return create_app(sqlite_settings)


@pytest.fixture
def keys(sessions: Callable[[], Session]) -> dict[str, str]:
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        return {name: create_key(session, get_or_create_tenant(session, name)) for name in ("alpha", "beta")}


@pytest.fixture
def alpha(app: Flask, keys: dict[str, str]) -> FlaskClient:
    return client(app, keys["alpha"])


@pytest.fixture
def beta(app: Flask, keys: dict[str, str]) -> FlaskClient:
    return client(app, keys["beta"])
