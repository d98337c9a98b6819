"""ops/check_aarch64_wheels.py: the runtime dependencies install on aarch64 from wheels.

The resolution asks PyPI (reachable from this project's machines and CI). A
PyPI that cannot be reached skips the check locally and fails it in CI.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("check_aarch64_wheels", REPO / "ops" / "check_aarch64_wheels.py")
check = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = check
spec.loader.exec_module(check)


def run_check(argv: list[str], capsys) -> tuple[int, str, str]:
    status = check.main(argv)
    out, err = capsys.readouterr()
    if status == check.EXIT_CANNOT_RESOLVE:
        if os.environ.get("CI"):
            pytest.fail(f"aarch64 wheel check could not reach PyPI: {err}")
        pytest.skip(f"PyPI unreachable: {err.strip()}")
    return status, out, err


def test_runtime_dependencies_resolve_to_aarch64_wheels(capsys):
    status, out, err = run_check([], capsys)
    assert status == check.EXIT_OK, err
    print(out.splitlines()[-1])  # timing line, shown with -s
    names = {line.split()[0].lower() for line in out.splitlines()[1:-1]}
    for needed in ("onnxruntime", "piper-tts", "mediapipe", "imageio-ffmpeg", "numpy"):
        assert needed in names


def test_check_names_the_package_that_has_no_aarch64_wheel(capsys, tmp_path):
    # pywin32 ships Windows wheels only.
    status, _, err = run_check(["--cache-dir", str(tmp_path), "--fresh", "pywin32"], capsys)
    assert status == check.EXIT_MISSING_WHEEL
    assert "pywin32" in err


def test_a_failure_is_never_cached(capsys, tmp_path):
    run_check(["--cache-dir", str(tmp_path), "pywin32"], capsys)
    assert not list(tmp_path.glob("verdict-*.json"))


def test_a_cached_verdict_is_reused_only_for_the_same_requirements(tmp_path):
    wheels = [check.ResolvedWheel("six", "1.17.0", "six-1.17.0-py2.py3-none-any.whl")]
    key = check.verdict_key(["six"], check.DEFAULT_GLIBC)
    check.save_verdict(tmp_path, key, wheels)
    assert check.cached_verdict(tmp_path, key, max_age_s=60)[1] == wheels
    assert check.cached_verdict(tmp_path, key, max_age_s=-1) is None
    other = check.verdict_key(["six", "numpy"], check.DEFAULT_GLIBC)
    assert other != key and check.cached_verdict(tmp_path, other, max_age_s=60) is None


def test_platform_tags_span_manylinux2014_to_the_runtime_glibc():
    tags = check.aarch64_platform_tags((2, 36))
    assert tags[0] == "manylinux_2_36_aarch64"
    assert "manylinux_2_28_aarch64" in tags and "manylinux_2_17_aarch64" in tags
    assert tags[-1] == "manylinux2014_aarch64"
    assert all(tag.endswith("_aarch64") for tag in tags)


def test_pip_missing_wheel_output_becomes_a_named_failure():
    stderr = (
        "ERROR: Could not find a version that satisfies the requirement onnxruntime>=1.20 "
        "(from versions: 1.15.0, 1.16.3)\nERROR: No matching distribution found for onnxruntime>=1.20\n"
    )
    failure = check.classify_pip_failure(stderr)
    assert isinstance(failure, check.MissingWheel)
    assert failure.package == "onnxruntime"
    assert "1.16.3" in str(failure)


def test_pip_network_failure_is_not_blamed_on_a_package():
    stderr = (
        "WARNING: Retrying ... after connection broken by 'NewConnectionError(...)'\n"
        "ERROR: Could not find a version that satisfies the requirement flask (from versions: none)\n"
        "ERROR: No matching distribution found for flask\n"
    )
    assert isinstance(check.classify_pip_failure(stderr), check.ResolutionError)


def test_wheel_platform_tag_is_read_from_the_filename():
    wheel = check.ResolvedWheel(
        "numpy", "2.4.6", "numpy-2.4.6-cp311-cp311-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl"
    )
    assert wheel.platform_tag == "manylinux_2_27_aarch64.manylinux_2_28_aarch64"
