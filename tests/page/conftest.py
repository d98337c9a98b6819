"""Fixtures for the page's browser tests: one real farm (API, worker, webhook
worker, scheduler on PostgreSQL, Redis and SeaweedFS) for the whole folder,
and Debian's Chromium driven by Playwright from PyPI (never `playwright
install`: nothing is downloaded at test time)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

from tests import services
from tests.conftest import settings_env

pytestmark = pytest.mark.integration

CHROMIUM = Path(os.environ.get("TALKFARM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: render settings small enough to keep the browser tests quick
TINY = {"resolution": "256", "fps": "12"}
SHORT_SCRIPT = "Hello from the page."


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        services.unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        services.unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def page_farm(tmp_path_factory, pg_server, redis_url, seaweed, s3_bucket):
    """One farm for every page test; tests make their own tenants, so they do not see each other's jobs.

    It lives until the session ends, so it gets a database and a Redis database
    of its own: its scheduler and workers must never pick up another test's jobs
    (the chaos test truncates and refills the shared database while it runs)."""
    import redis

    from domain.config import Settings
    from domain.db import upgrade
    from tests.farm import Farm

    tmp = tmp_path_factory.mktemp("page-farm")
    database_url = services.create_database(pg_server, f"talkfarm_page_{os.getpid()}_{uuid.uuid4().hex[:6]}")
    server, shared_db = redis_url.rsplit("/", 1)
    broker_url = f"{server}/{(int(shared_db) % 15) + 1}"  # the next Redis database, never the shared one
    redis.Redis.from_url(broker_url).flushdb()
    settings = Settings.from_env(
        {},
        data_dir=tmp / "data",
        database_url=database_url,
        broker_url=broker_url,
        storage_url=f"s3://{s3_bucket}/{uuid.uuid4().hex[:8]}",
        s3_endpoint_url=seaweed.endpoint,
        pools=("cpu",),
        webhook_allow_hosts=("127.0.0.1", "localhost"),
    )
    upgrade(settings)
    farm = Farm(settings, settings_env(settings), tmp / "logs", concurrency=2).start()
    yield farm
    farm.stop()


def make_key(farm, tenant: str | None = None, scope: str = "tenant") -> str:
    from domain.tenants import create_key, get_or_create_tenant

    with farm.sessions() as session, session.begin():
        return create_key(session, get_or_create_tenant(session, tenant or f"t-{uuid.uuid4().hex[:8]}"), scope)


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture
def tab(context):
    """A browser tab; the test fails if the page broke its own Content-Security-Policy or threw."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    yield page
    assert problems == []


def sign_in(tab, farm, key: str) -> None:
    from playwright.sync_api import expect

    tab.goto(farm.url + "/sign-in")
    tab.get_by_label("API key").fill(key)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()


def job_id_from_url(url: str) -> str:
    found = re.search(r"/jobs/(job_[A-Za-z0-9]+)", url)
    assert found, url
    return found.group(1)
