"""Drafts: `draft: true` asks for a cheap preview with the final's params kept
for later; approving a succeeded draft makes the final job, linked both ways,
once. Approving anything else is a 409; another tenant's draft is a 404."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain import lifecycle
from domain.drafts import draft_render, drawn_frames, held_frame
from domain.models import Job, Tenant
from tests.unit.api.bearer import client
from tests.unit.api.test_job_history_retry import claim, fail_for_good
from tests.unit.api.test_requests import assert_problem

DRAFT = {
    "script": "Hello from the newsroom.",
    "avatar": "astronaut",
    "draft": True,
    "priority": 7,
    "metadata": {"story": "42"},
}


def submit(c, body=DRAFT) -> dict:
    response = c.post("/v1/jobs", json=body)
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def succeed(sessions, job_id: str) -> None:
    token = claim(sessions, job_id)
    with sessions() as session, session.begin():
        lifecycle.succeed(session, token, {"key": f"outputs/{job_id}/video.mp4", "duration_s": 2.0}, {})


def test_a_draft_keeps_the_final_params_and_says_how_it_is_drawn(alpha):
    job = submit(alpha, {**DRAFT, "params": {"resolution": 512, "fps": 25}})
    assert job["draft"] is True and job["draft_of"] is None and job["final_job_id"] is None
    assert job["spec"]["params"]["resolution"] == 512 and job["spec"]["params"]["fps"] == 25
    assert job["spec"]["draft_render"] == {"resolution": 256, "fps": 12, "preset": "ultrafast"}
    plain = submit(alpha, {k: v for k, v in DRAFT.items() if k != "draft"})
    assert plain["draft"] is False and "draft_render" not in plain["spec"]


def test_approving_a_succeeded_draft_makes_one_final_linked_both_ways(alpha, sessions):
    draft = submit(alpha)
    succeed(sessions, draft["id"])
    approved = alpha.post(f"/v1/jobs/{draft['id']}/approve")
    assert approved.status_code == 202
    final = approved.get_json()
    assert approved.headers["Location"] == f"/v1/jobs/{final['id']}"
    assert final["status"] == "queued" and final["draft"] is False and final["draft_of"] == draft["id"]
    assert final["spec"] == {k: v for k, v in draft["spec"].items() if k not in ("draft", "draft_render")}
    assert final["priority"] == 7 and final["metadata"] == {"story": "42"}
    assert alpha.get(f"/v1/jobs/{draft['id']}").get_json()["final_job_id"] == final["id"]
    approval = alpha.get(f"/v1/jobs/{draft['id']}/events").get_json()["items"][-1]
    assert approval["kind"] == "approved" and approval["detail"] == {"final_job_id": final["id"]}
    again = alpha.post(f"/v1/jobs/{draft['id']}/approve")
    assert again.status_code == 200 and again.get_json()["id"] == final["id"]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 2


def test_approving_a_final_job_is_409_job_not_draft(alpha, sessions):
    plain = submit(alpha, {k: v for k, v in DRAFT.items() if k != "draft"})
    succeed(sessions, plain["id"])
    assert_problem(alpha.post(f"/v1/jobs/{plain['id']}/approve"), 409, "job_not_draft")


@pytest.mark.parametrize("state", ["queued", "running", "failed", "canceled"])
def test_approving_an_unfinished_or_failed_draft_is_409(alpha, sessions, state):
    draft = submit(alpha)
    if state == "running":
        claim(sessions, draft["id"])
    elif state == "failed":
        fail_for_good(sessions, draft["id"])
    elif state == "canceled":
        alpha.post(f"/v1/jobs/{draft['id']}/cancel")
    body = assert_problem(alpha.post(f"/v1/jobs/{draft['id']}/approve"), 409, "draft_not_succeeded")
    assert state in body["detail"]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1


def test_another_tenants_draft_or_an_unknown_one_is_404(app, alpha, keys, sessions):
    draft = submit(alpha)
    succeed(sessions, draft["id"])
    beta = client(app, keys["beta"])
    assert_problem(beta.post(f"/v1/jobs/{draft['id']}/approve"), 404, "job_not_found")
    assert_problem(beta.post("/v1/jobs/job_00000000000000000000000000/approve"), 404, "job_not_found")
    assert alpha.get(f"/v1/jobs/{draft['id']}").get_json()["final_job_id"] is None


def test_approving_over_the_in_flight_limit_is_429_and_makes_nothing(alpha, sessions):
    draft = submit(alpha)
    succeed(sessions, draft["id"])
    submit(alpha)
    with sessions() as session, session.begin():
        session.execute(sa.update(Tenant).where(Tenant.name == "alpha").values(max_in_flight=1))
    assert_problem(alpha.post(f"/v1/jobs/{draft['id']}/approve"), 429, "too_many_jobs_in_flight")
    assert alpha.get(f"/v1/jobs/{draft['id']}").get_json()["final_job_id"] is None


@pytest.mark.parametrize("value", ["yes", "true", None, {}])
def test_a_draft_flag_that_is_not_a_boolean_is_422(alpha, value):
    response = alpha.post("/v1/jobs", json={**DRAFT, "draft": value})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


# --- how a draft is drawn ------------------------------------------------------------------
@pytest.mark.parametrize(
    "resolution, fps, drawn",
    [(512, 25, (256, 12)), (128, 25, (128, 12)), (2048, 60, (256, 12)), (256, 10, (128, 10)), (144, 30, (128, 12))],
)
def test_draft_render_is_smaller_and_slower_never_below_the_minimum(resolution, fps, drawn):
    render = draft_render({"resolution": resolution, "fps": fps})
    assert (render["resolution"], render["fps"]) == drawn and render["resolution"] % 16 == 0


@pytest.mark.parametrize("output_fps, drawn_fps", [(25, 12), (24, 12), (30, 12), (60, 12), (10, 10), (13, 12)])
def test_every_output_frame_holds_a_drawn_frame_at_or_before_its_time(output_fps, drawn_fps):
    for output_frames in (1, 2, 24, 25, 76, 1001):
        shown = [held_frame(j, output_fps, drawn_fps) for j in range(output_frames)]
        assert shown[0] == 0 and shown == sorted(shown)
        assert max(shown) < drawn_frames(output_frames, output_fps, drawn_fps)
        assert all(s / drawn_fps <= j / output_fps + 1e-9 for j, s in enumerate(shown))  # never ahead of the speech
        assert all(
            j / output_fps - s / drawn_fps < 1 / drawn_fps for j, s in enumerate(shown)
        )  # at most one drawn frame behind


def test_approving_a_draft_whose_model_was_removed_is_422(alpha, sessions):
    draft = submit(alpha)
    succeed(sessions, draft["id"])
    with sessions() as session, session.begin():
        job = session.get(Job, draft["id"])
        job.spec = {**job.spec, "model": "retired-model"}
    assert_problem(alpha.post(f"/v1/jobs/{draft['id']}/approve"), 422, "model_unknown")
    assert alpha.get(f"/v1/jobs/{draft['id']}").get_json()["final_job_id"] is None


def test_approving_when_every_live_worker_refused_the_model_is_422_and_makes_nothing(alpha, sessions):
    from tests.unit.api.test_refused_models import WHY, add_worker

    draft = submit(alpha)
    succeed(sessions, draft["id"])
    add_worker(sessions, "w-refuses", {"builtin": WHY})
    assert_problem(alpha.post(f"/v1/jobs/{draft['id']}/approve"), 422, "model_unavailable")
    assert alpha.get(f"/v1/jobs/{draft['id']}").get_json()["final_job_id"] is None


def test_the_finals_of_a_batchs_approved_drafts_are_listed_by_finals_of_batch(alpha, beta, sessions):
    """A final is not a job of its draft's batch (`batch_id` leaves it out): `finals_of_batch` lists them, paged as
    any list is, so a batch's page follows a thousand finals in a few calls rather than one a draft."""
    batch = alpha.post("/v1/batches", json={"jobs": [DRAFT] * 3}).get_json()
    drafts = batch["job_ids"]
    for draft_id in drafts[:2]:
        succeed(sessions, draft_id)
    finals = {alpha.post(f"/v1/jobs/{draft_id}/approve").get_json()["id"] for draft_id in drafts[:2]}
    other = submit(alpha)  # a draft of no batch, approved too: not among them
    succeed(sessions, other["id"])
    alpha.post(f"/v1/jobs/{other['id']}/approve")

    def listed(c, **query) -> list[str]:
        response = c.get("/v1/jobs", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [j["id"] for j in response.get_json()["items"]]

    assert set(listed(alpha, finals_of_batch=batch["id"])) == finals
    assert set(listed(alpha, batch_id=batch["id"])) == set(drafts)
    first = alpha.get("/v1/jobs", query_string={"finals_of_batch": batch["id"], "limit": 1}).get_json()
    rest = listed(alpha, finals_of_batch=batch["id"], cursor=first["next_cursor"])
    assert {first["items"][0]["id"], *rest} == finals
    assert listed(alpha, finals_of_batch=batch["id"], status="running") == []
    assert listed(beta, finals_of_batch=batch["id"]) == []  # another tenant's batch: nothing
