"""The control plane's own speed: jobs through the real API (gunicorn),
PostgreSQL, Redis and worker processes whose attempts do no media work
(``tests.stubs.null_pipeline``, brought in from outside: production code has
no test switch).

Submits at a steady rate from several client threads and reports jobs/s
end to end and the time from HTTP submit (the API's commit) to a worker
claiming the job (p50, p99), from the job's own events.

    python benchmarks/scheduler.py --jobs 600 --rate 40 --workers 1 --concurrency 8
    python benchmarks/scheduler.py --jobs 2000 --rate 150                 # past saturation: the ceiling

Goal on this 2-core machine: >= 100 jobs/s, p50 <= 20 ms, p99 <= 60 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from domain.config import Settings  # noqa: E402
from tests import services  # noqa: E402
from tests.conftest import settings_env  # noqa: E402
from tests.farm import Farm  # noqa: E402


def cpu_seconds_by_kind() -> dict[str, float]:
    """CPU seconds so far of every process on the machine, grouped: API, workers, PostgreSQL, Redis, other."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        kind = (
            "api"
            if "cli.main api" in cmd or "gunicorn" in cmd
            else "workers"
            if "cli.main worker" in cmd
            else "scheduler"
            if "cli.main scheduler" in cmd
            else "postgres"
            if "postgres" in cmd
            else "redis"
            if "redis-server" in cmd
            else "benchmark (clients)"
            if "benchmarks/scheduler.py" in cmd
            else "other"
        )
        out[kind] = out.get(kind, 0.0) + cpu
    return out


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=150.0, help="submissions per second")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--api-workers", type=int, default=2)
    args = parser.parse_args()

    pg = services.ensure_postgres()
    redis_url = services.ensure_redis()
    if pg is None or redis_url is None:
        raise SystemExit("needs PostgreSQL and Redis on 127.0.0.1")
    name = f"talkfarm_sched_{uuid.uuid4().hex[:8]}"
    database_url = services.create_database(pg, name)
    tmp = Path(tempfile.mkdtemp(prefix="talkfarm-sched-"))
    import redis

    redis.Redis.from_url(f"{redis_url}/14").flushdb()
    settings = Settings.from_env(
        {}, data_dir=tmp / "data", database_url=database_url, broker_url=f"{redis_url}/14", tenant_max_in_flight=100000
    )
    from domain.db import upgrade

    upgrade(settings)
    farm = Farm(
        settings,
        settings_env(settings),
        tmp / "logs",
        workers=args.workers,
        concurrency=args.concurrency,
        webhooks=False,
        api_processes=args.api_workers,
        null_workers=True,
    )
    farm.start()
    try:
        key = farm.create_key("bench")
        body = {"script": "Null.", "avatar": "astronaut"}
        errors: list[str] = []
        per_client = args.jobs // args.clients
        interval = args.clients / args.rate
        cpu_before = cpu_seconds_by_kind()
        started = time.perf_counter()

        def client_loop(offset: float):
            client = farm.client(key)
            next_at = time.perf_counter() + offset  # staggered, so clients do not submit in bursts
            for _ in range(per_client):
                response = client.post("/v1/jobs", json=body)
                if response.status_code != 202:
                    errors.append(response.text[:200])
                next_at += interval
                time.sleep(max(0.0, next_at - time.perf_counter()))

        threads = [
            threading.Thread(target=client_loop, args=(i * interval / args.clients,)) for i in range(args.clients)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        submitted_in = time.perf_counter() - started
        total = per_client * args.clients
        from domain.models import Job, JobEvent

        with farm.sessions() as session:
            while session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.status == "succeeded")) < total:
                if time.perf_counter() - started > 600:
                    raise SystemExit("jobs did not finish in 10 minutes")
                time.sleep(0.2)
                session.expire_all()
            done_in = time.perf_counter() - started
            cpu_after = cpu_seconds_by_kind()
            rows = session.execute(
                sa.select(Job.created_at, JobEvent.at)
                .join(JobEvent, JobEvent.job_id == Job.id)
                .where(JobEvent.kind == "claimed", JobEvent.attempt == 1)
            ).all()
            first_created = session.scalar(sa.select(sa.func.min(Job.created_at)))
            last_finished = session.scalar(sa.select(sa.func.max(Job.finished_at)))
        to_start_ms = [(claimed - created).total_seconds() * 1000 for created, claimed in rows]
        span = (last_finished - first_created).total_seconds()
        print(
            f"{total} jobs, null stages; API gunicorn {args.api_workers} processes; {args.workers} workers x "
            f"{args.concurrency} threads; PostgreSQL, Redis; offered {args.rate:.0f}/s from {args.clients} clients"
        )
        print(
            "submitted/s | jobs/s (first submit → last done) | submit→claim p50 ms | p95 ms | p99 ms | max ms | errors"
        )
        print(
            "----------- | --------------------------------- | ------------------- | ------ | ------ | ------ | ------"
        )
        print(
            f"{total / submitted_in:>11.0f} | {total / span:>33.0f} | {statistics.median(to_start_ms):>19.1f} | "
            f"{percentile(to_start_ms, 0.95):>6.1f} | {percentile(to_start_ms, 0.99):>6.1f} | {max(to_start_ms):>6.0f} | "
            f"{len(errors):>6}"
        )
        if errors:
            print("first error:", errors[0])
        print(f"(wall: all submitted after {submitted_in:.1f} s, all done after {done_in:.1f} s)")
        print(
            "CPU ms per job: "
            + ", ".join(
                f"{kind} {1000 * (cpu_after[kind] - cpu_before.get(kind, 0.0)) / total:.1f}"
                for kind in sorted(cpu_after)
                if cpu_after[kind] - cpu_before.get(kind, 0.0) > 0.05
            )
        )
    finally:
        farm.stop()
        from domain.db import engine_for

        engine_for(settings.database_url).dispose()
        services.drop_database(pg, name)


if __name__ == "__main__":
    main()
