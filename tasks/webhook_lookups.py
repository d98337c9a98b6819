"""Webhook host look-ups made while a request waits (POST /v1/jobs, batches, template renders,
POST /v1/webhooks), with a deadline and a bounded share per tenant.

getaddrinfo cannot be interrupted, and the system resolver waits on a DNS server that never
answers for 5 s × attempts × servers. So a look-up runs on a small pool, the request waits for it
at most ``TALKFARM_WEBHOOK_LOOKUP_TIMEOUT_S`` (then 422 ``webhook_url_unresolvable``), and a
look-up past its deadline is left to finish on the pool.

A slow look-up still holds its pool thread after its request has answered, so the pool could be
filled by one tenant naming hosts whose DNS never answers. Each tenant may therefore hold at most
``TALKFARM_WEBHOOK_LOOKUP_PER_TENANT`` running look-ups and as many API threads waiting on one;
beyond either, its request is a 503 ``webhook_lookup_busy`` (at once, or after at most
``QUICK_LOOKUP_S`` when it names a host already being looked up), so a hostile tenant's extra
requests cost next to nothing and the other tenants keep the rest of the pool and of the API's
threads. Only when enough tenants hold their whole share to fill the pool does anyone else see the
503: a pool-wide limit alone would let one tenant turn every tenant's webhook into a 503.

Requests naming a host already being looked up wait on that look-up instead of starting another
(a client posting many jobs in parallel to one receiver takes one pool thread, and its requests
beyond its share are answered when that quick look-up is), and a look-up that has already outlasted
a deadline is not waited on again: the request is a 422 at once.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from domain.config import Settings
from domain.errors import ProblemError
from tasks import webhook_targets
from tasks.webhook_targets import IPAddress, check_webhook_url

#: what a shed request is told to wait: a held thread is freed when the system resolver gives up
BUSY_RETRY_AFTER_S = 10
#: how the API's reference describes the 503 of a request that names a webhook host
BUSY_DOC = "`webhook_lookup_busy`: webhook host look-ups of this tenant (or all of them) are stuck on DNS"
#: how long a request beyond its tenant's share of waiting threads may still wait on a look-up already
#: running (a client posting jobs in parallel to one receiver): a healthy look-up answers well within it
QUICK_LOOKUP_S = 0.25


class LookupBusy(ProblemError):
    """503: this tenant's share of the look-up pool, or the whole pool, is held by slow look-ups.
    A batch refuses as a whole with it, not item by item: the items are not at fault."""

    def __init__(self, whose: str):
        super().__init__(
            "webhook_lookup_busy",
            f"Webhook host look-ups are waiting on DNS servers that do not answer ({whose}); "
            "the webhook URL was not checked and nothing was created. Try again later.",
            503,
            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )


def too_late(host: str, timeout_s: float) -> ProblemError:
    return ProblemError(
        "webhook_url_unresolvable",
        f"The webhook host {host!r} did not answer a name look-up within {timeout_s:g} s.",
        422,
    )


@dataclass
class _Lookup:
    future: Future[list[IPAddress]]
    started: float


class LookupPool:
    """The look-up threads of one API process and who holds them."""

    def __init__(self, threads: int, per_tenant: int, timeout_s: float):
        self.threads, self.per_tenant, self.timeout_s = threads, per_tenant, timeout_s
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook-lookup")
        self._lock = threading.Lock()
        self._running: dict[tuple[str, int], _Lookup] = {}
        self._started_by: Counter[str] = Counter()  # running look-ups per tenant, slow ones past their request included
        self._waiting: Counter[str] = Counter()  # API threads per tenant waiting on a look-up
        self.beyond_share = 0  # requests waiting briefly beyond their tenant's share (QUICK_LOOKUP_S)
        #: requests refused since the process started, by why: ``deadline`` (422 webhook_url_unresolvable),
        #: ``tenant_share`` and ``all_threads`` (503 webhook_lookup_busy); /metrics shows them
        self.refused: Counter[str] = Counter()

    def resolve(self, tenant_id: str, host: str, port: int, deadline: float) -> list[IPAddress]:
        """``host``'s addresses, or a 422 at ``deadline`` (time.monotonic()), or a 503 at once when the
        tenant's share or the pool is held."""
        now = time.monotonic()
        if now >= deadline:
            raise self._refused("deadline", too_late(host, self.timeout_s))
        key = (host.lower(), port)
        started = False
        with self._lock:
            lookup = self._running.get(key)
            if lookup is not None and now - lookup.started >= self.timeout_s:
                # it outlasted an earlier request's deadline already
                raise self._count("deadline", too_late(host, self.timeout_s))
            within_share = self._waiting[tenant_id] < self.per_tenant
            if lookup is None:
                if not within_share or self._started_by[tenant_id] >= self.per_tenant:
                    raise self._count("tenant_share", LookupBusy("this account's share"))
                if sum(self._started_by.values()) >= self.threads:
                    raise self._count("all_threads", LookupBusy("every look-up thread"))
                lookup = _Lookup(self._executor.submit(webhook_targets.resolve, host, port), now)
                self._running[key] = lookup
                self._started_by[tenant_id] += 1
                started = True
            if within_share:
                self._waiting[tenant_id] += 1
                wait_until = deadline
            else:  # beyond the share, a request waits only as long as a healthy look-up takes
                wait_until = min(deadline, lookup.started + QUICK_LOOKUP_S)
                if wait_until <= now:
                    raise self._count("tenant_share", LookupBusy("this account's share"))
                self.beyond_share += 1
        if started:  # outside the lock: a look-up already done runs its callback here, at once
            lookup.future.add_done_callback(lambda _: self._finished(key, tenant_id))
        try:
            return lookup.future.result(timeout=max(0.0, wait_until - time.monotonic()))
        except FutureTimeout:
            if within_share or wait_until >= deadline:
                raise self._refused("deadline", too_late(host, self.timeout_s)) from None
            raise self._refused("tenant_share", LookupBusy("this account's share")) from None
        finally:
            with self._lock:
                if within_share:
                    self._drop(self._waiting, tenant_id)
                else:
                    self.beyond_share -= 1

    def _count(self, reason: str, problem: ProblemError) -> ProblemError:
        """``problem``, counted under ``reason``; the caller holds the lock."""
        self.refused[reason] += 1
        return problem

    def _refused(self, reason: str, problem: ProblemError) -> ProblemError:
        """``problem``, counted under ``reason``."""
        with self._lock:
            return self._count(reason, problem)

    def snapshot(self) -> tuple[int, dict[str, int]]:
        """Look-ups running now (slow ones past their request included), and the requests refused so far by why."""
        with self._lock:
            return len(self._running), dict(self.refused)

    def _finished(self, key: tuple[str, int], tenant_id: str) -> None:
        with self._lock:
            self._running.pop(key, None)
            self._drop(self._started_by, tenant_id)

    @staticmethod
    def _drop(counter: Counter[str], tenant_id: str) -> None:
        counter[tenant_id] -= 1
        if counter[tenant_id] <= 0:
            del counter[tenant_id]


_pool: LookupPool | None = None
_pool_lock = threading.Lock()


def lookup_pool(settings: Settings) -> LookupPool:
    """This process's pool, made on first use (again when the settings change: tests)."""
    global _pool
    with _pool_lock:
        shape = (settings.webhook_lookup_threads, settings.webhook_lookup_per_tenant, settings.webhook_lookup_timeout_s)
        if _pool is None or (_pool.threads, _pool.per_tenant, _pool.timeout_s) != shape:
            _pool = LookupPool(*shape)
        return _pool


def lookup_snapshot() -> tuple[int, dict[str, int]] | None:
    """This process's pool's ``snapshot``, or None before its first look-up."""
    with _pool_lock:
        pool = _pool
    return pool.snapshot() if pool is not None else None


def check_in_time(url: str, settings: Settings, tenant_id: str, *, deadline: float | None = None) -> list[IPAddress]:
    """check_webhook_url with its look-up on the pool, answered by ``deadline`` (default: the
    setting's deadline from now). An address literal needs no DNS and takes no thread."""
    if deadline is None:
        deadline = time.monotonic() + settings.webhook_lookup_timeout_s
    pool = lookup_pool(settings)

    def lookup(host: str, port: int) -> list[IPAddress]:
        if webhook_targets.is_ip(host):
            return [ipaddress.ip_address(host.strip("[]").split("%")[0])]
        return pool.resolve(tenant_id, host, port, deadline)

    return check_webhook_url(url, settings, lookup=lookup)


def request_checker(tenant_id: str):
    """A ``check_webhook(url, settings)`` for one request of this tenant."""
    return lambda url, settings: check_in_time(url, settings, tenant_id)
