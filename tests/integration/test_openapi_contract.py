"""The contract is the spec: schemathesis drives the live API (a real
`talkfarm api` under gunicorn) from /openapi.json and finds no server error
and no response that breaks the spec (status, content type, headers, body)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.farm import lone_api

pytestmark = pytest.mark.integration

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def test_schemathesis_finds_no_server_error_and_no_response_off_spec(tmp_path):
    with lone_api(tmp_path, "contract") as (base, _, key):
        # give the fuzzer something real to find: a portrait and a job
        from domain.presets import preset_path

        headers = {"Authorization": f"Bearer {key}"}
        requests.post(
            base + "/v1/assets", headers=headers, files={"file": preset_path("astronaut").open("rb")}, timeout=60
        )
        requests.post(base + "/v1/jobs", headers=headers, json={"script": "Hello.", "avatar": "astronaut"}, timeout=60)
        st = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TALKFARM_")}
        # one worker: schemathesis 4.32's coverage phase trips over itself with several
        run = subprocess.run(
            [
                st,
                "run",
                base + "/openapi.json",
                "-H",
                f"Authorization: Bearer {key}",
                "--checks",
                CHECKS,
                "--max-examples",
                "15",
                "--workers",
                "1",
                "--phases",
                "examples,coverage,fuzzing",
                "--seed",
                "20261121",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        assert " passed" in run.stdout
