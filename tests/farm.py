"""A farm of real processes for integration tests: `talkfarm api`, render
workers, a webhook worker and the scheduler, each its own process, talking
through the real broker, database and storage the settings name."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.services import free_port, wait_for


class Farm:
    def __init__(
        self,
        settings,
        env: dict[str, str],
        log_dir: Path,
        *,
        workers: int = 1,
        concurrency: int = 2,
        scheduler: bool = True,
        webhooks: bool = True,
        api_processes: int = 1,
        null_workers: bool = False,
    ):
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env, TALKFARM_API_URL=self.url, TALKFARM_PUBLIC_URL=self.url, PYTHONUNBUFFERED="1")
        self.log_dir = log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.n_workers, self.concurrency = workers, concurrency
        self.with_scheduler, self.with_webhooks = scheduler, webhooks
        self.api_processes = api_processes
        #: workers whose attempts do no media work (tests/stubs.py), for control-plane benchmarks
        self.null_workers = null_workers
        self.procs: dict[str, subprocess.Popen] = {}
        self._counter = 0

    # --- processes ------------------------------------------------------------------
    def _spawn(self, name: str, *args: str, module: str = "cli.main") -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start(self) -> Farm:
        self._spawn("api", "api", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.api_processes))
        for _ in range(self.n_workers):
            self.add_worker()
        if self.with_webhooks:
            self._spawn("webhooks", "worker", "--webhooks")
        if self.with_scheduler:
            self._spawn("scheduler", "scheduler", "--interval", "0.5")
        wait_for(self._healthy, 60, "talkfarm api")
        self.wait_workers(self.n_workers)
        return self

    def add_worker(self, tag: str = "cpu") -> str:
        self._counter += 1
        name = f"worker-{self._counter}"
        self._spawn(
            name,
            "worker",
            "--tag",
            tag,
            "--concurrency",
            str(self.concurrency),
            module="tests.stubs" if self.null_workers else "cli.main",
        )
        return name

    def workers(self) -> list[str]:
        return [n for n, p in self.procs.items() if n.startswith("worker-") and p.poll() is None]

    def wait_workers(self, n: int, timeout_s: float = 60) -> None:
        def ready():
            with self.sessions() as session:
                from domain.poolstats import live_workers

                return len([w for w in live_workers(session, self.settings) if w.state == "online"]) >= n

        wait_for(ready, timeout_s, f"{n} worker(s)")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, sig)

    def wait_exit(self, name: str, timeout_s: float) -> int:
        return self.procs[name].wait(timeout=timeout_s)

    def stop(self) -> None:
        for _name, proc in self.procs.items():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def logs(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _healthy(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    # --- talking to it ------------------------------------------------------------------
    def sessions(self):
        from domain.db import session_factory

        return session_factory(self.settings)()

    def create_key(self, tenant: str = "newsroom") -> str:
        from domain.tenants import create_key, get_or_create_tenant

        with self.sessions() as session, session.begin():
            return create_key(session, get_or_create_tenant(session, tenant))

    def client(self, key: str) -> requests.Session:
        session = _BaseUrlSession(self.url)
        session.headers["Authorization"] = f"Bearer {key}"
        return session

    def wait_job(self, client: requests.Session, job_id: str, timeout_s: float = 300) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = client.get(f"/v1/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "failed", "canceled"):
                return job
            time.sleep(0.3)
        raise TimeoutError(f"{job_id} did not finish in {timeout_s} s; last: {job}")


class _BaseUrlSession(requests.Session):
    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def request(self, method, url, *args, **kwargs):
        if url.startswith("/"):
            url = self.base + url
        kwargs.setdefault("timeout", 60)
        return super().request(method, url, *args, **kwargs)


@contextlib.contextmanager
def lone_api(
    folder: Path,
    tenant: str,
    processes: int = 2,
    *,
    settings: dict[str, str] | None = None,
    pids: list[int] | None = None,
) -> Iterator[tuple[str, int, str]]:
    """A real `talkfarm api` under gunicorn on SQLite in ``folder``, nothing else running:
    yields its base URL, its port and an API key of ``tenant``. ``settings`` adds TALKFARM_*
    variables; ``pids``, if given, receives the server's process id (to measure it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKFARM_")}
    env["TALKFARM_DATA_DIR"] = str(folder / "data")
    env.update(settings or {})
    talkfarm = [sys.executable, "-m", "cli.main"]
    subprocess.run(talkfarm + ["db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run(
        talkfarm + ["keys", "create", "--tenant", tenant], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    port = free_port()
    api = subprocess.Popen(
        talkfarm + ["api", "--port", str(port), "--workers", str(processes)],
        env=env,
        stdout=open(folder / "api.log", "wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    if pids is not None:
        pids.append(api.pid)
    try:
        wait_for(lambda: _answers(base), 60, "talkfarm api")
        yield base, port, key
    finally:
        api.terminate()
        api.wait(timeout=30)


def raw_reply(port: int, raw: bytes) -> tuple[bytes, bytes]:
    """Send ``raw`` bytes to the API on ``port`` and read until it closes: the answer's head and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return head, body


def _answers(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False
