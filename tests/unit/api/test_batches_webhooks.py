"""Batches are all or nothing; webhooks are signed per Standard Webhooks,
refuse private targets, rotate secrets with an overlap, and retry on schedule."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

from domain.models import Batch, Job, WebhookDelivery
from tests.stubs import RecordingSender
from tests.unit.api.test_requests import assert_problem

JOB = {"script": "Hello.", "avatar": "astronaut"}


@pytest.fixture
def app(sqlite_settings):
    from api.app import create_app

    return create_app(sqlite_settings, sender=RecordingSender())


@pytest.fixture
def client(app, sessions):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "desk"))
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return c


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


# --- batches ---------------------------------------------------------------------------
def test_one_bad_item_refuses_the_whole_batch_with_errors_by_index(client, sessions):
    response = client.post(
        "/v1/batches", json={"jobs": [JOB, {**JOB, "params": {"fps": 999}}, JOB, {"avatar": "nobody", "script": "x"}]}
    )
    body = assert_problem(response, 422, "batch_invalid")
    assert set(body["errors"]) == {"1", "3"}
    assert body["errors"]["3"]["code"] == "avatar_unknown"
    assert "fps" in json.dumps(body["errors"]["1"])
    assert count(sessions, Job) == 0 and count(sessions, Batch) == 0


def test_template_fills_each_script_and_a_missing_variable_is_an_item_error(client, sessions):
    ok = client.post(
        "/v1/batches",
        json={
            "template": "Hello {{name}}!",
            "defaults": {"avatar": "astronaut"},
            "jobs": [{"variables": {"name": "Ada"}}, {"variables": {"name": "Bo"}}],
        },
    )
    assert ok.status_code == 201, ok.get_data(as_text=True)
    with sessions() as session:
        scripts = sorted(j.spec["script"] for j in session.scalars(sa.select(Job)))
    assert scripts == ["Hello Ada!", "Hello Bo!"]
    bad = client.post(
        "/v1/batches",
        json={
            "template": "Hello {{name}}!",
            "defaults": {"avatar": "astronaut"},
            "jobs": [{"variables": {"nom": "Ada"}}],
        },
    )
    assert assert_problem(bad, 422, "batch_invalid")["errors"]["0"]["code"] == "template_variable_missing"


def test_jsonl_upload_makes_a_batch_and_reports_counts(client):
    lines = "\n".join(json.dumps({**JOB, "script": f"Line {i}."}) for i in range(3))
    response = client.post(
        "/v1/batches", data={"file": (io.BytesIO(lines.encode()), "jobs.jsonl")}, content_type="multipart/form-data"
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    batch = response.get_json()
    assert batch["size"] == 3 and batch["counts"]["queued"] == 3
    assert client.get(f"/v1/batches/{batch['id']}").get_json()["job_ids"] == batch["job_ids"]
    listed = client.get("/v1/jobs", query_string={"batch_id": batch["id"]}).get_json()["items"]
    assert sorted(j["id"] for j in listed) == sorted(batch["job_ids"])


def test_batch_above_the_limit_is_413_and_creates_nothing(client, sessions):
    assert_problem(client.post("/v1/batches", json={"jobs": [JOB] * 1001}), 413, "batch_too_large")
    assert count(sessions, Job) == 0


def test_unreadable_upload_is_refused(client):
    response = client.post(
        "/v1/batches", data={"file": (io.BytesIO(b"{not json\n"), "jobs.jsonl")}, content_type="multipart/form-data"
    )
    assert_problem(response, 422, "batch_unreadable")


def test_tenant_beyond_its_in_flight_limit_gets_429_with_retry_after(sqlite_settings, sessions):
    from api.app import create_app
    from domain.tenants import create_key, get_or_create_tenant

    limited = create_app(dataclasses.replace(sqlite_settings, tenant_max_in_flight=3), sender=RecordingSender())
    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "small"))
    c = limited.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    for _ in range(3):
        assert c.post("/v1/jobs", json=JOB).status_code == 202
    refused = c.post("/v1/jobs", json=JOB)
    assert_problem(refused, 429, "too_many_jobs_in_flight")
    assert int(refused.headers["Retry-After"]) > 0
    assert_problem(c.post("/v1/batches", json={"jobs": [JOB]}), 429, "too_many_jobs_in_flight")


def test_batches_are_listed_newest_first_with_counts_and_a_cursor(client, app, sessions):
    from domain.tenants import create_key, get_or_create_tenant

    made = [
        client.post("/v1/batches", json={"jobs": [JOB] * n, "metadata": {"n": n}}).get_json()["id"] for n in (1, 2, 3)
    ]
    with sessions() as session, session.begin():  # another tenant's batch is not listed
        other = create_key(session, get_or_create_tenant(session, "elsewhere"))
    stranger = app.test_client()
    stranger.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {other}"
    assert stranger.post("/v1/batches", json={"jobs": [JOB]}).status_code == 201
    with sessions() as session, session.begin():  # one job of the 3-job batch has finished
        job = session.scalars(sa.select(Job).where(Job.batch_id == made[2]).limit(1)).one()
        job.status = "succeeded"

    first = client.get("/v1/batches?limit=2").get_json()
    assert [b["id"] for b in first["items"]] == [made[2], made[1]] and first["next_cursor"] == made[1]
    newest = first["items"][0]
    assert (newest["size"], newest["metadata"], newest["completed_at"]) == (3, {"n": 3}, None)
    assert newest["counts"]["succeeded"] == 1 and sum(newest["counts"].values()) == 3
    assert "job_ids" not in newest
    rest = client.get(f"/v1/batches?limit=2&cursor={first['next_cursor']}").get_json()
    assert [b["id"] for b in rest["items"]] == [made[0]] and rest["next_cursor"] is None
    assert stranger.get("/v1/batches").get_json()["items"][0]["id"] not in made


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=x", "cursor=%00"])
def test_a_bad_batch_listing_query_is_a_problem(client, query):
    response = client.get(f"/v1/batches?{query}")
    assert 400 <= response.status_code < 500
    assert response.headers["Content-Type"] == "application/problem+json"


# --- webhooks ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/",
        "http://[::1]/hook",
        "http://localhost/hook",
        "ftp://example.com/hook",
    ],
)
def test_webhooks_to_private_or_metadata_addresses_are_refused(client, url):
    response = client.post("/v1/webhooks", json={"url": url})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] in {"webhook_url_forbidden", "validation_error", "webhook_url_invalid"}


def test_operator_allow_list_admits_a_local_receiver(sqlite_settings, sessions):
    from api.app import create_app
    from domain.tenants import create_key, get_or_create_tenant

    app = create_app(dataclasses.replace(sqlite_settings, webhook_allow_hosts=("127.0.0.0/8",)))
    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "t"))
    response = app.test_client().post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9000/hook"}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 201 and response.get_json()["secret"].startswith("whsec_")


def test_rotation_signs_with_both_secrets_during_the_overlap(client, sessions):
    from tasks.webhooks import _secrets_for, sign

    with sessions() as session, session.begin():
        from domain.models import Tenant, WebhookEndpoint

        tenant = session.scalars(sa.select(Tenant)).first()
        endpoint = WebhookEndpoint(
            tenant_id=tenant.id, url="https://cms.example.com/hook", events=[], secret="whsec_" + "a" * 32
        )
        session.add(endpoint)
        session.flush()
        endpoint_id, old = endpoint.id, endpoint.secret
    rotated = client.post(f"/v1/webhooks/{endpoint_id}/rotate").get_json()
    new = rotated["secret"]
    assert new != old
    with sessions() as session:
        delivery = WebhookDelivery(
            tenant_id="x", endpoint_id=endpoint_id, url="u", event_id="msg_1", event_type="job.succeeded", payload={}
        )
        secrets = _secrets_for(session, delivery)
    assert secrets == [new, old]
    now = datetime.now(UTC)
    header = sign(secrets, "msg_1", now, '{"a":1}')
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": header}
    for secret in (old, new):  # a receiver on either secret accepts it
        assert Webhook(secret).verify('{"a":1}', headers) == {"a": 1}


def test_failed_delivery_retries_on_schedule_and_410_disables_the_endpoint(sqlite_settings, sessions):
    from domain.models import Tenant, WebhookEndpoint
    from tasks.webhooks import _record

    class Answer:
        def __init__(self, code, retry_after=None):
            self.status_code = code
            self.headers = {"Retry-After": retry_after} if retry_after else {}

    settings = dataclasses.replace(sqlite_settings, webhook_retry_schedule=("10", "100"))
    with sessions() as session, session.begin():
        tenant = Tenant(name="t")
        session.add(tenant)
        session.flush()
        endpoint = WebhookEndpoint(
            tenant_id=tenant.id, url="https://x.example/h", events=[], secret="whsec_" + "b" * 32
        )
        session.add(endpoint)
        session.flush()
        delivery = WebhookDelivery(
            tenant_id=tenant.id,
            endpoint_id=endpoint.id,
            url=endpoint.url,
            event_id="msg_x",
            event_type="job.failed",
            payload={},
        )
        session.add(delivery)
        session.flush()
        ids = delivery.id, endpoint.id

    _record(sessions, settings, ids[0], Answer(500), None)
    with sessions() as session:
        d = session.get(WebhookDelivery, ids[0])
        first_wait = (d.next_attempt_at - d.created_at).total_seconds()
        assert d.status == "pending" and d.attempts == 1 and 8 <= first_wait <= 12
    _record(sessions, settings, ids[0], Answer(503, retry_after="600"), None)
    with sessions() as session:
        d = session.get(WebhookDelivery, ids[0])
        assert (d.next_attempt_at - d.created_at).total_seconds() >= 590  # Retry-After beats the schedule
    _record(sessions, settings, ids[0], Answer(410), None)
    with sessions() as session:
        assert session.get(WebhookDelivery, ids[0]).status == "disabled"
        assert session.get(WebhookEndpoint, ids[1]).disabled_at is not None


def test_schedule_runs_out_and_the_delivery_fails(sqlite_settings, sessions):
    from domain.models import Tenant
    from tasks.webhooks import _record

    settings = dataclasses.replace(sqlite_settings, webhook_retry_schedule=("1",))
    with sessions() as session, session.begin():
        tenant = Tenant(name="t")
        session.add(tenant)
        session.flush()
        delivery = WebhookDelivery(
            tenant_id=tenant.id, url="https://x.example/h", event_id="m", event_type="job.failed", payload={}
        )
        session.add(delivery)
        session.flush()
        delivery_id = delivery.id
    _record(sessions, settings, delivery_id, None, "ConnectTimeout")
    _record(sessions, settings, delivery_id, None, "ConnectTimeout")
    with sessions() as session:
        assert session.get(WebhookDelivery, delivery_id).status == "failed"


def test_each_delivery_attempt_is_logged_with_its_job_and_tenant(sqlite_settings, sessions, caplog):
    from domain.models import Tenant
    from tasks.webhooks import _record

    class Answer:
        def __init__(self, code):
            self.status_code, self.headers = code, {}

    settings = dataclasses.replace(sqlite_settings, webhook_retry_schedule=("1",))
    with sessions() as session, session.begin():
        tenant = Tenant(name="t")
        session.add(tenant)
        session.flush()
        made = [
            WebhookDelivery(
                tenant_id=tenant.id,
                url="https://cms.example/h",
                event_id=f"m{i}",
                event_type=kind,
                payload={"type": kind, "data": {"id": owner}},
            )
            for i, (kind, owner) in enumerate(
                [("job.succeeded", "job_a"), ("job.failed", "job_b"), ("batch.completed", "bat_c")]
            )
        ]
        session.add_all(made)
        session.flush()
        ok, failing, batch = (d.id for d in made)
        tenant_id = tenant.id
    caplog.set_level("INFO", logger="tasks.webhooks")
    _record(sessions, settings, ok, Answer(204), None)
    _record(sessions, settings, failing, Answer(500), None)
    _record(sessions, settings, failing, None, "ConnectTimeout")
    _record(sessions, settings, batch, Answer(200), None)
    lines = [
        (
            r.levelname,
            getattr(r, "job_id", None),
            getattr(r, "tenant_id", None),
            getattr(r, "code", None),
            r.getMessage(),
        )
        for r in caplog.records
        if r.name == "tasks.webhooks"
    ]
    assert [line[:4] for line in lines] == [
        ("INFO", "job_a", tenant_id, None),
        ("WARNING", "job_b", tenant_id, None),
        ("ERROR", "job_b", tenant_id, "webhook_failed"),
        ("INFO", None, tenant_id, None),
    ]
    assert "delivered on attempt 1" in lines[0][4]
    assert "failed on attempt 1 (HTTP 500); next attempt at" in lines[1][4]
    assert "failed after 2 attempt(s): ConnectTimeout" in lines[2][4] and "https://cms.example/h" in lines[2][4]


def test_a_final_failure_queues_job_failed_in_its_own_transaction_and_a_retry_queues_nothing(sqlite_settings, sessions):
    from types import SimpleNamespace

    from domain import lifecycle
    from domain.errors import JobFailure
    from domain.models import Tenant, WebhookEndpoint
    from tasks.render_job import _record_failure

    with sessions() as session, session.begin():
        tenant = Tenant(name="t")
        session.add(tenant)
        session.flush()
        session.add(
            WebhookEndpoint(
                tenant_id=tenant.id, url="https://cms.example.com/h", events=["job.failed"], secret="whsec_" + "c" * 32
            )
        )
        job = Job(tenant_id=tenant.id, pool="cpu", spec={}, metadata_={"story": 7})
        session.add(job)
        session.flush()
        job_id = job.id
    rt = SimpleNamespace(settings=sqlite_settings, storage=None)

    def attempt(failure):
        with sessions() as session, session.begin():
            session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
            claim = lifecycle.claim(session, job_id, "w1", 30)
        with sessions() as session, session.begin():
            return _record_failure(session, rt, claim, failure)

    assert attempt(JobFailure("encode_failed", "boom", retryable=True)) == []
    delivered = attempt(JobFailure("avatar_no_face", "no face"))
    with sessions() as session:
        rows = session.scalars(sa.select(WebhookDelivery)).all()
    assert [d.id for d in rows] == delivered and rows[0].event_type == "job.failed"
    assert rows[0].payload["data"]["error"]["code"] == "avatar_no_face"
    assert rows[0].payload["data"]["metadata"] == {"story": 7}


def test_a_new_delivery_is_sent_once_after_commit_and_swept_only_if_that_send_was_lost(sqlite_settings, sessions):
    """The after-commit send and the scheduler's sweep must not both send a fresh
    delivery: two deliveries of one message running together both post it."""
    from datetime import timedelta

    from domain.models import Tenant
    from tasks import webhooks
    from tasks.task_names import DELIVER_WEBHOOK

    sender = RecordingSender()
    with sessions() as session, session.begin():
        tenant = Tenant(name="t")
        session.add(tenant)
        session.flush()
        created = webhooks._queue_deliveries(
            session, tenant.id, "msg_job_x_succeeded", "job.succeeded", {}, [(None, "https://x.example/h")]
        )
    webhooks.send_deliveries(sender, created)
    assert webhooks.send_due_deliveries(sessions, sqlite_settings, sender) == 0  # in flight: not swept
    assert sender.ids(DELIVER_WEBHOOK) == created
    with sessions() as session, session.begin():  # that send was lost, and its time is up
        delivery = session.get(WebhookDelivery, created[0])
        delivery.next_attempt_at -= timedelta(seconds=webhooks.IN_FLIGHT_S + 1)
    assert webhooks.send_due_deliveries(sessions, sqlite_settings, sender) == 1
    assert sender.ids(DELIVER_WEBHOOK) == created * 2
