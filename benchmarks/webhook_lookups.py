"""Other tenants' jobs keep being taken while one tenant names webhook hosts whose DNS never answers.

Runs the API (Flask app on SQLite, no broker) on a pool of ``--threads`` request threads, as one
``talkfarm api`` process has, and hands it one interleaved stream of ``POST /v1/jobs``, one every
``--interval`` seconds: tenant ``hostile`` names a new host under ``stuck.example`` each time (the
stand-in resolver blocks on it for ``--resolver-wait`` seconds, as the system resolver does on a DNS
server that never answers, then fails), tenants ``good-1..4`` name ``hooks.good.example`` (answered
at once).

For each configuration it prints the good tenants' requests taken (202) and their latency from
hand-out to answer (p50, p95, max), the hostile requests' answers by code, the most request threads
the hostile tenant held at once, and the process's CPU seconds:

- ``limits on``: the defaults (2 s look-up deadline, 16 look-up threads, 2 per tenant);
- ``no deadline``: the look-up made in the request thread, as before (each hostile request holds its
  thread for the whole resolver wait).

    python benchmarks/webhook_lookups.py --good 200 --hostile 50 --resolver-wait 10 --interval 0.02
"""

from __future__ import annotations

import argparse
import resource
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app  # noqa: E402
from domain.config import Settings  # noqa: E402
from domain.db import session_factory, upgrade  # noqa: E402
from domain.tenants import create_key, get_or_create_tenant  # noqa: E402
from tasks import webhook_lookups  # noqa: E402
from tasks.webhook_targets import check_webhook_url  # noqa: E402
from tests.stubs import RecordingSender  # noqa: E402

JOB = {"script": "Hello from the newsroom.", "avatar": "astronaut"}


def stand_in_resolver(wait_s: float):
    def getaddrinfo(host, port, *args, **kwargs):
        if host.endswith("stuck.example"):
            time.sleep(wait_s)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    return getaddrinfo


def run(config: str, args, folder: Path) -> dict:
    settings = Settings.from_env({}, data_dir=folder, pools=("cpu",), tenant_max_in_flight=100_000)
    upgrade(settings)
    sessions = session_factory(settings)
    with sessions() as session, session.begin():
        keys = {
            name: create_key(session, get_or_create_tenant(session, f"{name}-{uuid.uuid4().hex[:6]}"))
            for name in ("hostile", "good-1", "good-2", "good-3", "good-4")
        }
    app = create_app(settings, sender=RecordingSender())
    webhook_lookups._pool = None
    real_check = webhook_lookups.check_in_time
    if config == "no deadline":
        webhook_lookups.check_in_time = lambda url, s, tenant_id, deadline=None: check_webhook_url(url, s)  # type: ignore[assignment]
    stream: list[tuple[str, str]] = []
    good_names = [n for n in keys if n != "hostile"]
    every = max(1, args.good // max(1, args.hostile))
    for i in range(args.good):
        if i % every == 0 and sum(1 for n, _ in stream if n == "hostile") < args.hostile:
            stream.append(("hostile", f"https://h{len(stream)}.stuck.example/hook"))
        stream.append((good_names[i % len(good_names)], "https://hooks.good.example/done"))
    held, most_held, lock = 0, 0, threading.Lock()
    local = threading.local()

    def post(name: str, url: str, handed: float):
        nonlocal held, most_held
        if not hasattr(local, "clients"):
            local.clients = {}
        client = local.clients.get(name)
        if client is None:
            client = local.clients[name] = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys[name]}"
        if name == "hostile":
            with lock:
                held += 1
                most_held = max(most_held, held)
        try:
            response = client.post("/v1/jobs", json={**JOB, "webhook_url": url})
        finally:
            if name == "hostile":
                with lock:
                    held -= 1
        body = response.get_json() or {}
        return name, response.status_code, body.get("code"), time.monotonic() - handed

    post("good-1", "https://hooks.good.example/done", time.monotonic())  # warm-up: first-request costs
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    with ThreadPoolExecutor(args.threads) as threads:
        futures = []
        for name, url in stream:
            futures.append(threads.submit(post, name, url, time.monotonic()))
            time.sleep(args.interval)
        answers = [f.result() for f in futures]
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    webhook_lookups.check_in_time = real_check
    good = [a for a in answers if a[0] != "hostile"]
    latencies = sorted(a[3] for a in good)
    return {
        "config": config,
        "good taken": f"{sum(a[1] == 202 for a in good)}/{len(good)}",
        "good p50 s": statistics.median(latencies),
        "good p95 s": latencies[int(0.95 * (len(latencies) - 1))],
        "good max s": latencies[-1],
        "hostile answers": dict(Counter(f"{a[1]} {a[2]}" for a in answers if a[0] == "hostile")),
        "hostile threads at once": most_held,
        "cpu s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--good", type=int, default=200)
    parser.add_argument("--hostile", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8, help="request threads, as one API process has")
    parser.add_argument("--resolver-wait", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between requests handed out")
    parser.add_argument("--configs", default="limits on,no deadline")
    args = parser.parse_args()
    socket.getaddrinfo = stand_in_resolver(args.resolver_wait)  # type: ignore[assignment]
    import logging

    logging.disable(logging.WARNING)
    rows = []
    for config in args.configs.split(","):
        with tempfile.TemporaryDirectory() as folder:
            rows.append(run(config, args, Path(folder)))
    print(
        f"{args.good} good + {args.hostile} hostile requests, one every {args.interval:g} s, "
        f"{args.threads} request threads, resolver wait {args.resolver_wait:g} s"
    )
    print(
        "| configuration | good taken | good p50 s | good p95 s | good max s | hostile answers "
        "| hostile threads at once | CPU s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["hostile answers"].items()))
        print(
            f"| {r['config']} | {r['good taken']} | {r['good p50 s']:.3f} | {r['good p95 s']:.3f} "
            f"| {r['good max s']:.3f} | {answers} | {r['hostile threads at once']} | {r['cpu s']:.1f} |"
        )


if __name__ == "__main__":
    main()
