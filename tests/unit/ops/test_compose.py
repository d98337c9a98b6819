"""docker-compose.yml against the Compose Specification schema and the farm's rules.

The schema is vendored under ops/compose-spec/ (Apache-2.0), so this runs on
machines without Docker. Where `docker compose` exists it gets the last word.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from domain.config import PREFIX, Settings

REPO = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA = REPO / "ops" / "compose-spec" / "compose-spec.json"
TALKFARM_SERVICES = ("setup", "api", "scheduler", "webhooks", "worker-cpu")


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def seconds(duration: str) -> float:
    """Compose durations such as '1m30s' or '110s'."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def test_compose_file_matches_the_compose_specification_schema():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator(schema).validate(compose())


def test_compose_runs_the_production_shape():
    services = compose()["services"]
    assert {"postgres", "redis", "s3", *TALKFARM_SERVICES} <= set(services)
    assert services["worker-cpu"]["command"][:2] == ["talkfarm", "worker"]
    assert services["scheduler"]["command"] == ["talkfarm", "scheduler"]
    assert services["webhooks"]["command"] == ["talkfarm", "worker", "--webhooks"]
    assert "talkfarm db upgrade" in services["setup"]["command"][-1]


def test_services_depend_only_on_services_that_exist():
    services = compose()["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_farm_services_wait_for_migrations_to_finish():
    services = compose()["services"]
    for name in ("api", "scheduler", "webhooks", "worker-cpu"):
        assert services[name]["depends_on"]["setup"]["condition"] == "service_completed_successfully"


def test_worker_is_given_longer_than_the_drain_grace_to_stop():
    worker = compose()["services"]["worker-cpu"]
    assert seconds(worker["stop_grace_period"]) > Settings().drain_grace_s


def test_farm_services_use_postgres_redis_and_s3():
    services = compose()["services"]
    for name in TALKFARM_SERVICES:
        env = services[name]["environment"]
        assert env["TALKFARM_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["TALKFARM_BROKER_URL"].startswith("redis://redis:")
        assert env["TALKFARM_STORAGE_URL"].startswith("s3://")
        assert env["TALKFARM_S3_ENDPOINT_URL"].startswith("http://s3:")


def test_every_talkfarm_variable_in_compose_is_a_real_setting():
    known = {PREFIX + name.upper() for name in Settings.__dataclass_fields__}
    for name in TALKFARM_SERVICES:
        env = compose()["services"][name]["environment"]
        unknown = {key for key in env if key.startswith(PREFIX)} - known
        assert not unknown, f"{name}: not settings: {sorted(unknown)}"


def test_farm_services_share_one_data_volume():
    """The local watermark key lives there: workers and API must agree on it."""
    services = compose()["services"]
    for name in TALKFARM_SERVICES:
        assert "talkfarm-data:/var/lib/talkfarm" in services[name]["volumes"]


def test_docker_compose_accepts_the_file():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode:
        pytest.skip("the docker compose plugin is not installed")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
