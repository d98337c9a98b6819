"""A test client of the API that sends an API key, as the suites' callers do."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient


def client(app: Flask, key: str) -> FlaskClient:
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return c
