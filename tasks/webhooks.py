"""Webhooks per the Standard Webhooks spec.

When a job or batch ends, one delivery row per target (the job's own
``webhook_url`` and every tenant endpoint subscribed to the event) is written
with a stable message id; the scheduler hands due deliveries to the
``webhooks`` queue, whose worker signs and POSTs them. Rendering never waits
on a receiver. Retries follow the configured schedule with jitter; ``410``
disables the endpoint; ``Retry-After`` is honoured.
"""

from __future__ import annotations

import json
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook

from domain.config import Settings
from domain.db import rows_changed, session_factory
from domain.documents import batch_document, job_document
from domain.errors import ProblemError
from domain.models import Batch, Job, JobEvent, Tenant, WebhookDelivery, WebhookEndpoint
from domain.states import EventType, JobState
from domain.timeutil import iso, utcnow
from storage import Storage, open_storage
from tasks.sending import TaskSender, send_delivery
from tasks.webhook_breaker import ReceiverAdmission, ReceiverLimits
from tasks.webhook_targets import check_webhook_url, parse_webhook_url
from tasks.webhook_transport import NoAnswer, ReceiverAnswer, post_pinned

log = logging.getLogger(__name__)

#: a delivery handed to the queue is not handed again for this long
IN_FLIGHT_S = 60
MAX_LOG_ENTRIES = 20
#: a delivery put back because its receiver has enough attempts in flight is tried again after this long
BUSY_RETRY_S = 5
#: what the tenant sees for any attempt that got no HTTP answer: one text for refused, reset, timed
#: out or TLS failure, so the deliveries list cannot be read as a port scan (the operator's log has why)
NO_ANSWER = "no_answer: the receiver gave no HTTP answer within {deadline:g} s."
CIRCUIT_OPEN = (
    "receiver_unavailable: the last attempts to this receiver got no answer; "
    "not tried until its circuit closes (retried on schedule)."
)


def new_secret() -> str:
    """A Standard Webhooks signing secret (``whsec_`` + 24 random bytes)."""
    import base64
    import os

    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def tenant_webhook_secret(session, tenant_id: str) -> tuple[str, bool]:
    """The secret that signs deliveries to per-job ``webhook_url``s, and whether this call made it (made on first
    use). Made by a conditional write, so of two first uses at once (two listings, a listing and a delivery) one
    makes it and the other reads it: a listing that shows the secret it made shows the one stored."""
    secret = session.scalar(sa.select(Tenant.webhook_secret).where(Tenant.id == tenant_id))
    if secret:
        return secret, False
    made = new_secret()
    if rows_changed(
        session.execute(
            sa.update(Tenant)
            .where(Tenant.id == tenant_id, Tenant.webhook_secret.is_(None))
            .values(webhook_secret=made)
            .execution_options(synchronize_session=False)
        )
    ):
        return made, True
    return session.scalar(sa.select(Tenant.webhook_secret).where(Tenant.id == tenant_id)), False


def _storage(settings: Settings) -> Storage:
    return open_storage(settings)


def _targets(session, tenant_id: str, event_type: str, job_url: str | None) -> list[tuple[str | None, str]]:
    targets: list[tuple[str | None, str]] = []
    if job_url:
        targets.append((None, job_url))
    endpoints = session.scalars(
        sa.select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.disabled_at.is_(None))
    ).all()
    for endpoint in endpoints:
        if not endpoint.events or event_type in endpoint.events:
            targets.append((endpoint.id, endpoint.url))
    return targets


def _queue_deliveries(session, tenant_id: str, event_id: str, event_type: str, data: dict, targets) -> list[str]:
    payload = {"type": event_type, "timestamp": iso(utcnow()), "data": data}
    created = []
    # one delivery per URL: a URL announced already (a retried announcement is harmless), or given twice, is skipped
    announced = set(session.scalars(sa.select(WebhookDelivery.url).where(WebhookDelivery.event_id == event_id)))
    for endpoint_id, url in targets:
        if url in announced:
            continue
        announced.add(url)
        # Sent right after the commit (send_deliveries); the scheduler's sweep is the
        # fallback for a send that got lost, so it waits as for one in flight. Due at
        # once, the sweep could send it too, and two deliveries of one message running
        # together both post it (the compose chaos run saw it twice in 32 jobs).
        delivery = WebhookDelivery(
            tenant_id=tenant_id,
            endpoint_id=endpoint_id,
            url=url,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            status="pending",
            next_attempt_at=utcnow() + timedelta(seconds=IN_FLIGHT_S),
        )
        session.add(delivery)
        created.append(delivery)
    session.flush()  # once for all: the ids
    return [delivery.id for delivery in created]


def queue_job_events(session, settings: Settings, job: Job, storage=None) -> list[str]:
    """Inside the caller's transaction: a delivery per target for a job that
    ended, and for its batch if it was the last. Returns the deliveries to send
    once that transaction has committed."""
    if job.status not in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED):
        return []
    event_type = f"job.{job.status}"
    created: list[str] = []
    targets = _targets(session, job.tenant_id, event_type, job.webhook_url)
    if targets:  # the document (and its signed links) only when someone will receive it
        data = job_document(
            job,
            (storage or _storage(settings)).signed_url if job.status == JobState.SUCCEEDED else None,
            settings.output_url_expiry_s,
            settings.public_url,
        )
        created += _queue_deliveries(session, job.tenant_id, job_event_id(session, job), event_type, data, targets)
    if job.batch_id:
        created += _announce_batch_if_done(session, job.batch_id)
    return created


def job_event_id(session, job: Job) -> str:
    """The Standard Webhooks id of a job's ending: the same on every redelivery, and new after each
    retry the tenant asked for (else a job that fails again after a retry would look announced already)."""
    retries = session.scalar(
        sa.select(sa.func.count())
        .select_from(JobEvent)
        .where(JobEvent.job_id == job.id, JobEvent.kind == EventType.RETRIED)
    )
    return f"msg_{job.id}_{job.status}" + (f"_retry{retries}" if retries else "")


def send_deliveries(sender: TaskSender, delivery_ids: list[str]) -> None:
    """Hand committed deliveries to the webhook queue. Never raises: a delivery
    the broker does not take now is due in the table, and the scheduler sends it."""
    for delivery_id in delivery_ids:
        try:
            send_delivery(sender, delivery_id)
        except Exception:
            log.warning("could not queue webhook %s now; the scheduler will", delivery_id, exc_info=True)


def announce_job(sessions, settings: Settings, sender: TaskSender, job_id: str, storage=None) -> list[str]:
    """Queue and send the webhooks for a job that ended (its own transaction)."""
    with sessions() as session, session.begin():
        job = session.get(Job, job_id)
        created = queue_job_events(session, settings, job, storage) if job is not None else []
    send_deliveries(sender, created)
    return created


def _announce_batch_if_done(session, batch_id: str) -> list[str]:
    unfinished = session.scalar(
        sa.select(sa.func.count())
        .select_from(Job)
        .where(Job.batch_id == batch_id, Job.status.in_((JobState.QUEUED, JobState.RUNNING)))
    )
    if unfinished:
        return []
    now = utcnow()
    # conditional: the last two jobs ending together announce the batch once
    if not rows_changed(
        session.execute(
            sa.update(Batch).where(Batch.id == batch_id, Batch.completed_at.is_(None)).values(completed_at=now)
        )
    ):
        return []
    batch = session.get(Batch, batch_id)
    session.refresh(batch)
    return _queue_deliveries(
        session,
        batch.tenant_id,
        f"msg_{batch.id}_completed",
        "batch.completed",
        batch_document(session, batch),
        _targets(session, batch.tenant_id, "batch.completed", None),
    )


def send_due_deliveries(sessions, settings: Settings, sender: TaskSender, limit: int = 200) -> int:
    """Hand deliveries whose time has come to the webhook queue, marking them in flight for ``IN_FLIGHT_S`` so the next
    pass does not hand them again.
    """
    now = utcnow()
    with sessions() as session, session.begin():
        due = session.scalars(
            sa.select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        ).all()
        if due:
            session.execute(
                sa.update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(due))
                .values(next_attempt_at=now + timedelta(seconds=IN_FLIGHT_S))
            )
    send_deliveries(sender, due)
    return len(due)


def _secrets_for(session, delivery: WebhookDelivery) -> list[str]:
    if delivery.endpoint_id:
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        return _with_previous(endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_expires_at)
    secret, previous, previous_until = session.execute(
        sa.select(
            Tenant.webhook_secret, Tenant.previous_webhook_secret, Tenant.previous_webhook_secret_expires_at
        ).where(Tenant.id == delivery.tenant_id)
    ).one()
    if not secret:  # never listed nor rotated: made now, shown to no one until the tenant makes a new one
        secret, _ = tenant_webhook_secret(session, delivery.tenant_id)
    return _with_previous(secret, previous, previous_until)


def _with_previous(secret: str, previous: str | None, previous_until: datetime | None) -> list[str]:
    """The secret, and during a rotation's overlap the one it replaced: a delivery is signed with both."""
    if previous and previous_until and previous_until > utcnow():
        return [secret, previous]
    return [secret]


def sign(secrets: list[str], msg_id: str, timestamp: datetime, body: str) -> str:
    """The ``webhook-signature`` header: one signature per secret, so a receiver can verify through a secret rotation."""
    return " ".join(Webhook(secret).sign(msg_id, timestamp, body) for secret in secrets)


def _retry_after(response: ReceiverAnswer | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


_limits: ReceiverLimits | None = None


def receiver_limits(settings: Settings) -> ReceiverLimits:
    """This process's per-receiver limits (tasks/webhook_breaker.py), made on first use."""
    global _limits
    if _limits is None:
        _limits = ReceiverLimits(
            settings.webhook_receiver_in_flight, settings.webhook_breaker_failures, settings.webhook_breaker_cooldown_s
        )
    return _limits


def receiver_of(tenant_id: str, url: str) -> str:
    """The breaker's key: one tenant's origin. Per tenant, so that one tenant's broken path on a shared
    host (a SaaS inbox) does not open the circuit for another tenant's endpoints there."""
    try:
        scheme, host, port = parse_webhook_url(url)
    except ProblemError:
        return f"{tenant_id} {url}"
    return f"{tenant_id} {scheme}://{host.lower()}:{port}"


#: name look-ups run here, so that the deadline covers them: getaddrinfo cannot be interrupted, and a
#: slow DNS server would otherwise hold a delivery thread for as long as the system resolver waits.
#: A look-up past the deadline is left to finish in this small pool, which no delivery waits on.
_LOOKUPS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


def attempt(
    settings: Settings, url: str, body: bytes, headers: dict[str, str]
) -> tuple[ReceiverAnswer | None, str | None]:
    """One network attempt: check the target, connect to the very addresses that passed, all within
    the deadline (the name look-up included). Returns the answer, or the error the tenant sees."""
    deadline = time.monotonic() + settings.webhook_timeout_s
    try:
        addresses = _LOOKUPS.submit(check_webhook_url, url, settings).result(timeout=settings.webhook_timeout_s)
        return post_pinned(
            url,
            addresses,
            body,
            headers,
            deadline_s=max(0.0, deadline - time.monotonic()),
            max_response_bytes=settings.webhook_max_response_bytes,
        ), None
    except ProblemError as exc:
        return None, f"{exc.code}: {exc.detail}"
    except LookupTimeout:
        log.info("webhook to %s got no answer: the name look-up outlasted the deadline", url)
        return None, NO_ANSWER.format(deadline=settings.webhook_timeout_s)
    except NoAnswer as exc:
        log.info("webhook to %s got no answer: %s", url, exc.reason)
        return None, NO_ANSWER.format(deadline=settings.webhook_timeout_s)


def deliver(delivery_id: str) -> None:
    """One delivery attempt (runs on the webhooks queue)."""
    settings = Settings.from_env()
    sessions = session_factory(settings)
    with sessions() as session, session.begin():
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status != "pending":
            return
        secrets = _secrets_for(session, delivery)
        url, msg_id, payload, tenant_id = delivery.url, delivery.event_id, delivery.payload, delivery.tenant_id
    limits, receiver = receiver_limits(settings), receiver_of(tenant_id, url)
    admission = limits.admit(receiver)
    if admission == ReceiverAdmission.BUSY:
        _put_back(sessions, delivery_id, BUSY_RETRY_S)
        return
    if admission == ReceiverAdmission.OPEN:
        _record(sessions, settings, delivery_id, None, CIRCUIT_OPEN)
        return
    body = json.dumps(payload, separators=(",", ":"))
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": "talkfarm-webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sign(secrets, msg_id, now, body),
    }
    response, error, started = None, None, utcnow()
    try:
        response, error = attempt(settings, url, body.encode(), headers)
    finally:
        limits.release(receiver, answered=not (error or "").startswith("no_answer"))
    _record(sessions, settings, delivery_id, response, error, started_at=started)


def _put_back(sessions, delivery_id: str, seconds: float) -> None:
    """Hand the delivery out again after ``seconds``, without using up an attempt."""
    with sessions() as session, session.begin():
        session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending")
            .values(next_attempt_at=utcnow() + timedelta(seconds=seconds))
        )


def _record(
    sessions, settings: Settings, delivery_id: str, response, error: str | None, *, started_at: datetime | None = None
) -> None:
    with sessions() as session, session.begin():
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status != "pending":
            return
        outcome = _apply_attempt(session, settings, delivery, response, error, started_at)
        _log_attempt(delivery, outcome)


def _apply_attempt(
    session,
    settings: Settings,
    delivery: WebhookDelivery,
    response,
    error: str | None,
    started_at: datetime | None = None,
) -> str:
    """Record one attempt on the delivery; returns what became of it (its new status, or ``retrying``).
    The log entry carries the attempt's start, not its end: how long an attempt took would tell a
    refused port (at once) from a filtered one (at the deadline)."""
    now = utcnow()
    delivery.attempts += 1
    code = response.status_code if response is not None else None
    entry = {"at": iso(started_at or now), "status_code": code, "error": error}
    delivery.log = (list(delivery.log or []) + [entry])[-MAX_LOG_ENTRIES:]
    delivery.last_status_code = code
    delivery.last_error = error or (None if code and 200 <= code < 300 else f"HTTP {code}")
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        return "delivered"
    if code == 410 and delivery.endpoint_id:
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        endpoint.disabled_at, endpoint.disabled_reason = now, "receiver answered 410 Gone"
        delivery.status, delivery.next_attempt_at = "disabled", None
        session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
            .values(status="disabled", next_attempt_at=None)
        )
        return "disabled"
    schedule = settings.retry_schedule()
    if delivery.attempts > len(schedule):
        delivery.status, delivery.next_attempt_at = "failed", None
        return "failed"
    delay = schedule[delivery.attempts - 1] * random.uniform(0.9, 1.1)
    hinted = _retry_after(response)
    if hinted is not None:
        delay = max(delay, min(hinted, 24 * 3600))
    delivery.next_attempt_at = (started_at or now) + timedelta(seconds=delay)  # from the start too
    return "retrying"


def _log_attempt(delivery: WebhookDelivery, outcome: str) -> None:
    """One line per attempt, carrying the job (for job events) and tenant, so an operator can
    follow a CMS's missing notification from the job id."""
    data = (delivery.payload or {}).get("data") or {}
    ids = {
        "tenant_id": delivery.tenant_id,
        "job_id": data.get("id") if delivery.event_type.startswith("job.") else None,
    }
    what = f"webhook {delivery.id} ({delivery.event_type}) to {delivery.url}"
    if outcome == "delivered":
        log.info("%s delivered on attempt %d", what, delivery.attempts, extra=ids)
    elif outcome == "retrying":
        log.warning(
            "%s failed on attempt %d (%s); next attempt at %s",
            what,
            delivery.attempts,
            delivery.last_error,
            iso(delivery.next_attempt_at),
            extra=ids,
        )
    else:
        log.error(
            "%s %s after %d attempt(s): %s",
            what,
            outcome,
            delivery.attempts,
            delivery.last_error,
            extra={**ids, "code": f"webhook_{outcome}"},
        )


def redeliver(delivery: WebhookDelivery) -> None:
    """Send a delivery again with the same message id (the receiver dedupes on it)."""
    delivery.status, delivery.next_attempt_at = "pending", utcnow()
