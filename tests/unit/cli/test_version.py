"""`talkfarm --version` names the package version and the checkout the code
came from: baked into an image as TALKFARM_BUILD (ops/images checks it
against `git describe`), asked from git in a checkout."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner

from cli.main import main
from cli.version import CHECKOUT, package_version


def test_version_prints_the_build_baked_into_an_image(monkeypatch):
    monkeypatch.setenv("TALKFARM_BUILD", "v1.2-3-gabc1234")
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"talkfarm {package_version()} (build v1.2-3-gabc1234)"


def test_version_in_a_checkout_is_its_git_describe(monkeypatch):
    if shutil.which("git") is None or not (CHECKOUT / ".git").exists():
        pytest.skip("not a git checkout")
    monkeypatch.delenv("TALKFARM_BUILD", raising=False)
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=CHECKOUT, capture_output=True, text=True, check=True
    ).stdout.strip()
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip().endswith(f"(build {described})")
