"""The edge fuzzers, long: run the suite's property tests (tests/unit/**/test_fuzz_*.py)
round after round with fresh random examples, for as long as asked, and print
what they found.

    nice -n 19 .venv/bin/python benchmarks/fuzz_edges.py --minutes 60 --examples 500 [--with-postgres]

Each round is one pytest run with ``TALKFARM_FUZZ_EXAMPLES`` examples per
property and a new random seed; a failing example is printed by hypothesis
(with the blob that reproduces it) into ``--log-dir``. The table counts rounds,
examples and failures per property.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FUZZ_FILES = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests" / "unit").rglob("test_fuzz_*.py"))
#: the job-body fuzzer against the API on SQLite and on PostgreSQL (127.0.0.1:5432), with --with-postgres
POSTGRES_FUZZ = "tests/integration/test_bad_input.py::test_any_job_body_is_answered_on_either_database"


def run_round(number: int, examples: int, log_dir: Path, files: list[str]) -> dict[str, tuple[float, str | None]]:
    """One pytest run: {test: (seconds, failure text or None)}."""
    report = log_dir / f"round-{number:03d}.xml"
    env = {**os.environ, "TALKFARM_FUZZ_EXAMPLES": str(examples)}
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *files,
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            "-o",
            "junit_family=xunit2",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    (log_dir / f"round-{number:03d}.log").write_text(output.stdout + output.stderr)
    results: dict[str, tuple[float, str | None]] = {}
    if not report.exists():
        return {"(pytest did not run)": (0.0, output.stdout[-2000:] + output.stderr[-2000:])}
    for case in ET.parse(report).getroot().iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        name = case.get("name", "?").replace("test_any_job_body_is_answered_on_either_database", "job bodies on")
        results[name] = (float(case.get("time", 0)), None if failure is None else (failure.get("message") or "")[:300])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="wall time to keep starting rounds")
    parser.add_argument("--examples", type=int, default=300, help="examples per property per round")
    parser.add_argument("--log-dir", type=Path, default=Path("/tmp/talkfarm-fuzz"), help="round logs and reports")
    parser.add_argument("--with-postgres", action="store_true", help="also fuzz job bodies on SQLite and PostgreSQL")
    args = parser.parse_args()
    args.log_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + args.minutes * 60
    totals: dict[str, list] = defaultdict(lambda: [0, 0.0, 0, []])  # rounds, seconds, failures, messages
    rounds = 0
    started = time.monotonic()
    while time.monotonic() < deadline:
        rounds += 1
        files = FUZZ_FILES + ([POSTGRES_FUZZ] if args.with_postgres else [])
        for name, (seconds, failure) in run_round(rounds, args.examples, args.log_dir, files).items():
            row = totals[name]
            row[0] += 1
            row[1] += seconds
            if failure is not None:
                row[2] += 1
                row[3].append(f"round {rounds}: {failure}")
        failed = sum(row[2] for row in totals.values())
        print(
            f"round {rounds} done after {(time.monotonic() - started) / 60:.1f} min; failures so far: {failed}",
            flush=True,
        )
    print(
        f"\n{rounds} rounds, {args.examples} examples per property per round, "
        f"{(time.monotonic() - started) / 60:.1f} min wall; logs in {args.log_dir}\n"
    )
    print(f"| {'property':<78} | rounds | examples (at most) | seconds | failures |")
    print(f"| {'-' * 78} | -----: | ----------------: | ------: | -------: |")
    for name in sorted(totals):
        r, seconds, failures, _ = totals[name]
        print(f"| {name:<78} | {r:>6} | {r * args.examples:>17} | {seconds:>7.0f} | {failures:>8} |")
    for name in sorted(totals):
        for message in totals[name][3][:3]:
            print(f"\n{name}: {message}")


if __name__ == "__main__":
    main()
