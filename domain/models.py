"""Database models. The database is the source of truth for every job.

Conventions: ids are sortable strings with a type prefix (``job_…``), times
are timezone-aware UTC, free-form documents are JSON. The same models run on
PostgreSQL (production) and SQLite (one machine).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from domain.brand_kits import brand_kit_name_key
from domain.ids import new_id
from domain.states import AttemptOutcome, EventType, JobState, Stage
from domain.timeutil import utcnow


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware datetimes on both PostgreSQL and SQLite (which drops tzinfo)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class EnumString(sa.types.TypeDecorator[str]):
    """A string column that takes only the values of one ``StrEnum``: a typo in
    a status or an event kind fails at the write, not in a report weeks later."""

    impl = sa.String
    cache_ok = True

    def __init__(self, values: type[enum.StrEnum], length: int):
        super().__init__(length)
        self.values = values

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else self.values(value).value


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: sa.JSON(), list[Any]: sa.JSON()}


def _id(prefix: str) -> Mapped[str]:
    return mapped_column(sa.String(40), primary_key=True, default=lambda: new_id(prefix))


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = _id("ten")
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: share of its pool a tenant gets when several compete (weighted turns)
    weight: Mapped[int] = mapped_column(default=1)
    #: queued + running jobs allowed at once; beyond it submit answers 429
    max_in_flight: Mapped[int | None] = mapped_column(default=None)
    #: the tenant's visible watermark defaults (text, position, opacity, logo)
    watermark: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: whether its jobs may turn the visible watermark off
    may_disable_watermark: Mapped[bool] = mapped_column(default=False)
    #: Standard Webhooks secret (whsec_…) that signs deliveries to per-job webhook_url
    webhook_secret: Mapped[str | None] = mapped_column(sa.String(200))
    #: the per-job webhook secret a rotation replaced, which keeps signing beside the new one until
    #: ``previous_webhook_secret_expires_at`` (POST /v1/webhooks/job-secret)
    previous_webhook_secret: Mapped[str | None] = mapped_column(sa.String(200))
    previous_webhook_secret_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = _id("key")
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    #: sha256 of the whole key; the key itself is shown once and never stored
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: `tenant` (its own jobs, assets, usage, keys) or `operator` (also pools, workers, every tenant's usage and keys)
    scope: Mapped[str] = mapped_column(sa.String(16), default="tenant", server_default="tenant")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    #: after this the key is refused as if revoked; None: it lasts until revoked
    expires_at: Mapped[datetime | None]
    #: the key that made this one through the API (None: made by the CLI); revoking that key
    #: with ``cascade`` revokes this one too
    minted_by: Mapped[str | None] = mapped_column(sa.String(40), index=True)

    tenant: Mapped[Tenant] = relationship()


class PageSession(Base):
    """A signed-in web page session, known to the server: the cookie carries a random id whose
    sha256 is this row's id. Signing out ends the row, so a stolen cookie stops working at once
    instead of living out its 12 hours."""

    __tablename__ = "page_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(sa.ForeignKey("api_keys.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: indexed: prune_page_sessions finds the expired by it
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]


#: the longest file name an asset keeps
ASSET_NAME_MAX_CHARS = 255


class Asset(Base):
    __tablename__ = "assets"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "content_key", name="uq_assets_tenant_content_key"),
        # GET /v1/assets pages a tenant's assets newest first: read in order, not sorted (up to 10,000 a tenant)
        sa.Index("ix_assets_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[str] = _id("ast")
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # image | audio | video | font
    #: what the asset is for (domain/composition_rules.ASSET_PURPOSES); a job may use it only for that
    purpose: Mapped[str] = mapped_column(sa.String(16), server_default="portrait")
    content_type: Mapped[str] = mapped_column(sa.String(100))
    bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    #: what inspection found: image size and face box, or audio duration
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: ``purpose:sha256`` (``asset_content_key``), unique per tenant: the same bytes uploaded again for the same
    #: purpose are this asset, not another. Null on the later copies stored before 0013 (each still used by its jobs)
    content_key: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    #: the file name the upload came with (``asset_file_name``), for people; None before 0015 or when it had none
    name: Mapped[str | None] = mapped_column(sa.String(ASSET_NAME_MAX_CHARS), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def asset_file_name(filename: str | None) -> str | None:
    """An upload's file name as the asset keeps it: its last path part (a client may send ``graphics/a.png``), with
    no control characters, at most ASSET_NAME_MAX_CHARS characters; None when nothing is left."""
    if not filename:
        return None
    last = filename.replace("\\", "/").rsplit("/", 1)[-1]
    # the joiners are letters' business (Persian spelling, emoji sequences); other format characters (a
    # right-to-left override that would turn "gpj.exe" around) and controls go
    kept = "".join(ch for ch in last if ch.isprintable() or ch in "\u200c\u200d").strip()
    if len(kept) > ASSET_NAME_MAX_CHARS:  # cut from the stem: the extension still says what the file is
        stem, dot, extension = kept.rpartition(".")
        extension = dot + extension if stem and len(extension) <= 16 else ""
        kept = kept[: ASSET_NAME_MAX_CHARS - len(extension)] + extension if extension else kept[:ASSET_NAME_MAX_CHARS]
    return kept or None


def asset_content_key(purpose: str, sha256: str) -> str:
    """What makes two uploads one asset of a tenant: the same bytes (their SHA-256) for the same purpose."""
    return f"{purpose}:{sha256}"


class BrandKit(Base):
    """A tenant's look (logo, colours, fonts, styles, intro, outro, music, visible watermark): every job of the
    tenant follows its default kit, or the kit it names, wherever the job says nothing itself.
    ``settings`` is the kit as domain/brand_kits.normalise_kit returns it (without name and default)."""

    __tablename__ = "brand_kits"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name_key", name="uq_brand_kits_tenant_name_key"),)

    id: Mapped[str] = _id("bkt")
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: the name as its uniqueness is judged: "Evening News" and " evening news" are one kit's name. Kept by
    #: Python (casefold is the same on every database; SQLite's lower() folds ASCII only); casefold may lengthen
    name_key: Mapped[str] = mapped_column(sa.String(300))
    #: the one kit a job of this tenant gets when it names none
    is_default: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict[str, Any]]
    #: bumped by every change; a job records the version it was made with
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = brand_kit_name_key(name)
        return name


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[str] = _id("bat")
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    size: Mapped[int]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class Template(Base):
    """A job body with ``{{variables}}``, as its tenant last saved it. Every save is a new
    ``TemplateVersion``; deleting sets ``deleted_at`` and keeps the versions, which the jobs
    made from them name."""

    __tablename__ = "templates"
    __table_args__ = (sa.Index("ix_templates_tenant_id_deleted", "tenant_id", "id", "deleted_at"),)

    id: Mapped[str] = _id("tpl")
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    #: the newest version's number (1 on creation)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class TemplateVersion(Base):
    """One saved state of a template: what it was called, its body and its variables."""

    __tablename__ = "template_versions"
    __table_args__ = (sa.UniqueConstraint("template_id", "version", name="uq_template_versions_template_version"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    template_id: Mapped[str] = mapped_column(sa.ForeignKey("templates.id"), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    body: Mapped[dict[str, Any]]
    #: the declared variables: [{name, type, required, default, label}]
    variables: Mapped[list[Any]]
    #: the brand kit the template names (issue 19's brand kits); None: the tenant's default
    brand_kit_id: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_jobs_tenant_idempotency"),
        sa.Index("ix_jobs_pool_status_created", "pool", "status", "created_at"),
        sa.Index("ix_jobs_tenant_created", "tenant_id", "created_at"),
        # the per-tenant limit on jobs in flight counts these on every submit
        sa.Index("ix_jobs_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[str] = _id("job")
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"))
    batch_id: Mapped[str | None] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    #: on a final job: the draft whose approval made it; on a draft: the final its approval made
    draft_of: Mapped[str | None] = mapped_column(sa.String(40))
    final_job_id: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    status: Mapped[str] = mapped_column(EnumString(JobState, 16), default=JobState.QUEUED.value)
    #: what the jobs list shows: the caller's, else the script's first words (domain/titles)
    title: Mapped[str | None] = mapped_column(sa.String(200))
    stage: Mapped[str | None] = mapped_column(EnumString(Stage, 16))
    progress: Mapped[float] = mapped_column(default=0.0)
    pool: Mapped[str] = mapped_column(sa.String(32))
    accelerator: Mapped[str] = mapped_column(sa.String(8), default="auto")
    priority: Mapped[int] = mapped_column(default=5)
    #: what to make: script or audio asset, avatar, voice, language, model, params, watermark
    spec: Mapped[dict[str, Any]]
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    webhook_url: Mapped[str | None] = mapped_column(sa.String(2000))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255))
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    idempotency_expires_at: Mapped[datetime | None]

    #: fencing token: bumped by every claim; only the holder may write
    attempt: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    interruptions: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str | None] = mapped_column(sa.String(200))
    lease_expires_at: Mapped[datetime | None]
    #: when the job was last handed to the broker, and how often
    enqueued_at: Mapped[datetime | None]
    sends: Mapped[int] = mapped_column(default=0)
    #: workers on which this job failed, with counts (Flamenco-style blocklist)
    failed_on: Mapped[dict[str, Any]] = mapped_column(default=dict)
    not_before: Mapped[datetime | None]

    error_code: Mapped[str | None] = mapped_column(sa.String(64))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    output: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: 48-bit number the invisible watermark carries for this job
    wm_code: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    #: bumped on every visible change; the ETag is built from it
    version: Mapped[int] = mapped_column(default=1)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobEvent(Base):
    """Every state change, with its time, worker and attempt."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(EnumString(EventType, 32))
    from_status: Mapped[str | None] = mapped_column(EnumString(JobState, 16))
    to_status: Mapped[str | None] = mapped_column(EnumString(JobState, 16))
    attempt: Mapped[int] = mapped_column(default=0)
    worker: Mapped[str | None] = mapped_column(sa.String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class JobAttempt(Base):
    __tablename__ = "job_attempts"
    __table_args__ = (sa.UniqueConstraint("job_id", "number", name="uq_job_attempts_job_number"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    worker: Mapped[str] = mapped_column(sa.String(200))
    outcome: Mapped[str] = mapped_column(EnumString(AttemptOutcome, 16), default=AttemptOutcome.RUNNING.value)
    error_code: Mapped[str | None] = mapped_column(sa.String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class Segment(Base):
    """A finished piece of a job (a sentence or a few), stored so a retry reuses it."""

    __tablename__ = "segments"
    __table_args__ = (sa.UniqueConstraint("job_id", "index", name="uq_segments_job_index"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    job_id: Mapped[str] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    index: Mapped[int]
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    frames: Mapped[int]
    duration_s: Mapped[float]
    attempt: Mapped[int]
    worker: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    hostname: Mapped[str] = mapped_column(sa.String(200))
    tag: Mapped[str] = mapped_column(sa.String(32), index=True)
    arch: Mapped[str] = mapped_column(sa.String(32))
    providers: Mapped[list[Any]] = mapped_column(default=list)
    concurrency: Mapped[int] = mapped_column(default=1)
    running: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(16), default="online")  # online | draining | offline
    #: counters and histograms the worker reports with each heartbeat (batch sizes, stage seconds)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: models this worker's pool serves that it refused to load, name → "code: why" (set at warm-up)
    refused_models: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sa.text("'{}'"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = _id("whe")
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list[Any]] = mapped_column(default=list)
    secret: Mapped[str] = mapped_column(sa.String(200))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(200))
    previous_secret_expires_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = _id("whd")
    tenant_id: Mapped[str] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    endpoint_id: Mapped[str | None] = mapped_column(sa.ForeignKey("webhook_endpoints.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: the Standard Webhooks message id; stable across retries and redeliveries
    event_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    event_type: Mapped[str] = mapped_column(sa.String(32))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")  # pending | delivered | failed | disabled
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    log: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
