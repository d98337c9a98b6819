"""The secret that signs deliveries to a job's own webhook_url can be made anew (POST /v1/webhooks/job-secret),
answered once; the one it replaces keeps signing beside it for the overlap, as an endpoint's rotation does. A
security review found it could be lost for good: shown only by the first listing, or made unseen by a delivery,
with no way to make another."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from domain.models import Tenant, WebhookDelivery
from tasks import webhooks
from tests.security.receivers import deliver_here
from tests.unit.api.test_requests import assert_problem


def stored(sessions, name: str) -> Tenant:
    with sessions() as session:
        return session.scalars(sa.select(Tenant).where(Tenant.name == name)).one()


def test_a_new_job_webhook_secret_is_answered_once(alpha, sessions):
    first = alpha.post("/v1/webhooks/job-secret")
    assert first.status_code == 200, first.get_data(as_text=True)
    made = first.get_json()
    assert made["job_webhook_secret"].startswith("whsec_") and made["previous_valid_until"] is None  # none before
    listing = alpha.get("/v1/webhooks")
    assert "job_webhook_secret" not in listing.get_json()  # made already: no listing shows it
    assert made["job_webhook_secret"] not in listing.get_data(as_text=True)

    again = alpha.post("/v1/webhooks/job-secret").get_json()
    assert again["job_webhook_secret"].startswith("whsec_")
    assert again["job_webhook_secret"] != made["job_webhook_secret"]
    until = datetime.fromisoformat(again["previous_valid_until"])
    assert abs(until - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
    tenant = stored(sessions, "alpha")
    assert tenant.webhook_secret == again["job_webhook_secret"]
    assert tenant.previous_webhook_secret == made["job_webhook_secret"]


class _Captured(BaseHTTPRequestHandler):
    """A receiver that keeps what each POST carried and answers 200."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.seen.append(({k.lower(): v for k, v in self.headers.items()}, body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@contextmanager
def receiver() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Captured)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def delivering(sqlite_settings, sessions, monkeypatch):
    """deliver() as the webhook worker runs it, on this test's database, to receivers on loopback: returns what one
    delivery to a job's own webhook_url of tenant alpha sent (headers, body)."""
    deliver_here(monkeypatch, sqlite_settings)

    def deliver_one(event_id: str) -> tuple[dict[str, str], str]:
        with receiver() as server:
            with sessions() as session, session.begin():
                delivery = WebhookDelivery(
                    tenant_id=stored(sessions, "alpha").id,
                    endpoint_id=None,  # a job's own webhook_url
                    url=f"http://127.0.0.1:{server.server_port}/hook",
                    event_id=event_id,
                    event_type="job.succeeded",
                    payload={"type": "job.succeeded", "data": {"id": "job_1"}},
                    status="pending",
                )
                session.add(delivery)
                session.flush()
                delivery_id = delivery.id
            webhooks.deliver(delivery_id)
            with sessions() as session:
                assert session.get(WebhookDelivery, delivery_id).status == "delivered"
            [seen] = server.seen  # type: ignore[attr-defined]
            return seen

    return deliver_one


def verifies(secret: str, headers: dict[str, str], body: str) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def test_deliveries_to_a_jobs_webhook_url_are_signed_by_both_secrets_during_the_overlap_then_by_the_new(
    alpha, delivering, monkeypatch
):
    old = alpha.get("/v1/webhooks").get_json()["job_webhook_secret"]  # the first listing makes it
    headers, body = delivering("msg_before")
    assert verifies(old, headers, body) and len(headers["webhook-signature"].split()) == 1

    new = alpha.post("/v1/webhooks/job-secret").get_json()["job_webhook_secret"]
    headers, body = delivering("msg_during")
    assert len(headers["webhook-signature"].split()) == 2
    assert verifies(old, headers, body) and verifies(new, headers, body)  # a receiver on either accepts it

    later = datetime.now(UTC) + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(webhooks, "utcnow", lambda: later)  # the overlap is over
    headers, body = delivering("msg_after")
    assert len(headers["webhook-signature"].split()) == 1
    assert verifies(new, headers, body) and not verifies(old, headers, body)


def test_a_secret_made_by_a_delivery_unseen_can_be_replaced_and_still_signs_for_the_overlap(
    alpha, delivering, sessions
):
    delivering("msg_first")  # no listing yet: the delivery makes the secret, which no one has seen
    unseen = stored(sessions, "alpha").webhook_secret
    assert unseen and "job_webhook_secret" not in alpha.get("/v1/webhooks").get_json()
    made = alpha.post("/v1/webhooks/job-secret").get_json()
    assert made["previous_valid_until"] is not None
    headers, body = delivering("msg_next")
    assert verifies(made["job_webhook_secret"], headers, body) and verifies(unseen, headers, body)


def test_another_tenants_key_cannot_touch_it(app, alpha, beta, sessions):
    alphas = alpha.get("/v1/webhooks").get_json()["job_webhook_secret"]
    betas = beta.post("/v1/webhooks/job-secret").get_json()
    assert betas["previous_valid_until"] is None  # beta's own, made now: alpha's is not its previous
    assert alphas not in json.dumps(betas) and alphas not in beta.get("/v1/webhooks").get_data(as_text=True)
    tenant = stored(sessions, "alpha")
    assert (tenant.webhook_secret, tenant.previous_webhook_secret) == (alphas, None)
    assert stored(sessions, "beta").webhook_secret == betas["job_webhook_secret"]
    assert_problem(app.test_client().post("/v1/webhooks/job-secret"), 401, "unauthorized")
    wrong = app.test_client().post("/v1/webhooks/job-secret", headers={"Authorization": "Bearer tfk_nope"})
    assert_problem(wrong, 401, "invalid_api_key")
    assert stored(sessions, "alpha").webhook_secret == alphas


def test_of_two_first_uses_at_once_the_listing_shows_only_the_secret_stored(alpha, sessions):
    """The listing reads no secret; before it writes its own, a delivery (or another listing) stores one. The
    listing then shows none rather than one that is not stored."""
    tenant_id = stored(sessions, "alpha").id
    raced: list[str] = []

    def another_first_use(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE TENANTS") and not raced:
            raced.append("")  # once: the other use's own write comes through here too
            with sessions() as other, other.begin():
                raced[0] = webhooks.tenant_webhook_secret(other, tenant_id)[0]

    sa.event.listen(sa.Engine, "before_cursor_execute", another_first_use)
    try:
        listing = alpha.get("/v1/webhooks").get_json()
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", another_first_use)
    assert raced, "the listing never tried to store a secret"
    assert stored(sessions, "alpha").webhook_secret == raced[0]
    assert listing.get("job_webhook_secret") in (None, raced[0])


def test_the_route_is_documented_with_its_answer(app):
    spec = app.test_client().get("/openapi.json").get_json()
    operation = spec["paths"]["/v1/webhooks/job-secret"]["post"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/JobWebhookSecret"}
    schema = spec["components"]["schemas"]["JobWebhookSecret"]
    assert set(schema["properties"]) == {"job_webhook_secret", "previous_valid_until"}
    assert "24 hours" in operation["summary"] + operation.get("description", "")
    listing = spec["components"]["schemas"]["EndpointList"]["properties"]["job_webhook_secret"]
    assert "only in the listing that made it" in listing["description"]
