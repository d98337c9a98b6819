"""Jobs reach the broker only after their row is committed, through the one
admission path (tasks/admission.py), whichever request made them: a submit, a
batch, a retry or a draft's approval. The sender is the recording stub."""

from __future__ import annotations

import sqlalchemy as sa

from domain.models import Job, Worker
from domain.timeutil import utcnow
from tasks.task_names import RENDER_JOB
from tests.stubs import RecordingSender

JOB = {"script": "Hello from the newsroom.", "avatar": "astronaut"}


def _online_worker(sessions, concurrency: int = 4) -> None:
    with sessions() as session, session.begin():
        session.add(
            Worker(
                id="w",
                hostname="h",
                tag="cpu",
                arch="x86_64",
                concurrency=concurrency,
                state="online",
                heartbeat_at=utcnow(),
            )
        )


def _committed_when_sent(sessions, sender: RecordingSender) -> None:
    """Wrap the stub so each send checks that the job's row is visible to another session."""
    original = sender.send

    def send(task, args, *, queue, priority=None):
        with sessions() as session:
            row = session.get(Job, args[0])
            assert row is not None and row.enqueued_at is not None, "sent before the commit"
        original(task, args, queue=queue, priority=priority)

    sender.send = send  # type: ignore[method-assign]


def test_a_submitted_job_is_sent_once_after_its_commit(alpha, sessions, sender):
    _online_worker(sessions)
    _committed_when_sent(sessions, sender)
    job_id = alpha.post("/v1/jobs", json=JOB).get_json()["id"]
    assert sender.ids(RENDER_JOB) == [job_id]
    assert sender.sent[0].queue == "render.cpu"


def test_a_batch_sends_as_many_jobs_as_the_pool_has_room_for(alpha, sessions, sender):
    _online_worker(sessions, concurrency=1)  # room for 2: one running, one ready next
    response = alpha.post("/v1/batches", json={"jobs": [JOB, JOB, JOB]})
    assert response.status_code == 201, response.get_json()
    assert len(sender.ids(RENDER_JOB)) == 2
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job).where(Job.enqueued_at.is_not(None))) == 2


def test_a_broker_that_refuses_loses_no_job(alpha, sessions, sender):
    _online_worker(sessions)
    sender.refuse = True
    response = alpha.post("/v1/jobs", json=JOB)
    assert response.status_code == 202
    with sessions() as session:
        job = session.get_one(Job, response.get_json()["id"])
        assert job.status == "queued" and job.enqueued_at is None  # unmarked: the scheduler's fill sends it


def test_a_retried_job_is_sent_again(alpha, sessions, sender):
    _online_worker(sessions)
    job_id = alpha.post("/v1/jobs", json=JOB).get_json()["id"]
    assert alpha.post(f"/v1/jobs/{job_id}/cancel").status_code in (200, 202)
    assert alpha.post(f"/v1/jobs/{job_id}/retry").status_code == 202
    assert sender.ids(RENDER_JOB) == [job_id, job_id]
