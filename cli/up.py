"""`talkfarm up`: the whole farm on one machine, no servers needed.

SQLite holds the jobs, a SQLite file is the broker, a folder is the storage.
It migrates the database, makes a local tenant and keeps its API key in the
data dir (client commands use it), then runs the API, one render worker, a
webhook worker and the scheduler as child processes until interrupted.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

import requests
import sqlalchemy as sa

from api.web.session import LINK_TTL_S, issue_sign_in_link
from cli.client import local_key_path
from domain.config import Settings
from domain.db import rows_changed, session_factory, upgrade
from domain.models import ApiKey
from domain.tenants import create_key, get_or_create_tenant, hash_key

log = logging.getLogger(__name__)

LOCAL_TENANT = "local"


def ensure_local_key(settings: Settings) -> str:
    """The local tenant's key, operator-scoped: the person at this machine runs the farm,
    so they see the operator pages too. A key kept from before scopes existed is upgraded."""
    path = local_key_path(settings)
    if path.exists():
        key = path.read_text().strip()
        with session_factory(settings)() as session, session.begin():
            kept = rows_changed(
                session.execute(
                    sa.update(ApiKey)
                    .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
                    .values(scope="operator")
                )
            )
        if kept:
            return key
        log.info("the local API key in %s was revoked or is unknown; making a new one", path)
    with session_factory(settings)() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, LOCAL_TENANT), "operator")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def run_up(settings: Settings, host: str, port: int) -> int:
    # the embedded farm's files are its owner's alone: the database holds webhook secrets and the folder the
    # tenants' videos (they were 0644, readable by every user of the machine); the children inherit the mask
    os.umask(0o077)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)
    upgrade(settings)
    for made in settings.data_dir.iterdir():  # made by an earlier version under a looser mask
        if made.is_file():
            made.chmod(0o600)
    key = ensure_local_key(settings)
    api_url = f"http://{host}:{port}"
    env = dict(
        os.environ,
        TALKFARM_DATA_DIR=str(settings.data_dir),
        TALKFARM_API_URL=api_url,
        TALKFARM_PUBLIC_URL=settings.public_url or api_url,
    )
    me = [sys.executable, "-m", "cli.main"]
    children = {
        "api": subprocess.Popen(me + ["api", "--host", host, "--port", str(port), "--workers", "2"], env=env),
        "worker": subprocess.Popen(me + ["worker", "--tag", settings.pools[0], "--concurrency", "2"], env=env),
        "webhooks": subprocess.Popen(me + ["worker", "--webhooks"], env=env),
        "scheduler": subprocess.Popen(me + ["scheduler", "--interval", "1"], env=env),
    }
    stopping = False

    def _stop(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    if _wait_healthy(api_url, children):
        print(f"talkfarm is up: API {api_url}, data in {settings.data_dir}", flush=True)
        print(f"API key for this machine: {local_key_path(settings)}", flush=True)
        page_url = settings.public_url or api_url
        link = issue_sign_in_link(settings, key, page_url)
        print(f"Web page: {page_url}/ (sign in once with {link} ; it works for {LINK_TTL_S // 60} minutes)", flush=True)
    exit_code = 0
    while not stopping:
        for name, proc in children.items():
            if proc.poll() is not None:
                log.error("%s exited with %s; stopping the farm", name, proc.returncode)
                stopping, exit_code = True, 1
        time.sleep(0.5)
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the worker drains: running jobs are handed back
    deadline = time.monotonic() + settings.drain_grace_s + 10
    for proc in children.values():
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    return exit_code


def _wait_healthy(api_url: str, children: dict, timeout_s: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in children.values()):
            return False
        try:
            if requests.get(api_url + "/healthz", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False
