"""A template deleted while its batch runs: the batch's jobs still render, from the filled
body each recorded. The API (SQLite) makes the batch and deletes the template; then the
real pipeline (Piper, the built-in renderer, media.compose) runs a job as a worker would."""

from __future__ import annotations

import copy

import sqlalchemy as sa

from domain import lifecycle
from domain.models import Job, Template
from storage import open_storage
from tests.stubs import StubControl
from tests.templates_fixtures import NEWS, rows
from tests.unit.api.conftest import alpha, app, keys, sender  # noqa: F401  (pytest fixtures: the API on SQLite)
from tests.unit.compose.jobs import Services
from workers.pipeline import run_pipeline


def test_a_job_of_a_deleted_templates_batch_renders_from_its_recorded_body(alpha, sqlite_settings, sessions):  # noqa: F811
    template = copy.deepcopy(NEWS)
    template["body"].update(canvas={"width": 320, "height": 180}, params={"fps": 10})
    made = alpha.post("/v1/templates", json=template).get_json()
    batch = alpha.post("/v1/batches", json={"template_id": made["id"], "rows": rows(2)}).get_json()
    assert batch["size"] == 2
    assert alpha.delete(f"/v1/templates/{made['id']}").status_code == 204
    with sessions() as session:
        assert session.get_one(Template, made["id"]).deleted_at is not None
        job_id = session.scalars(sa.select(Job.id).where(Job.batch_id == batch["id"])).first()
    with sessions() as session, session.begin():
        claim = lifecycle.claim(session, job_id, "worker-1", 60)
    assert claim is not None
    services = Services(sqlite_settings, sessions, open_storage(sqlite_settings))
    output, _ = run_pipeline(StubControl(claim), services)
    assert (output["width"], output["height"]) == (320, 180) and output["duration_s"] > 0.5
    assert services.counting.frames > 0  # the face was rendered, not skipped
