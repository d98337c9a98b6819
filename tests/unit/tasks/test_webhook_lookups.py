"""The request-time look-up pool's shares, without the API: a tenant's requests beyond its share
still get a quick look-up's answer (a client posting in parallel to one receiver), but wait on a
stuck one only QUICK_LOOKUP_S before a 503; the pool's threads are counted until the resolver
returns, not until the request stops waiting. The API's side: tests/integration/test_bad_input_webhook_dns.py."""

from __future__ import annotations

import ipaddress
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from domain.errors import ProblemError
from tasks import webhook_lookups, webhook_targets
from tasks.webhook_lookups import LookupBusy, LookupPool

PUBLIC = ipaddress.ip_address("93.184.216.34")


@pytest.fixture
def gate(monkeypatch):
    """webhook_targets.resolve held until the test opens the gate; it records what it was asked."""
    opened = threading.Event()
    asked: list[str] = []

    def resolve(host, port):
        asked.append(host)
        opened.wait(30)
        return [PUBLIC]

    monkeypatch.setattr(webhook_targets, "resolve", resolve)
    try:
        yield opened, asked
    finally:
        opened.set()


def _until(condition, within_s: float = 20.0) -> None:
    end = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < end, "the pool never reached the state the test waits for"
        time.sleep(0.005)


def _outcome(call):
    try:
        return call()
    except ProblemError as problem:
        return problem.code


def test_a_tenants_parallel_requests_to_one_host_share_one_look_up_beyond_its_share(gate, monkeypatch):
    opened, asked = gate
    monkeypatch.setattr(webhook_lookups, "QUICK_LOOKUP_S", 30.0)  # the test opens the gate, not a clock
    pool = LookupPool(threads=4, per_tenant=2, timeout_s=30.0)
    deadline = time.monotonic() + 30

    def call():
        return _outcome(lambda: pool.resolve("cms", "hooks.example.com", 443, deadline))

    with ThreadPoolExecutor(6) as threads:
        answers = [threads.submit(call) for _ in range(6)]
        _until(lambda: pool._waiting["cms"] == 2 and pool.beyond_share == 4)
        opened.set()
        results = [a.result() for a in answers]
    assert results == [[PUBLIC]] * 6
    assert asked == ["hooks.example.com"]


def test_beyond_its_share_a_tenant_waits_on_a_stuck_look_up_only_briefly(gate, monkeypatch):
    opened, asked = gate
    monkeypatch.setattr(webhook_lookups, "QUICK_LOOKUP_S", 0.05)
    pool = LookupPool(threads=4, per_tenant=2, timeout_s=30.0)
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(2) as threads:
        held = [threads.submit(pool.resolve, "hostile", "stuck.example", 443, deadline) for _ in range(2)]
        _until(lambda: pool._waiting["hostile"] == 2)
        with pytest.raises(LookupBusy) as busy:
            pool.resolve("hostile", "stuck.example", 443, deadline)
        assert busy.value.status == 503 and busy.value.headers["Retry-After"]
        with pytest.raises(LookupBusy):  # a new host would need a new thread: shed at once
            pool.resolve("hostile", "other.stuck.example", 443, deadline)
        assert not opened.is_set() and not any(h.done() for h in held)
        assert pool.snapshot() == (1, {"tenant_share": 2})  # what /metrics shows an operator
        opened.set()
        assert [h.result() for h in held] == [[PUBLIC], [PUBLIC]]
    assert asked == ["stuck.example"]


def _ask(pool: LookupPool, tenant: str, host: str, within_s: float):
    return _outcome(lambda: pool.resolve(tenant, host, 443, time.monotonic() + within_s))


def test_a_look_up_past_its_deadline_holds_its_thread_until_the_resolver_returns(gate):
    opened, asked = gate
    pool = LookupPool(threads=2, per_tenant=1, timeout_s=0.05)
    assert _ask(pool, "a", "a.stuck.example", 0.05) == "webhook_url_unresolvable"
    assert _ask(pool, "b", "b.stuck.example", 0.05) == "webhook_url_unresolvable"
    # both requests answered; both threads still held: a third tenant is shed, not queued
    assert _ask(pool, "c", "good.example", 5) == "webhook_lookup_busy"
    # and the same stuck host asked again is refused at once, without another look-up
    assert _ask(pool, "c", "a.stuck.example", 5) == "webhook_url_unresolvable"
    assert pool.snapshot() == (2, {"deadline": 3, "all_threads": 1})
    opened.set()
    _until(lambda: not pool._running)
    assert _ask(pool, "c", "good.example", 5) == [PUBLIC]
    assert asked == ["a.stuck.example", "b.stuck.example", "good.example"]
    assert pool.snapshot() == (0, {"deadline": 3, "all_threads": 1})
