"""Reading a clip's invisible watermark back to a job, for `talkfarm verify`
and POST /v1/verify. The payload names a job (48-bit code) and its tenant
(16 keyed bits); a tenant learns which of *its* jobs made a clip, and only
that another tenant's clip is ours, never that tenant's job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from domain.models import Job
from media.watermark import InvisibleWatermark, tenant_code, watermark_key


def verify_file(settings, sessions, path: Path, tenant_id: str | None = None) -> dict[str, Any]:
    """What the clip carries. ``tenant_id`` None means an operator asking: every job may be named."""
    key = watermark_key(settings)
    detection = InvisibleWatermark(key).detect(path)
    result: dict[str, Any] = {
        "found": bool(detection.found),
        "confidence": round(float(detection.confidence), 3),
        "ours": False,
        "job_id": None,
        "your_job": False,
    }
    if not detection.found or detection.payload is None:
        return result
    with sessions() as session:
        job = session.scalars(sa.select(Job).where(Job.wm_code == detection.payload.job_code)).first()
        if job is None or tenant_code(job.tenant_id, key) != detection.payload.tenant_code:
            # a valid payload under our key that names no job of ours (e.g. a deleted one)
            result["ours"] = True
            return result
        result["ours"] = True
        if tenant_id is None or job.tenant_id == tenant_id:
            result.update(job_id=job.id, your_job=tenant_id is not None, created_at=job.created_at.isoformat())
    return result
