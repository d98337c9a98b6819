"""``ops/images`` names the tools it lacks before it runs any of them. Without runc (the runtime
ops/podman/containers.conf names) every podman call failed, ``podman image exists`` read as "missing",
a failed import of the base went unnoticed, and the build carried on (an SRE's first build, 2026-12-08)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

IMAGES = Path(__file__).resolve().parents[3] / "ops" / "images"


def _bin(folder: Path, tools: dict[str, str]) -> Path:
    """A PATH of the shell utilities the script needs and ``tools`` (name → script body) in place of the real
    ones; each fake tool records that it ran."""
    folder.mkdir()
    for util in ("dirname", "mktemp", "rm", "git", "cat", "printf"):
        real = shutil.which(util)
        if real:
            (folder / util).symlink_to(real)
    for name, body in tools.items():
        (folder / name).write_text(f"#!/bin/sh\necho {name} >> {folder}/ran\n{body}\n")
        (folder / name).chmod(0o755)
    return folder


@pytest.mark.parametrize("step", ["all", "farm", "services"])
def test_without_runc_it_stops_naming_what_to_install_before_podman_runs(tmp_path, step):
    path = _bin(tmp_path / "bin", {"podman": "exit 0", "buildah": "exit 0"})
    env = {**os.environ, "PATH": str(path)}

    done = subprocess.run(["/bin/bash", str(IMAGES), step], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 1, done.stderr
    assert "needs runc" in done.stderr and "apt-get install" in done.stderr, done.stderr
    assert not (path / "ran").exists(), (path / "ran").read_text()


def test_a_base_that_cannot_be_imported_stops_the_build(tmp_path):
    """With the tools present but the import of the mmdebstrap root failing, nothing is built on it."""
    path = _bin(
        tmp_path / "bin",
        {
            # no image exists; the import fails; a build would be recorded
            "podman": 'case "$1" in image) exit 1 ;; import) exit 125 ;; *) exit 0 ;; esac',
            "buildah": "exit 0",
            "runc": "exit 0",
            "mmdebstrap": "exit 0",
        },
    )
    env = {**os.environ, "PATH": str(path)}

    done = subprocess.run(["/bin/bash", str(IMAGES), "farm"], env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode != 0, done.stderr
    ran = (path / "ran").read_text().split()
    assert "mmdebstrap" in ran and "podman" in ran
    assert "building" not in done.stderr, done.stderr
