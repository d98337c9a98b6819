"""A webhook host whose DNS server never answers, named at request time (a job, a batch, a webhook
endpoint), on PostgreSQL as on SQLite: the request answers 422 webhook_url_unresolvable by the
look-up deadline while the name look-up is still stuck, stores nothing, and a tenant's flood of
such requests is shed (503 webhook_lookup_busy) before it can hold the API's threads or the
look-up pool, so another tenant's job with a good webhook is taken.

The system resolver is replaced by one that blocks, until the test ends, on any host under
``stuck.example``: requests returning while it is still blocked cannot have waited for it.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from domain.models import Job
from tasks import webhook_lookups
from tests.integration.databases import on_database
from tests.integration.test_bad_input import JOB, _stored
from tests.stubs import RecordingSender
from tests.unit.api.test_requests import assert_problem

pytestmark = pytest.mark.integration

GOOD = "https://hooks.good.example/done"
PUBLIC = "93.184.216.34"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def dns_farm(request, tmp_path_factory):
    """An API on each database with short look-up bounds: 0.5 s, 4 threads, 2 per tenant."""
    from api.app import create_app

    settings, sessions = on_database(
        request,
        tmp_path_factory.mktemp(f"dns-{request.param}"),
        webhook_lookup_timeout_s=0.5,
        webhook_lookup_threads=4,
        webhook_lookup_per_tenant=2,
    )
    yield create_app(settings, sender=RecordingSender()), sessions, settings


@pytest.fixture
def tenant(dns_farm):
    """A client for a new tenant of the farm."""
    from domain.tenants import create_key, get_or_create_tenant

    app, sessions, _ = dns_farm

    def make():
        with sessions() as session, session.begin():
            key = create_key(session, get_or_create_tenant(session, f"t-{uuid.uuid4().hex[:8]}"))
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return client

    return make


@dataclasses.dataclass
class StuckResolver:
    release: threading.Event
    asked: list[str]
    blocked: int = 0  # look-ups inside the resolver right now


@pytest.fixture
def resolver(monkeypatch):
    """getaddrinfo that never answers for *.stuck.example (until the test ends), answers a public address
    for *.good.example and fails for anything else. A fresh look-up pool for each test."""
    stuck = StuckResolver(threading.Event(), [])
    lock = threading.Lock()

    def getaddrinfo(host, port, *args, **kwargs):
        with lock:
            stuck.asked.append(host)
        if host.endswith("stuck.example"):
            with lock:
                stuck.blocked += 1
            stuck.release.wait(60)
            with lock:
                stuck.blocked -= 1
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if host.endswith("good.example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port))]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(webhook_lookups, "_pool", None)
    try:
        yield stuck
    finally:
        stuck.release.set()


def _still_stuck(resolver: StuckResolver) -> None:
    """The answer came while a look-up was still inside the blocked resolver."""
    assert not resolver.release.is_set() and resolver.blocked >= 1


def test_a_job_naming_a_host_that_never_answers_is_a_422_before_the_look_up_ends(dns_farm, tenant, resolver):
    _, sessions, settings = dns_farm
    before = _stored(sessions, settings)
    response = tenant().post("/v1/jobs", json={**JOB, "webhook_url": "https://a.stuck.example/hook"})
    body = assert_problem(response, 422, "webhook_url_unresolvable")
    assert "did not answer" in body["detail"]
    _still_stuck(resolver)
    assert _stored(sessions, settings) == before


def test_a_webhook_endpoint_naming_a_host_that_never_answers_is_a_422(dns_farm, tenant, resolver):
    _, sessions, settings = dns_farm
    before = _stored(sessions, settings)
    response = tenant().post("/v1/webhooks", json={"url": "https://b.stuck.example/hook", "events": ["job.succeeded"]})
    assert_problem(response, 422, "webhook_url_unresolvable")
    _still_stuck(resolver)
    assert _stored(sessions, settings) == before


def test_a_batch_looks_up_within_one_deadline_and_refuses_whole(dns_farm, tenant, resolver):
    """The stuck host takes the batch's whole deadline; the hosts after it are not looked up at all."""
    _, sessions, settings = dns_farm
    before = _stored(sessions, settings)
    jobs = [
        {**JOB, "webhook_url": "https://c.stuck.example/hook"},
        {**JOB, "webhook_url": "https://one.good.example/hook"},
        {**JOB, "webhook_url": "https://two.good.example/hook"},
        {**JOB, "webhook_url": "https://c.stuck.example/again"},
    ]
    body = assert_problem(tenant().post("/v1/batches", json={"jobs": jobs}), 422, "batch_invalid")
    assert {index: e["code"] for index, e in body["errors"].items()} == {
        str(i): "webhook_url_unresolvable" for i in range(4)
    }
    _still_stuck(resolver)
    assert resolver.asked == ["c.stuck.example"]
    assert _stored(sessions, settings) == before


def test_a_flood_of_stuck_look_ups_is_shed_and_another_tenant_is_served(dns_farm, tenant, resolver):
    _, sessions, settings = dns_farm
    before = _stored(sessions, settings)
    hostile = [tenant() for _ in range(8)]  # one hostile tenant, a client per thread
    key = hostile[0].environ_base["HTTP_AUTHORIZATION"]
    for client in hostile:
        client.environ_base["HTTP_AUTHORIZATION"] = key

    def post(i):
        response = hostile[i].post("/v1/jobs", json={**JOB, "webhook_url": f"https://h{i}.stuck.example/hook"})
        return response.status_code, response.get_json()["code"], response.headers.get("Retry-After")

    with ThreadPoolExecutor(8) as threads:
        answers = list(threads.map(post, range(8)))
    _still_stuck(resolver)
    assert {code for _, code, _ in answers} <= {"webhook_url_unresolvable", "webhook_lookup_busy"}
    shed = [a for a in answers if a[1] == "webhook_lookup_busy"]
    assert len(shed) >= 8 - settings.webhook_lookup_per_tenant, answers
    assert all(status == 503 and retry_after for status, _, retry_after in shed)
    # the tenant's share stays held by its stuck look-ups after its requests answered
    assert sum(host.endswith("stuck.example") for host in resolver.asked) <= settings.webhook_lookup_per_tenant
    later = hostile[0].post("/v1/jobs", json={**JOB, "webhook_url": "https://later.stuck.example/hook"})
    assert_problem(later, 503, "webhook_lookup_busy")
    assert _stored(sessions, settings) == before

    good = tenant().post("/v1/jobs", json={**JOB, "webhook_url": GOOD})
    assert good.status_code == 202, good.get_json()
    with sessions() as session:
        assert session.get(Job, good.get_json()["id"]).webhook_url == GOOD


def test_when_every_look_up_thread_is_stuck_others_are_shed_but_address_literals_pass(dns_farm, tenant, resolver):
    """Two hostile tenants hold the pool's 4 threads: a third tenant's named host is a 503 (not a wait),
    and its webhook given as an address, which needs no look-up, is taken."""
    _, sessions, settings = dns_farm
    for name in ("x", "y"):
        client = tenant()
        for i in range(settings.webhook_lookup_per_tenant):
            response = client.post("/v1/jobs", json={**JOB, "webhook_url": f"https://{name}{i}.stuck.example/"})
            assert_problem(response, 422, "webhook_url_unresolvable")
    _still_stuck(resolver)
    before = _stored(sessions, settings)
    third = tenant()
    assert_problem(third.post("/v1/jobs", json={**JOB, "webhook_url": GOOD}), 503, "webhook_lookup_busy")
    assert _stored(sessions, settings) == before
    literal = third.post("/v1/jobs", json={**JOB, "webhook_url": f"https://{PUBLIC}/hook"})
    assert literal.status_code == 202, literal.get_json()
    assert PUBLIC not in resolver.asked
    # an operator sees it on /metrics: the look-ups still held, and why requests were refused
    metrics = third.get("/metrics").get_data(as_text=True)
    held = 2 * settings.webhook_lookup_per_tenant
    assert f"talkfarm_webhook_lookups_running {held}.0" in metrics
    assert f'talkfarm_webhook_lookups_refused_total{{reason="deadline"}} {held}.0' in metrics
    assert 'talkfarm_webhook_lookups_refused_total{reason="all_threads"} 1.0' in metrics


def test_many_requests_naming_one_stuck_host_share_one_look_up(dns_farm, tenant, resolver):
    """After the first request's deadline, the look-up it left behind answers the next ones at once."""
    client = tenant()
    for _ in range(5):
        response = client.post("/v1/jobs", json={**JOB, "webhook_url": "https://same.stuck.example/hook"})
        assert_problem(response, 422, "webhook_url_unresolvable")
    _still_stuck(resolver)
    assert resolver.asked == ["same.stuck.example"]


def _hold_share(client, settings, name: str) -> None:
    """The tenant's whole share held by look-ups still stuck after their requests answered."""
    for i in range(settings.webhook_lookup_per_tenant):
        response = client.post("/v1/jobs", json={**JOB, "webhook_url": f"https://{name}{i}.stuck.example/"})
        assert_problem(response, 422, "webhook_url_unresolvable")


def test_a_batch_beyond_the_tenants_share_is_a_503_as_a_whole(dns_farm, tenant, resolver):
    """Not batch_invalid: the items are not at fault, and the client should simply try again later."""
    _, sessions, settings = dns_farm
    client = tenant()
    _hold_share(client, settings, "share")
    before = _stored(sessions, settings)
    jobs = [{**JOB, "webhook_url": GOOD}, {**JOB, "webhook_url": "https://d.stuck.example/hook"}]
    response = client.post("/v1/batches", json={"jobs": jobs})
    assert_problem(response, 503, "webhook_lookup_busy")
    assert response.headers["Retry-After"]
    _still_stuck(resolver)
    assert _stored(sessions, settings) == before


def test_template_renders_and_template_batches_take_the_same_deadline(dns_farm, tenant, resolver):
    from tests.templates_fixtures import NEWS, rows

    _, sessions, settings = dns_farm
    client = tenant()
    template = client.post("/v1/templates", json=NEWS)
    assert template.status_code == 201, template.get_json()
    template_id = template.get_json()["id"]
    before = _stored(sessions, settings)
    one = client.post(
        f"/v1/templates/{template_id}/jobs",
        json={"variables": rows(1)[0], "webhook_url": "https://e.stuck.example/hook"},
    )
    assert_problem(one, 422, "webhook_url_unresolvable")
    many = client.post(
        "/v1/batches",
        json={"template_id": template_id, "rows": [{**r, "webhook_url": "https://f.stuck.example/"} for r in rows(3)]},
    )
    body = assert_problem(many, 422, "batch_invalid")
    assert {e["code"] for e in body["errors"].values()} == {"webhook_url_unresolvable"}
    _still_stuck(resolver)
    assert _stored(sessions, settings) == before
