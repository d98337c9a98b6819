"""Every response document in one place: how a job, a batch, an asset, a
webhook endpoint and a delivery look to their tenant. The status endpoints,
the webhooks and the page show the same documents.

Builders that need a signed link take a signing function (``Storage.signed_url``
has the right shape) rather than reaching up for a storage backend.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from domain.models import ApiKey, Asset, Batch, Job, JobEvent, WebhookDelivery, WebhookEndpoint
from domain.params import Param
from domain.states import JobState
from domain.timeutil import iso, utcnow

#: signs a storage key for ``expires_s`` seconds: ``sign(key, expires_s, filename=None) -> url``
LinkSigner = Callable[..., str]


#: a video's media type by its format (the job's output_format)
VIDEO_CONTENT_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime"}


def output_extension(job: Job) -> str:
    """The video's file extension: a composed job's output_format, else mp4."""
    return str(((job.spec or {}).get("composition") or {}).get("output_format") or "mp4")


def output_document(job: Job, sign: LinkSigner | None, expiry_s: int, base_url: str = "") -> dict[str, Any] | None:
    if not job.output:
        return None
    out = {k: v for k, v in job.output.items() if k not in {"key", "files", "renditions"}}
    # a square job's output said neither before 2026-12-07: the format and type its video has always had
    out.setdefault("format", output_extension(job))
    out.setdefault("content_type", VIDEO_CONTENT_TYPES.get(out["format"], "application/octet-stream"))
    if sign is not None:
        extension = output_extension(job)
        out["url"] = _absolute(sign(job.output["key"], expiry_s, filename=f"{job.id}.{extension}"), base_url)
        out["expires_at"] = iso(utcnow() + timedelta(seconds=expiry_s))
        out["files"] = _signed_files(job.output.get("files"), sign, expiry_s, base_url)
        # a composed job's extra cuts, signed like the main video; the worker stores them with their keys
        out["renditions"] = [
            {
                # a rendition stored before 2026-12-07 said no content_type: its format's
                "content_type": VIDEO_CONTENT_TYPES.get(cut.get("format") or extension, "application/octet-stream"),
                **{k: v for k, v in cut.items() if k not in {"key", "files"}},
                "url": _absolute(
                    sign(cut["key"], expiry_s, filename=f"{job.id}-{cut.get('width')}x{cut.get('height')}.{extension}"),
                    base_url,
                ),
                "files": _signed_files(cut.get("files"), sign, expiry_s, base_url),
            }
            for cut in job.output.get("renditions") or []
        ]
    return out


def _signed_files(
    files: dict[str, Any] | None, sign: LinkSigner, expiry_s: int, base_url: str
) -> dict[str, dict[str, Any]]:
    """The files stored beside a video (poster, captions, a WebM's C2PA manifest store) with signed links."""
    return {
        name: {
            "url": _absolute(sign(meta["key"], expiry_s), base_url),
            "content_type": meta.get("content_type"),
            "bytes": meta.get("bytes"),
        }
        for name, meta in (files or {}).items()
    }


def _absolute(url: str, base_url: str) -> str:
    return base_url.rstrip("/") + url if url.startswith("/") else url


def _poster_url(job: Job, sign: LinkSigner | None, expiry_s: int, base_url: str) -> str | None:
    """The poster's signed link (the jobs list's thumbnail), on a succeeded job that has one."""
    poster = ((job.output or {}).get("files") or {}).get("poster")
    if sign is None or not poster:
        return None
    return _absolute(sign(poster["key"], expiry_s), base_url)


def eta_seconds(job: Job) -> float | None:
    """Remaining time of a running job, from its progress so far."""
    if job.status != JobState.RUNNING or not job.started_at or job.progress <= 0.02:
        return None
    elapsed = (utcnow() - job.started_at).total_seconds()
    return round(max(0.0, elapsed * (1 - job.progress) / job.progress), 1)


def job_document(job: Job, sign: LinkSigner | None, expiry_s: int, base_url: str = "") -> dict[str, Any]:
    """A job as its status endpoint shows it; links are signed only for a succeeded job."""
    succeeded = job.status == JobState.SUCCEEDED
    error = (
        {"code": job.error_code, "message": job.error_message}
        if job.error_code and job.status == JobState.FAILED
        else None
    )
    return {
        "id": job.id,
        "status": job.status,
        "stage": job.stage,
        "progress": round(job.progress, 4),
        "pool": job.pool,
        "worker": job.worker,
        "attempts": job.attempt,
        "priority": job.priority,
        "batch_id": job.batch_id,
        "title": job.title,
        "template": _template_of(job),
        "poster_url": _poster_url(job, sign if succeeded else None, expiry_s, base_url),
        "draft": bool((job.spec or {}).get("draft")),
        "draft_of": job.draft_of,
        "final_job_id": job.final_job_id,
        "error": error,
        "output": output_document(job, sign if succeeded else None, expiry_s, base_url) if succeeded else None,
        "eta_s": eta_seconds(job),
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "metadata": job.metadata_ or {},
        "spec": job.spec,
        "timings": job.timings or {},
    }


def _template_of(job: Job) -> dict[str, Any] | None:
    """The template and version a job was made from (its values stay in ``spec``)."""
    made_from = (job.spec or {}).get("template")
    return {"id": made_from["id"], "version": made_from["version"]} if made_from else None


def batch_document(session: Session, batch: Batch) -> dict[str, Any]:
    counts = dict(
        session.execute(
            sa.select(Job.status, sa.func.count()).where(Job.batch_id == batch.id).group_by(Job.status)
        ).all()
    )
    job_ids = session.scalars(sa.select(Job.id).where(Job.batch_id == batch.id).order_by(Job.id)).all()
    return {
        "id": batch.id,
        "size": batch.size,
        "counts": {s.value: counts.get(s.value, 0) for s in JobState},
        "job_ids": list(job_ids),
        "metadata": batch.metadata_ or {},
        "created_at": iso(batch.created_at),
        "completed_at": iso(batch.completed_at),
    }


def batch_summaries(session: Session, batches: list[Batch]) -> list[dict[str, Any]]:
    """Batches for a listing: counts by status (one query for the whole page), no job ids."""
    counts: dict[str, dict[str, int]] = {b.id: {} for b in batches}
    if batches:
        for batch_id, status, n in session.execute(
            sa.select(Job.batch_id, Job.status, sa.func.count())
            .where(Job.batch_id.in_(list(counts)))
            .group_by(Job.batch_id, Job.status)
        ):
            if batch_id is not None:  # the query asks for these batches' jobs only
                counts[batch_id][status] = n
    return [
        {
            "id": b.id,
            "size": b.size,
            "counts": {s.value: counts[b.id].get(s.value, 0) for s in JobState},
            "metadata": b.metadata_ or {},
            "created_at": iso(b.created_at),
            "completed_at": iso(b.completed_at),
        }
        for b in batches
    ]


def asset_document(asset: Asset) -> dict[str, Any]:
    return {
        "id": asset.id,
        "name": asset.name,
        "kind": asset.kind,
        "purpose": asset.purpose,
        "content_type": asset.content_type,
        "bytes": asset.bytes,
        "sha256": asset.sha256,
        "info": asset.info,
        "created_at": iso(asset.created_at),
    }


def endpoint_document(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    """An endpoint; its signing secret only in the answers that make one (create, rotate): shown once."""
    document = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.events,
        "disabled": endpoint.disabled_at is not None,
        "disabled_reason": endpoint.disabled_reason,
        "created_at": iso(endpoint.created_at),
    }
    if with_secret:
        document["secret"] = endpoint.secret
    return document


def delivery_document(d: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "url": d.url,
        "status": d.status,
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "next_attempt_at": iso(d.next_attempt_at),
        "delivered_at": iso(d.delivered_at),
        "log": d.log or [],
        "created_at": iso(d.created_at),
    }


def event_document(event: JobEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": iso(event.at),
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "attempt": event.attempt,
        "worker": event.worker,
        "detail": event.detail or {},
    }


def key_document(key: ApiKey, tenant_name: str | None = None) -> dict[str, Any]:
    """A key as its owner or an operator sees it: never the key itself (it is shown once, at creation)."""
    return {
        "id": key.id,
        "prefix": key.prefix,
        "tenant_id": key.tenant_id,
        "tenant": tenant_name if tenant_name is not None else key.tenant.name,
        "scope": key.scope,
        "created_at": iso(key.created_at),
        "revoked_at": iso(key.revoked_at),
        "expires_at": iso(key.expires_at),
        "minted_by": key.minted_by,
    }


#: JSON Schema's names for a render parameter's Python type
_TYPE_NAMES = {int: "integer", float: "number", bool: "boolean"}


def param_document(p: Param) -> dict[str, Any]:
    return {
        "name": p.name,
        "type": _TYPE_NAMES[p.kind],
        "default": p.default,
        "minimum": p.minimum,
        "maximum": p.maximum,
        "multiple_of": p.multiple_of,
        "description": p.doc,
        "acts": p.acts,
    }
