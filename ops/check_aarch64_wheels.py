#!/usr/bin/env python3
"""Check that talkfarm's runtime dependencies install on aarch64 from wheels alone.

The arm64 images (worker-cpu on Graviton/Ampere, worker-npu on Ascend hosts)
are built without compilers in the runtime stage, and a source build under
emulation takes hours; so every runtime dependency, and every dependency of
those, must have a CPython 3.11 manylinux aarch64 wheel (or a pure-Python one).

The whole set is resolved the way pip would on such a machine, with
`pip install --dry-run --report` and platform flags: transitive requirements
included, nothing installed. It needs PyPI and takes about a minute (pip
fetches whole wheels where the index serves no separate metadata), so a
passing verdict is kept in --cache-dir for --max-age-hours, keyed by the exact
requirements and platform tags: any change to the dependency list checks
again at once; a failure is never cached.

    python ops/check_aarch64_wheels.py [--pyproject PATH] [--glibc 2.36] [--fresh]

Exit status: 0 all resolved, 1 a package has no usable aarch64 wheel (named
on stderr), 2 the resolution itself could not run (network, pip).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: glibc of python:3.11-slim-bookworm, the arm64 runtime base
DEFAULT_GLIBC = (2, 36)
PYTHON_VERSION = "3.11"

EXIT_OK, EXIT_MISSING_WHEEL, EXIT_CANNOT_RESOLVE = 0, 1, 2


class MissingWheel(Exception):
    """A requirement has no wheel installable on CPython 3.11 / manylinux aarch64."""

    def __init__(self, package: str, detail: str):
        super().__init__(f"{package}: no CPython {PYTHON_VERSION} manylinux aarch64 wheel ({detail})")
        self.package = package


class ResolutionError(Exception):
    """pip could not run the resolution at all (no network, broken pip)."""


@dataclass(frozen=True)
class ResolvedWheel:
    name: str
    version: str
    filename: str

    @property
    def platform_tag(self) -> str:
        # name-version(-build)?-python-abi-platform.whl
        return self.filename[: -len(".whl")].split("-")[-1] if self.filename.endswith(".whl") else "sdist"


def runtime_requirements(pyproject: Path) -> list[str]:
    with open(pyproject, "rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def aarch64_platform_tags(glibc: tuple[int, int] = DEFAULT_GLIBC) -> list[str]:
    """Every manylinux aarch64 tag a glibc of this version can install, newest first."""
    major, newest = glibc
    tags = [f"manylinux_{major}_{minor}_aarch64" for minor in range(newest, 16, -1)]
    return tags + ["manylinux2014_aarch64"]


def pip_command(requirements: list[str], report: Path, platforms: list[str]) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--report",
        str(report),
        "--python-version",
        PYTHON_VERSION,
        "--implementation",
        "cp",
        "--abi",
        "cp311",
        "--only-binary=:all:",
    ]
    for tag in platforms:
        command += ["--platform", tag]
    return command + requirements


_NO_MATCH = re.compile(r"No matching distribution found for ([A-Za-z0-9][A-Za-z0-9._-]*)")
_NO_VERSION = re.compile(r"Could not find a version that satisfies the requirement ([A-Za-z0-9][A-Za-z0-9._-]*)")
_NETWORK = re.compile(
    r"(NewConnectionError|Max retries exceeded|Temporary failure in name resolution|"
    r"Network is unreachable|CERTIFICATE_VERIFY_FAILED|ReadTimeoutError)"
)


def classify_pip_failure(stderr: str) -> Exception:
    """Turn pip's failure output into MissingWheel (naming the package) or ResolutionError."""
    if _NETWORK.search(stderr) and "from versions: none" in stderr:
        return ResolutionError(f"PyPI unreachable: {_NETWORK.search(stderr).group(1)}")
    match = _NO_MATCH.search(stderr) or _NO_VERSION.search(stderr)
    if match:
        versions = re.search(r"\(from versions: ([^)]*)\)", stderr)
        detail = f"versions with a usable wheel: {versions.group(1)}" if versions else "no usable wheel"
        return MissingWheel(match.group(1), detail)
    conflict = re.search(r"ResolutionImpossible|conflicting dependencies", stderr)
    if conflict:
        return MissingWheel("(conflict)", stderr.strip().splitlines()[-1])
    return ResolutionError(stderr.strip()[-2000:] or "pip failed without output")


def resolve(
    requirements: list[str], *, glibc: tuple[int, int] = DEFAULT_GLIBC, timeout_s: float = 900
) -> list[ResolvedWheel]:
    """Resolve requirements (and their requirements) to aarch64 wheels, as pip would."""
    with tempfile.TemporaryDirectory(prefix="talkfarm-aarch64-") as tmp:
        report = Path(tmp) / "report.json"
        command = pip_command(requirements, report, aarch64_platform_tags(glibc))
        # The host's extra wheel folders hold host-platform builds; the platform
        # flags would skip them anyway, and they only add warnings.
        env = {k: v for k, v in os.environ.items() if k != "PIP_FIND_LINKS"}
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env)
        except subprocess.TimeoutExpired as exc:
            raise ResolutionError(f"pip took longer than {timeout_s:.0f} s") from exc
        if result.returncode != 0:
            raise classify_pip_failure(result.stderr)
        installs = json.loads(report.read_text())["install"]
    wheels = []
    for item in installs:
        url = item["download_info"]["url"]
        wheels.append(ResolvedWheel(item["metadata"]["name"], item["metadata"]["version"], url.rsplit("/", 1)[-1]))
    for wheel in wheels:
        if not wheel.filename.endswith(".whl"):
            raise MissingWheel(wheel.name, f"resolved to a source distribution {wheel.filename}")
    return sorted(wheels, key=lambda w: w.name.lower())


def verdict_key(requirements: list[str], glibc: tuple[int, int]) -> str:
    material = json.dumps([sorted(requirements), aarch64_platform_tags(glibc), PYTHON_VERSION])
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def cached_verdict(cache_dir: Path, key: str, max_age_s: float) -> tuple[float, list[ResolvedWheel]] | None:
    path = cache_dir / f"verdict-{key}.json"
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if time.time() - saved["checked_at"] > max_age_s:
        return None
    return saved["checked_at"], [ResolvedWheel(**w) for w in saved["wheels"]]


def save_verdict(cache_dir: Path, key: str, wheels: list[ResolvedWheel]) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    body = {"checked_at": time.time(), "wheels": [w.__dict__ for w in wheels]}
    tmp = cache_dir / f".verdict-{key}.{os.getpid()}"
    tmp.write_text(json.dumps(body))
    tmp.replace(cache_dir / f"verdict-{key}.json")


def default_cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "talkfarm" / "aarch64-wheels"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pyproject", type=Path, default=REPO / "pyproject.toml")
    parser.add_argument(
        "--glibc",
        default=".".join(map(str, DEFAULT_GLIBC)),
        help="glibc of the arm64 runtime image (default: bookworm's)",
    )
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument(
        "--max-age-hours", type=float, default=12.0, help="reuse a passing verdict for the same requirements this long"
    )
    parser.add_argument("--fresh", action="store_true", help="ignore any cached verdict")
    parser.add_argument("requirement", nargs="*", help="check these instead of pyproject's dependencies")
    args = parser.parse_args(argv)

    requirements = args.requirement or runtime_requirements(args.pyproject)
    glibc = tuple(int(part) for part in args.glibc.split("."))
    key = verdict_key(requirements, glibc)
    cached = None if args.fresh else cached_verdict(args.cache_dir, key, args.max_age_hours * 3600)
    started = time.monotonic()
    if cached:
        checked_at, wheels = cached
        how = f"verdict cached {(time.time() - checked_at) / 60:.0f} min ago ({args.cache_dir}; --fresh re-checks)"
    else:
        try:
            wheels = resolve(requirements, glibc=glibc)
        except MissingWheel as exc:
            print(f"aarch64 wheel check FAILED: {exc}", file=sys.stderr)
            return EXIT_MISSING_WHEEL
        except ResolutionError as exc:
            print(f"aarch64 wheel check could not run: {exc}", file=sys.stderr)
            return EXIT_CANNOT_RESOLVE
        save_verdict(args.cache_dir, key, wheels)
        how = f"resolved against the index in {time.monotonic() - started:.1f} s"
    width = max(len(w.name) for w in wheels)
    print(f"{'package':<{width}}  {'version':<12}  wheel platform")
    for wheel in wheels:
        print(f"{wheel.name:<{width}}  {wheel.version:<12}  {wheel.platform_tag}")
    print(f"{len(wheels)} distributions resolve to CPython {PYTHON_VERSION} aarch64 wheels (glibc {args.glibc}); {how}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
