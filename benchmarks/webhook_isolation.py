"""Other tenants' webhooks keep flowing while one tenant's receiver trickles.

Runs ``tasks.webhooks.deliver`` (the webhook worker's task) on a pool of 8
threads, as ``talkfarm worker --webhooks`` does, against receivers on loopback
(tests/security/receivers.py): tenant ``bad`` points at a receiver that sends
one byte every 50 ms and never finishes; tenants ``good-1..4`` at receivers
that answer 200 at once. Deliveries are handed to the pool in one interleaved
stream (one bad for every ``--ratio`` good), as the scheduler would.

For each configuration it prints the good tenants' deliveries per second, their
latency from hand-out to recorded (p50, p95, max), the most threads the bad
receiver held at once, and the process's peak memory:

- ``no bad receiver``: the baseline;
- ``limits on``: the defaults (deadline, 2 attempts in flight per receiver, circuit breaker);
- ``deadline only``: per-receiver limits turned off (in flight 1000, breaker never opens).

Before issue 21 the deadline did not exist: a trickling receiver held a thread
for as long as it trickled (here: forever), so that configuration cannot finish.

    python benchmarks/webhook_isolation.py --good 400 --bad 100 --deadline 2
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import logging  # noqa: E402

from domain.config import Settings  # noqa: E402
from domain.db import session_factory, upgrade  # noqa: E402
from domain.models import Tenant, WebhookDelivery  # noqa: E402
from tasks import webhooks  # noqa: E402
from tests.security.receivers import receiver  # noqa: E402


def run(config: str, args, folder: Path) -> dict:
    env = {
        "TALKFARM_DATA_DIR": str(folder),
        "TALKFARM_DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "TALKFARM_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "TALKFARM_WEBHOOK_TIMEOUT_S": str(args.deadline),
    }
    if config == "deadline only":
        env.update(TALKFARM_WEBHOOK_RECEIVER_IN_FLIGHT="1000", TALKFARM_WEBHOOK_BREAKER_FAILURES="1000000")
    os.environ.update(env)
    webhooks._limits = None  # this process's breaker, made afresh from the settings above
    settings = Settings.from_env()
    upgrade(settings)
    sessions = session_factory(settings)
    with ExitStack() as stack:
        bad = stack.enter_context(receiver("trickle"))
        goods = [stack.enter_context(receiver("ok")) for _ in range(4)]
        plan: list[tuple[str, str]] = []  # (tenant, url), interleaved
        n_bad = 0 if config == "no bad receiver" else args.bad
        good_i = bad_i = 0
        while good_i < args.good or bad_i < n_bad:
            if bad_i < n_bad and (good_i >= args.good or good_i % args.ratio == 0):
                plan.append(("bad", bad.url))
                bad_i += 1
            if good_i < args.good:
                plan.append((f"good-{good_i % 4 + 1}", goods[good_i % 4].url))
                good_i += 1
        ids: list[tuple[str, str]] = []
        with sessions() as session, session.begin():
            tenants = {}
            for name in ["bad"] + [f"good-{i}" for i in range(1, 5)]:
                tenants[name] = Tenant(name=f"{config}-{name}", webhook_secret="whsec_" + "A" * 32)
                session.add(tenants[name])
            session.flush()
            for n, (name, url) in enumerate(plan):
                d = WebhookDelivery(
                    tenant_id=tenants[name].id,
                    url=url,
                    event_id=f"msg_{n}",
                    event_type="job.succeeded",
                    payload={"type": "job.succeeded", "data": {"id": n}},
                    status="pending",
                )
                session.add(d)
                session.flush()
                ids.append((name, d.id))

        held, most_held, lock = 0, 0, threading.Lock()
        latencies: list[float] = []
        network_attempt = webhooks.attempt

        def counted_attempt(settings, url, body, headers):
            """A thread inside a network attempt to the trickler: what it holds."""
            nonlocal held, most_held
            if url != bad.url:
                return network_attempt(settings, url, body, headers)
            with lock:
                held += 1
                most_held = max(most_held, held)
            try:
                return network_attempt(settings, url, body, headers)
            finally:
                with lock:
                    held -= 1

        webhooks.attempt = counted_attempt

        def one(name: str, delivery_id: str, handed: float) -> None:
            try:
                webhooks.deliver(delivery_id)
            finally:
                if name != "bad":
                    latencies.append(time.monotonic() - handed)

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for name, delivery_id in ids:
                pool.submit(one, name, delivery_id, time.monotonic())
            while len(latencies) < args.good:
                time.sleep(0.01)
            good_done = time.monotonic() - start
        webhooks.attempt = network_attempt
        delivered = sum(g.requests for g in goods)
    ordered = sorted(latencies)
    return {
        "config": config,
        "good/s": args.good / good_done,
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "max": ordered[-1],
        "held": most_held,
        "delivered": delivered,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--good", type=int, default=400, help="deliveries to the good tenants' receivers")
    parser.add_argument("--bad", type=int, default=100, help="deliveries to the trickling receiver")
    parser.add_argument("--ratio", type=int, default=4, help="one bad delivery for every this many good ones")
    parser.add_argument("--deadline", type=float, default=2.0, help="TALKFARM_WEBHOOK_TIMEOUT_S")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    rows = []
    for config in ("no bad receiver", "limits on", "deadline only"):
        with tempfile.TemporaryDirectory() as folder:
            rows.append(run(config, args, Path(folder)))
    print(
        f"\n8 delivery threads; {args.good} good deliveries (4 tenants), {args.bad} to one trickling receiver; "
        f"deadline {args.deadline:g} s\n"
    )
    print(
        "| configuration | good delivered | good/s | p50 s | p95 s | max s | threads the trickler held | peak RSS MiB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['config']} | {r['delivered']} | {r['good/s']:.1f} | {r['p50']:.3f} | {r['p95']:.3f} | "
            f"{r['max']:.3f} | {r['held']} | {r['peak_mib']} |"
        )


if __name__ == "__main__":
    main()
