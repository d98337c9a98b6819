"""What `talkfarm --version` prints: the package's version and the checkout it was built from.

An image is built from a checkout without its .git folder, so the build bakes
`git describe` into TALKFARM_BUILD (Dockerfile, ops/images). Run from a
checkout, the same `git describe` is asked directly. Operators compare the two
to know which code a running container has.
"""

from __future__ import annotations

import os
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

BUILD_ENV = "TALKFARM_BUILD"
CHECKOUT = Path(__file__).resolve().parents[1]


def package_version() -> str:
    try:
        return version("talkfarm")
    except PackageNotFoundError:
        return "0+unknown"


def checkout_description(root: Path = CHECKOUT) -> str | None:
    """`git describe --always --dirty` of the checkout this code runs from, or None outside one."""
    if not (root / ".git").exists():
        return None
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=root, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return described.stdout.strip() if described.returncode == 0 and described.stdout.strip() else None


def version_line() -> str:
    """'talkfarm 0.1.0 (build 1f159f4)', or without the build when nothing says which it is."""
    build = os.environ.get(BUILD_ENV) or checkout_description()
    return f"talkfarm {package_version()}" + (f" (build {build})" if build else "")
