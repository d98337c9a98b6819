"""Real services for the tests: Redis, PostgreSQL and SeaweedFS (S3).

Redis and PostgreSQL are used where they already run (127.0.0.1:6379 and
:5432, trust auth) and started with this machine's own commands where they
do not. SeaweedFS is started per test session on spare ports. A service that
cannot be had skips its tests locally, and fails them in CI (``CI=true``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_PORT = int(os.environ.get("TALKFARM_TEST_REDIS_PORT", "6379"))
PG_PORT = int(os.environ.get("TALKFARM_TEST_PG_PORT", "5432"))


def unavailable(what: str) -> None:
    """Skip locally; fail in CI, where every service must be there."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: services are required)", pytrace=False)
    pytest.skip(what)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not come up within {timeout_s:.0f} s")


# --- Redis -------------------------------------------------------------------------
def ensure_redis() -> str | None:
    if not port_open(REDIS_PORT):
        binary = shutil.which("redis-server")
        if binary is None:
            return None
        subprocess.run(
            [
                binary,
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(REDIS_PORT),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=False,
            capture_output=True,
        )
        try:
            wait_for(lambda: port_open(REDIS_PORT), 15, "redis")
        except TimeoutError:
            return None
    return f"redis://127.0.0.1:{REDIS_PORT}"


# --- PostgreSQL ----------------------------------------------------------------------
def ensure_postgres() -> str | None:
    if not port_open(PG_PORT):
        ctl = shutil.which("pg_ctlcluster")
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if ctl is None or not versions:
            return None
        subprocess.run(
            [ctl, "--skip-systemctl-redirect", versions[-1], "main", "start"], check=False, capture_output=True
        )
        try:
            wait_for(lambda: port_open(PG_PORT), 30, "postgresql")
        except TimeoutError:
            return None
    return f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}"


def create_database(server_url: str, name: str) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server_url}/{name}"


def drop_database(server_url: str, name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- SeaweedFS -------------------------------------------------------------------------
@dataclass
class Seaweed:
    endpoint: str
    process: subprocess.Popen
    data_dir: Path
    ports: dict

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def start_again(self) -> Seaweed:
        """Restart on the same ports and data (for outage tests)."""
        return start_seaweed(self.data_dir, self.ports)


def weed_binary() -> str | None:
    candidate = Path(sys.executable).parent / "weed"
    return str(candidate) if candidate.exists() else shutil.which("weed")


def start_seaweed(data_dir: Path | None = None, ports: dict | None = None) -> Seaweed | None:
    binary = weed_binary()
    if binary is None:
        return None
    data_dir = Path(data_dir or tempfile.mkdtemp(prefix="talkfarm-weed-"))
    # every listener on a port of its own (weed would put gRPC at port + 10000, which may be taken or invalid)
    ports = ports or {
        name: free_port()
        for name in ("s3", "master", "volume", "filer", "s3.grpc", "master.grpc", "volume.grpc", "filer.grpc")
    }
    log = open(data_dir / "weed.log", "ab")
    process = subprocess.Popen(
        [
            binary,
            "server",
            f"-dir={data_dir}",
            "-s3",
            f"-s3.port={ports['s3']}",
            f"-master.port={ports['master']}",
            f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}",
            *(f"-{name.replace('.grpc', '.port.grpc')}={ports[name]}" for name in ports if name.endswith(".grpc")),
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-volume.max=20",
            "-master.volumeSizeLimitMB=64",
            # no side listeners on fixed ports, so several servers can run at once; no phoning home
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        wait_for(lambda: process.poll() is None and _s3_ready(endpoint), 60, "seaweedfs s3")
    except TimeoutError:
        process.kill()
        return None
    return Seaweed(endpoint, process, data_dir, ports)


def _s3_ready(endpoint: str) -> bool:
    import boto3
    from botocore.config import Config

    try:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="talkfarm",
            aws_secret_access_key="talkfarm",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=3),
        )
        client.list_buckets()
        return True
    except Exception:
        return False


def make_bucket(endpoint: str, name: str | None = None) -> str:
    import boto3

    name = name or f"tf-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="talkfarm",
        aws_secret_access_key="talkfarm",
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=name)
            return name
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
