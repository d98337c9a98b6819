"""Composed jobs run whole in one process: SQLite, local storage, the real
built-in renderer (counted), Piper or a given narration, the real stages.

``composition(...)`` builds ``spec["composition"]`` in the exact, defaults-filled
shape the API stores (docs: the composition contract), so these tests drive the
worker as a job submitted through the API would."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from domain import lifecycle
from domain.drafts import draft_render
from domain.models import Asset, Job, Tenant
from domain.params import with_defaults
from media.render.renderer import Renderer
from tests.stubs import StubControl, StubServices, tone_wav
from workers.attempt import Attempt
from workers.pipeline import run_pipeline

CHARACTER = {
    "style": "normal",
    "scale": 0.8,
    "offset": {"x": 0.0, "y": 0.0},
    "matting": True,
    "circle_background": "#ffffff",
}
CAPTIONS = {
    "burn_in": False,
    "style": "subtitle",
    "position": "bottom",
    "font": None,
    "size": None,
    "color": None,
    "highlight_color": None,
    "box": True,
}


def scene(script: str | None = "Hello from the farm.", **over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "script": script,
        "audio_asset_id": None,
        "transcript": None,
        "avatar": {"preset": "astronaut"},
        "voice": "joe",
        "language": "en",
        "character": copy.deepcopy(CHARACTER),
        "background": {"type": "color", "color": "#1f2937", "asset_id": None, "fit": "cover", "play": "loop"},
        "overlays": [],
        "transition": {"type": "cut", "duration": 0.0},
    }
    for key, value in over.items():
        out[key] = {**out[key], **value} if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


def composition(width: int, height: int, scenes: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "canvas": {"width": width, "height": height},
        "scenes": scenes,
        "captions": copy.deepcopy(CAPTIONS),
        "music": None,
        "renditions": [],
        "output_format": "mp4",
    }
    for key, value in over.items():
        out[key] = {**out[key], **value} if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


class CountingRenderer:
    """The real built-in renderer, counting what it is asked to do."""

    def __init__(self) -> None:
        self.real = Renderer.for_model("builtin")
        self.prepares = 0
        self.renders = 0
        self.frames = 0

    def prepare(self, *args: Any, **kwargs: Any) -> Any:
        self.prepares += 1
        return self.real.prepare(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        self.renders += 1
        for frame in self.real.render(*args, **kwargs):
            self.frames += 1
            yield frame


@dataclass
class Services(StubServices):
    """The stub services with the real renderer, counted."""

    counting: CountingRenderer = field(default_factory=CountingRenderer)
    #: the last job's seconds per stage
    timings: dict[str, float] = field(default_factory=dict)

    def renderer(self, model: str) -> CountingRenderer:  # type: ignore[override]
        return self.counting


def add_asset(services: Services, tenant_id: str, asset_id: str, data: bytes, kind: str, content_type: str) -> str:
    with services.sessions() as session, session.begin():
        asset = Asset(
            id=asset_id,
            tenant_id=tenant_id,
            kind=kind,
            content_type=content_type,
            bytes=len(data),
            sha256="0" * 64,
            storage_key=f"assets/{tenant_id}/{asset_id}",
            info={},
        )
        session.add(asset)
        services.storage.put_bytes(asset.storage_key, data, content_type)
    return asset_id


def new_tenant(services: Services, name: str = "newsroom") -> str:
    with services.sessions() as session, session.begin():
        tenant = Tenant(name=name)
        session.add(tenant)
        session.flush()
        return str(tenant.id)


def job_spec(
    comp: dict[str, Any], *, fps: int = 10, watermark: bool = False, motion_scale: float = 0.0
) -> dict[str, Any]:
    """The job as the API stores it. Tests hold the head still (``motion_scale`` 0) so frames compare exactly;
    a benchmark passes the API's default (1.0), the motion a user gets."""
    return {
        "model": "builtin",
        "params": with_defaults({"fps": fps, "motion_scale": motion_scale}),
        "watermark": {"enabled": watermark},
        "composition": comp,
    }


def run_job(
    services: Services,
    tenant_id: str,
    comp: dict[str, Any],
    *,
    fps: int = 10,
    watermark: bool = False,
    wm_code: int = 7,
    motion_scale: float = 0.0,
    draft: bool = False,
) -> dict[str, Any]:
    """Create the job as the API would store it (``draft``: as its draft, at the draft's size), claim it, run one
    attempt; its output."""
    spec = job_spec(comp, fps=fps, watermark=watermark, motion_scale=motion_scale)
    if draft:
        spec = {**spec, "draft": True, "draft_render": draft_render(spec["params"], comp["canvas"])}
    output, services.timings = run_spec(services, tenant_id, spec, wm_code)
    return output


def run_spec(
    services: StubServices, tenant_id: str, spec: dict[str, Any], wm_code: int, run_with: StubServices | None = None
) -> tuple[dict[str, Any], dict[str, float]]:
    """A job of ``spec`` stored, claimed and run whole, as a worker runs it (``run_with``: other services, such as
    the stub renderer's); its output and timings."""
    with services.sessions() as session, session.begin():
        job = Job(tenant_id=tenant_id, pool="cpu", spec=spec, wm_code=wm_code)
        session.add(job)
        session.flush()
        job_id = job.id
    with services.sessions() as session, session.begin():
        session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
        claim = lifecycle.claim(session, job_id, "worker-1", 60)
    return run_pipeline(StubControl(claim), run_with or services)


__all__ = [
    "Attempt",
    "CountingRenderer",
    "Services",
    "add_asset",
    "composition",
    "job_spec",
    "new_tenant",
    "run_job",
    "run_spec",
    "scene",
    "tone_wav",
]
