"""The previews one API process draws at once are shared by its tenants: one tenant's previews, however many and
however slow, cannot keep another tenant's preview out; a tenant's own excess waits, or is its own 503."""

from __future__ import annotations

import threading

import pytest

from domain.errors import ProblemError
from tests.unit.api.bearer import client
from tests.unit.api.test_previews import COMPOSED, frame_of
from tests.unit.api.test_requests import assert_problem

#: the moment tenant beta's previews ask for: their drawing is held until the test lets it go
HELD_AT_S = 2.0


class Farm:
    """Previews sent from threads, beta's held in their drawing step (``HELD_AT_S``) until ``finish_one``; each
    request is seen past its checks, just before it waits for a slot (``sent`` returns then)."""

    def __init__(self, app, keys, monkeypatch):
        import api.intake
        import api.previews

        self.app, self.keys = app, keys
        self.answers: dict[str, object] = {}
        self.threads: list[threading.Thread] = []
        self._checked = threading.Semaphore(0)
        self._drawing = threading.Semaphore(0)
        self._finish = threading.Semaphore(0)
        real_check, real_still = api.intake.check_spec, api.previews.still

        def check_spec(*args, **kwargs):
            checked = real_check(*args, **kwargs)
            self._checked.release()
            return checked

        def still(composition, portrait, params, at_s, *args, **kwargs):
            if at_s == HELD_AT_S:
                self._drawing.release()
                assert self._finish.acquire(timeout=60), "the test never let this preview finish"
            return real_still(composition, portrait, params, at_s, *args, **kwargs)

        monkeypatch.setattr(api.intake, "check_spec", check_spec)
        monkeypatch.setattr(api.previews, "still", still)

    def sent(self, name: str, tenant: str, at_s: float) -> threading.Thread:
        def post() -> None:
            self.answers[name] = client(self.app, self.keys[tenant]).post(
                "/v1/previews", json={**COMPOSED, "at_s": at_s}
            )

        thread = threading.Thread(target=post, daemon=True)
        thread.start()
        self.threads.append(thread)
        assert self._checked.acquire(timeout=60), f"{name} was not checked"
        return thread

    def drawing(self, count: int) -> None:
        for _ in range(count):
            assert self._drawing.acquire(timeout=60), "a held preview never started drawing"

    def finish_one(self) -> None:
        self._finish.release()

    def finish_all(self) -> None:
        for _ in self.threads:
            self._finish.release()
        for thread in self.threads:
            thread.join(timeout=60)


def waiting_for_a_slot(count: int) -> None:
    """Wait until ``count`` requests wait for a slot (a request does a few instructions after its check)."""
    import api.previews

    until(lambda: len(api.previews._slots.waiting()) == count, f"{count} requests waiting for a slot")


@pytest.fixture
def farm(app, keys, monkeypatch):
    import api.previews

    monkeypatch.setattr(api.previews, "BUSY_WAIT_S", 3.0)  # the old pool refused alpha after it; the test stays short
    made = Farm(app, keys, monkeypatch)
    yield made
    made.finish_all()


def test_a_tenant_holding_every_slot_with_more_waiting_does_not_keep_another_tenants_preview_out(farm):
    """Six heavy previews of one tenant held both slots and the queue: another tenant's trivial preview got 503
    preview_busy after 5 s, twice. The next slot freed goes to the tenant holding none, ahead of beta's queue."""

    for n in range(2):
        farm.sent(f"beta{n}", "beta", HELD_AT_S)
    farm.drawing(2)  # beta holds both slots, drawing slowly
    for n in range(2, 4):
        farm.sent(f"beta{n}", "beta", HELD_AT_S)  # and two more of beta's wait, first in line
    alpha = farm.sent("alpha", "alpha", 0.0)
    waiting_for_a_slot(3)  # every request is waiting for a slot now: the order is beta, beta, alpha
    farm.finish_one()  # one of beta's previews ends: its slot is alpha's, not the next of beta's
    alpha.join(timeout=60)
    frame = frame_of(farm.answers["alpha"])
    assert frame.shape == (360, 640, 3)
    assert {name for name in farm.answers} <= {"alpha", "beta0", "beta1"}  # beta's waiting previews still wait


def test_a_tenants_excess_is_its_own_503_at_once_and_another_tenant_is_still_drawn(farm, monkeypatch):
    import api.previews

    monkeypatch.setattr(api.previews, "BUSY_WAIT_S", 60.0)  # a refusal below cannot be a wait that ran out
    for n in range(2):
        farm.sent(f"beta{n}", "beta", HELD_AT_S)
    farm.drawing(2)
    for n in range(2, 2 + api.previews.PREVIEWS_WAITING_PER_TENANT):
        farm.sent(f"beta{n}", "beta", HELD_AT_S)
    waiting_for_a_slot(api.previews.PREVIEWS_WAITING_PER_TENANT)
    excess = farm.sent("beta-excess", "beta", HELD_AT_S)
    excess.join(timeout=30)
    refused = assert_problem(farm.answers["beta-excess"], 503, "preview_busy")  # at once: beta's queue is full
    assert refused and farm.answers["beta-excess"].headers["Retry-After"] == "2"
    alpha = farm.sent("alpha", "alpha", 0.0)
    waiting_for_a_slot(api.previews.PREVIEWS_WAITING_PER_TENANT + 1)
    farm.finish_one()
    alpha.join(timeout=60)
    assert frame_of(farm.answers["alpha"]).shape == (360, 640, 3)


def hold(slots, tenant: str, order: list[str], release: threading.Event, wait_s: float = 30.0) -> threading.Thread:
    """A thread that takes a slot for ``tenant``, notes it in ``order``, and holds it until ``release``."""

    def run() -> None:
        try:
            with slots.slot(tenant, wait_s):
                order.append(tenant)
                release.wait(30)
        except ProblemError as refused:
            order.append(f"{tenant}:{refused.code}")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def until(condition, what: str) -> None:
    import time

    for _ in range(3000):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(what)


def test_a_freed_slot_goes_to_the_tenant_holding_fewest_then_first_come():
    from api.previews import PreviewSlots

    slots = PreviewSlots(2, waiting_per_tenant=3)
    order: list[str] = []
    first, later = threading.Event(), threading.Event()
    held = [hold(slots, "b", order, first)]
    until(lambda: order == ["b"], "b holds a slot")
    held.append(hold(slots, "a", order, later))
    until(lambda: order == ["b", "a"], "both tenants hold a slot")
    waiting = []
    for queued, tenant in enumerate(("a", "a", "b"), start=1):  # a's two come first, but a holds a slot and b none
        waiting.append(hold(slots, tenant, order, later))
        until(lambda queued=queued: len(slots.waiting()) == queued, "queued")
    first.set()  # b's slot is freed: b's waiting request has it, ahead of a's that came first
    until(lambda: len(order) == 3, "the freed slot was taken")
    assert order == ["b", "a", "b"] and slots.waiting() == ["a", "a"]
    later.set()
    for thread in held + waiting:
        thread.join(timeout=30)
    assert order == ["b", "a", "b", "a", "a"] and slots.held() == {} and slots.waiting() == []


def test_a_tenant_alone_uses_every_slot_and_its_excess_is_refused():
    from api.previews import PreviewSlots

    slots = PreviewSlots(2, waiting_per_tenant=1)
    order: list[str] = []
    release = threading.Event()
    threads = [hold(slots, "a", order, release) for _ in range(2)]
    until(lambda: slots.held() == {"a": 2}, "a alone holds both slots")
    threads.append(hold(slots, "a", order, release))
    until(lambda: slots.waiting() == ["a"], "a's third waits")
    threads.append(hold(slots, "a", order, release))  # its fourth: a already has one waiting
    until(lambda: "a:preview_busy" in order, "a's fourth refused")
    threads.append(hold(slots, "b", order, release, wait_s=0.05))  # b waits, briefly, then is refused
    until(lambda: "b:preview_busy" in order, "b's wait ran out")
    assert slots.waiting() == ["a"]  # a refused request leaves the queue
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(order) == ["a", "a", "a", "a:preview_busy", "b:preview_busy"] and slots.held() == {}
