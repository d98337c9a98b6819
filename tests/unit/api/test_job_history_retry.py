"""A job's events show every state change with time, worker and attempt;
a failed or canceled job can be retried as a new attempt, anything else is a
409; another tenant's job is a 404 that says nothing about it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain import lifecycle
from domain.models import Job
from tests.unit.api.test_requests import assert_problem

JOB = {"script": "Hello from the newsroom.", "avatar": "astronaut"}


def submit(c) -> str:
    response = c.post("/v1/jobs", json=JOB)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def claim(sessions, job_id: str, worker: str = "w1") -> lifecycle.Claim:
    with sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(status="queued", not_before=None))
        return lifecycle.claim(session, job_id, worker, lease_s=60)


def fail_for_good(sessions, job_id: str, worker: str = "w1") -> None:
    token = claim(sessions, job_id, worker)
    with sessions() as session, session.begin():
        assert (
            lifecycle.fail_attempt(
                session, token, "render_failed", "the model fell over", retryable=False, max_failures=3
            )
            == "failed"
        )


def test_events_show_each_state_change_with_worker_and_attempt(alpha, sessions):
    job_id = submit(alpha)
    fail_for_good(sessions, job_id, "w-7")
    body = alpha.get(f"/v1/jobs/{job_id}/events").get_json()
    kinds = [(e["kind"], e["from_status"], e["to_status"], e["attempt"], e["worker"]) for e in body["items"]]
    assert kinds[0] == ("created", None, "queued", 0, None)
    assert ("claimed", "queued", "running", 1, "w-7") in kinds
    assert kinds[-1] == ("failed", "running", "failed", 1, "w-7")
    failed = body["items"][-1]
    assert failed["detail"]["code"] == "render_failed" and failed["at"].endswith("Z")
    assert [e["id"] for e in body["items"]] == sorted(e["id"] for e in body["items"])


def test_events_page_with_after_and_limit(alpha, sessions):
    job_id = submit(alpha)
    fail_for_good(sessions, job_id)
    first = alpha.get(f"/v1/jobs/{job_id}/events?limit=1").get_json()
    assert len(first["items"]) == 1 and first["next_cursor"] == first["items"][0]["id"]
    rest = alpha.get(f"/v1/jobs/{job_id}/events?after={first['next_cursor']}").get_json()
    assert rest["next_cursor"] is None and rest["items"][0]["id"] > first["items"][0]["id"]


@pytest.mark.parametrize("path", ["events", "retry"])
def test_another_tenants_job_is_404_and_unknown_is_404(alpha, beta, path):
    job_id = submit(alpha)
    alpha.post(f"/v1/jobs/{job_id}/cancel")
    method = beta.get if path == "events" else beta.post
    body = assert_problem(method(f"/v1/jobs/{job_id}/{path}"), 404, "job_not_found")
    assert job_id not in body["detail"]
    assert_problem(method(f"/v1/jobs/job_00000000000000000000000000/{path}"), 404, "job_not_found")
    assert alpha.get(f"/v1/jobs/{job_id}").get_json()["status"] == "canceled"  # beta's retry did nothing


@pytest.mark.parametrize("query", ["limit=0", "limit=5000", "after=-1", "after=x"])
def test_bad_event_queries_are_422(alpha, query):
    job_id = submit(alpha)
    response = alpha.get(f"/v1/jobs/{job_id}/events?{query}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_a_canceled_job_is_retried_as_a_new_attempt(alpha, sessions):
    job_id = submit(alpha)
    assert alpha.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
    response = alpha.post(f"/v1/jobs/{job_id}/retry")
    assert response.status_code == 202
    doc = response.get_json()
    assert doc["status"] == "queued" and doc["finished_at"] is None and doc["error"] is None
    token = claim(sessions, job_id, "w-2")
    assert token.token == 1
    events = alpha.get(f"/v1/jobs/{job_id}/events").get_json()["items"]
    assert [e["kind"] for e in events][:3] == ["created", "canceled", "retried"]
    assert events[2]["from_status"] == "canceled" and events[2]["to_status"] == "queued"


def test_a_failed_job_is_retried_with_a_fresh_budget_and_blocklist(alpha, sessions):
    job_id = submit(alpha)
    fail_for_good(sessions, job_id, "w-bad")
    assert alpha.get(f"/v1/jobs/{job_id}").get_json()["error"]["code"] == "render_failed"
    doc = alpha.post(f"/v1/jobs/{job_id}/retry").get_json()
    assert doc["status"] == "queued" and doc["error"] is None and doc["attempts"] == 1
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job.failures == 0 and job.failed_on == {} and job.error_code is None
    second = claim(sessions, job_id, "w-bad")
    assert second.token == 2  # a new attempt, and the worker is not blocklisted any more
    retried = [e for e in alpha.get(f"/v1/jobs/{job_id}/events").get_json()["items"] if e["kind"] == "retried"][0]
    assert retried["detail"]["previous_error"] == "render_failed"


@pytest.mark.parametrize("state", ["queued", "running", "succeeded"])
def test_retrying_a_job_that_did_not_fail_or_cancel_is_409(alpha, sessions, state):
    job_id = submit(alpha)
    if state != "queued":
        token = claim(sessions, job_id)
        if state == "succeeded":
            with sessions() as session, session.begin():
                lifecycle.succeed(session, token, {"key": "k", "duration_s": 1.0}, {})
    body = assert_problem(alpha.post(f"/v1/jobs/{job_id}/retry"), 409, "job_not_retryable")
    assert state in body["detail"]
    assert alpha.get(f"/v1/jobs/{job_id}").get_json()["status"] == state


def test_a_retry_over_the_in_flight_limit_is_429_and_changes_nothing(alpha, sessions):
    from domain.models import Tenant

    job_id = submit(alpha)
    alpha.post(f"/v1/jobs/{job_id}/cancel")
    submit(alpha)
    with sessions() as session, session.begin():
        session.execute(sa.update(Tenant).where(Tenant.name == "alpha").values(max_in_flight=1))
    assert_problem(alpha.post(f"/v1/jobs/{job_id}/retry"), 429, "too_many_jobs_in_flight")
    assert alpha.get(f"/v1/jobs/{job_id}").get_json()["status"] == "canceled"


def test_a_job_that_fails_again_after_a_retry_is_announced_again(alpha, sessions, sqlite_settings):
    from domain.models import WebhookDelivery, WebhookEndpoint
    from tasks import webhooks

    job_id = submit(alpha)
    with sessions() as session, session.begin():
        tenant_id = session.get(Job, job_id).tenant_id
        session.add(
            WebhookEndpoint(tenant_id=tenant_id, url="https://cms.example.com/hook", events=[], secret="whsec_x")
        )

    def fail_and_announce(worker):
        fail_for_good(sessions, job_id, worker)
        with sessions() as session, session.begin():
            webhooks.queue_job_events(session, sqlite_settings, session.get(Job, job_id))
            webhooks.queue_job_events(
                session, sqlite_settings, session.get(Job, job_id)
            )  # announcing twice is harmless

    fail_and_announce("w1")
    alpha.post(f"/v1/jobs/{job_id}/retry")
    fail_and_announce("w2")
    with sessions() as session:
        ids = session.scalars(sa.select(WebhookDelivery.event_id).order_by(WebhookDelivery.created_at)).all()
    assert ids == [f"msg_{job_id}_failed", f"msg_{job_id}_failed_retry1"]
