"""Webhook delivery cannot be turned into a trap or a probe (issue 21, Medium):
a trickling or endless receiver holds a delivery thread no longer than the
deadline and costs a capped read; a name that rebinds to loopback between the
check and the connect reaches nothing; refused and timed out look the same to
the tenant; one bad receiver holds a bounded number of threads."""

from __future__ import annotations

import dataclasses
import socket
import threading
import tracemalloc
from datetime import datetime

import pytest

from domain.timeutil import utcnow
from tasks import webhook_targets, webhooks
from tasks.webhook_breaker import ReceiverAdmission, ReceiverLimits
from tests.security.receivers import closed_port, deliver_here, receiver

BODY = b'{"type":"job.succeeded"}'


@pytest.fixture
def settings(sqlite_settings):
    return dataclasses.replace(
        sqlite_settings, webhook_allow_hosts=("127.0.0.1",), webhook_timeout_s=1.0, webhook_max_response_bytes=65536
    )


def _attempt_in_thread(settings, url, join_s=30.0):
    """Run one attempt in a thread; a test that would hang fails instead."""
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(result=webhooks.attempt(settings, url, BODY, {})), daemon=True)
    thread.start()
    thread.join(join_s)
    assert not thread.is_alive(), "the attempt was still running long after its deadline"
    return out["result"]


def test_a_trickling_receiver_is_cut_off_at_the_deadline(settings):
    with receiver("trickle") as slow:
        answer, error = _attempt_in_thread(settings, slow.url)
    assert answer is None and error == webhooks.NO_ANSWER.format(deadline=1.0)
    # one byte every 50 ms: about 20 bytes fit in the 1 s deadline (per-read timeouts alone never end it)
    assert 1 <= slow.bytes_sent < 200, slow.bytes_sent


def test_an_endless_body_is_read_only_up_to_the_cap(settings):
    with receiver("endless") as endless:
        tracemalloc.start()
        try:
            answer, error = _attempt_in_thread(settings, endless.url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert error is None and answer.status_code == 200
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
    # what the kernel's socket buffers took, not the endless body
    assert endless.bytes_sent < 64 * 1024 * 1024, endless.bytes_sent


def test_a_name_that_rebinds_to_loopback_after_the_check_reaches_nothing(sqlite_settings, monkeypatch):
    """The test's resolver answers a public address to the first look-up and loopback to any later one,
    as a TTL-0 rebinding name does. The delivery connects to the address that passed the check."""
    real = socket.getaddrinfo
    asked = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = "93.184.216.34" if len(asked) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    settings = dataclasses.replace(sqlite_settings, webhook_timeout_s=1.0)  # loopback is NOT allowed here
    with receiver("ok") as inside:
        answer, error = _attempt_in_thread(settings, f"http://rebind.example:{inside.port}/hook")
    assert inside.requests == 0, "the POST reached the loopback receiver through the rebinding name"
    assert answer is None and error.startswith("no_answer")
    assert len(asked) == 1  # resolved once, for the check; the connect used its answer


def test_refused_and_timed_out_read_the_same_in_the_deliveries_list(settings):
    with receiver("silent") as silent:
        _, timed_out = _attempt_in_thread(settings, silent.url)
    _, refused = _attempt_in_thread(settings, f"http://127.0.0.1:{closed_port()}/hook")
    assert timed_out == refused == webhooks.NO_ANSWER.format(deadline=1.0)


@pytest.mark.parametrize("address", ["2002:7f00:1::1", "2002:a00:1::1", "fec0::1", "fec0:1::5"])
def test_6to4_and_site_local_ipv6_targets_are_refused(sqlite_settings, monkeypatch, address):
    from domain.errors import ProblemError

    monkeypatch.setattr(webhook_targets, "resolve", lambda host, port: [webhook_targets.ipaddress.ip_address(address)])
    with pytest.raises(ProblemError) as refused:
        webhook_targets.check_webhook_url("https://hooks.example.com/x", sqlite_settings)
    assert refused.value.code == "webhook_url_forbidden"


def test_the_circuit_opens_after_failures_in_a_row_and_a_trial_closes_it():
    now = [0.0]
    limits = ReceiverLimits(per_receiver_in_flight=2, failures_to_open=3, cooldown_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert limits.admit("t1 http://a:80") == ReceiverAdmission.GO
        limits.release("t1 http://a:80", answered=False)
    assert limits.admit("t1 http://a:80") == ReceiverAdmission.OPEN
    assert (
        limits.admit("t2 http://a:80") == ReceiverAdmission.GO
    )  # another tenant's endpoint on the host is not affected
    now[0] = 61.0
    assert limits.admit("t1 http://a:80") == ReceiverAdmission.GO  # the one trial
    assert limits.admit("t1 http://a:80") == ReceiverAdmission.OPEN  # while it runs, others still fail fast
    limits.release("t1 http://a:80", answered=True)
    assert limits.admit("t1 http://a:80") == ReceiverAdmission.GO


def test_one_receiver_holds_at_most_its_in_flight_limit_of_attempts():
    limits = ReceiverLimits(per_receiver_in_flight=2, failures_to_open=5, cooldown_s=60)
    assert [limits.admit("t1 http://slow:80") for _ in range(3)] == [
        ReceiverAdmission.GO,
        ReceiverAdmission.GO,
        ReceiverAdmission.BUSY,
    ]
    assert limits.admit("t2 http://fast:80") == ReceiverAdmission.GO


def test_an_open_circuit_fails_the_delivery_without_touching_the_network(settings, sessions, monkeypatch):
    """deliver() end to end on SQLite: after the breaker opens, the receiver sees no more connections
    and the delivery records an attempt on its schedule."""
    from domain.models import Tenant, WebhookDelivery

    deliver_here(monkeypatch, settings, WEBHOOK_TIMEOUT_S=0.5, WEBHOOK_BREAKER_FAILURES=2)
    with receiver("silent") as silent:
        ids = []
        with sessions() as session, session.begin():
            tenant = Tenant(name="t", webhook_secret="whsec_" + "c" * 32)
            session.add(tenant)
            session.flush()
            for i in range(3):
                d = WebhookDelivery(
                    tenant_id=tenant.id,
                    url=silent.url,
                    event_id=f"m{i}",
                    event_type="job.failed",
                    payload={},
                    status="pending",
                )
                session.add(d)
                session.flush()
                ids.append(d.id)
        for delivery_id in ids:
            webhooks.deliver(delivery_id)
        assert silent.requests == 2  # the third never connected
        with sessions() as session:
            last = session.get(WebhookDelivery, ids[2])
            assert last.attempts == 1 and last.status == "pending"
            assert last.last_error == webhooks.CIRCUIT_OPEN


def test_the_deliveries_list_does_not_show_how_long_an_attempt_took(settings, sessions, monkeypatch):
    """An attempt is logged at its start, and its retry is scheduled from its start: a refused port
    (answered at once) and a filtered one (at the deadline) leave the same trace."""
    from domain.models import Tenant, WebhookDelivery

    deliver_here(monkeypatch, settings, WEBHOOK_TIMEOUT_S=1)
    traces = []
    with receiver("silent") as silent:
        for url in (silent.url, f"http://127.0.0.1:{closed_port()}/hook"):
            with sessions() as session, session.begin():
                tenant = Tenant(name=f"t{len(traces)}", webhook_secret="whsec_" + "c" * 32)
                session.add(tenant)
                session.flush()
                delivery = WebhookDelivery(
                    tenant_id=tenant.id, url=url, event_id="m", event_type="job.failed", payload={}, status="pending"
                )
                session.add(delivery)
                session.flush()
                delivery_id = delivery.id
            before = utcnow()
            webhooks.deliver(delivery_id)
            with sessions() as session:
                d = session.get(WebhookDelivery, delivery_id)
                at = datetime.fromisoformat(d.log[-1]["at"])
                # logged at the start; the first retry 5 s (±10 % jitter) after it, however long the attempt took
                traces.append(
                    (
                        d.last_error,
                        (at - before).total_seconds() < 0.5,
                        4.4 <= (d.next_attempt_at - at).total_seconds() <= 5.6,
                    )
                )
    assert traces[0] == traces[1] == (webhooks.NO_ANSWER.format(deadline=1.0), True, True), traces


def test_a_name_look_up_that_never_ends_holds_the_delivery_no_longer_than_the_deadline(settings, monkeypatch):
    """The test's resolver blocks until the test lets it go, which it does only after the attempt
    returned: an attempt that waited for the look-up would never return."""
    release = threading.Event()

    def stuck(host, port):
        release.wait(60)
        return [webhook_targets.ipaddress.ip_address("93.184.216.34")]

    monkeypatch.setattr(webhook_targets, "resolve", stuck)
    try:
        answer, error = _attempt_in_thread(settings, "https://slow-dns.example/hook", join_s=20)
    finally:
        release.set()
    assert answer is None and error == webhooks.NO_ANSWER.format(deadline=1.0)


def test_attempts_leave_no_thread_behind(settings):
    """Each attempt's watchdog ends with it, not at its deadline: twenty answered attempts under a
    60 s deadline leave the process with the threads it had (the receiver's own threads aside)."""
    import time

    patient = dataclasses.replace(settings, webhook_timeout_s=60.0)
    with receiver("ok") as fast:
        before = set(threading.enumerate())
        for _ in range(20):
            answer, error = _attempt_in_thread(patient, fast.url)
            assert error is None and answer.status_code == 200
        time.sleep(0.5)  # a cancelled watchdog's thread wakes and ends
        lingering = [
            t for t in set(threading.enumerate()) - before if t.is_alive() and getattr(t, "_target", None) is None
        ]  # receivers' threads have a target
    assert lingering == [], lingering
