"""How a job looks to its tenant: the status endpoint and webhooks show the same document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.models import Job
from domain.timeutil import iso, utcnow
from storage import Storage


def output_document(job: Job, storage: Storage | None, expiry_s: int, base_url: str = "") -> dict[str, Any] | None:
    if not job.output:
        return None
    out = {k: v for k, v in job.output.items() if k not in {"key", "files"}}
    if storage is not None:
        out["url"] = _absolute(storage.signed_url(job.output["key"], expiry_s, filename=f"{job.id}.mp4"), base_url)
        out["expires_at"] = iso(utcnow() + timedelta(seconds=expiry_s))
        files = {}
        for name, meta in (job.output.get("files") or {}).items():
            files[name] = {"url": _absolute(storage.signed_url(meta["key"], expiry_s), base_url),
                           "content_type": meta.get("content_type"), "bytes": meta.get("bytes")}
        out["files"] = files
    return out


def _absolute(url: str, base_url: str) -> str:
    return base_url.rstrip("/") + url if url.startswith("/") else url


def eta_seconds(job: Job) -> float | None:
    """Remaining time of a running job, from its progress so far."""
    if job.status != "running" or not job.started_at or job.progress <= 0.02:
        return None
    elapsed = (utcnow() - job.started_at).total_seconds()
    return round(max(0.0, elapsed * (1 - job.progress) / job.progress), 1)


def job_document(job: Job, storage: Storage | None, expiry_s: int, base_url: str = "") -> dict[str, Any]:
    error = {"code": job.error_code, "message": job.error_message} if job.error_code and job.status == "failed" else None
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
        "error": error,
        "output": output_document(job, storage, expiry_s, base_url) if job.status == "succeeded" else None,
        "eta_s": eta_seconds(job),
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "metadata": job.metadata_ or {},
        "spec": job.spec,
        "timings": job.timings or {},
    }
