"""DELETE /v1/assets/{id}: a newsroom removes a portrait it no longer has the rights to. Its stored file, its row
and (unless another asset is the same photo) its cached matte go; another tenant's id is a 404. An asset a
queued or running job, a brand kit or a live template names stays (409 asset_in_use, naming each and the
field) until nothing does. Finished jobs keep their outputs and their spec as made. Before, there was no way to
delete an asset at all (405)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from domain.models import Asset, Job
from media.compose import matte_key
from tests import composition_files as files
from tests.composition_files import upload
from tests.templates_fixtures import news
from tests.unit.api.test_requests import assert_problem as problem


def own_photo(note: str = "newsroom") -> bytes:
    """The preset's face as a photo of the newsroom's own (other bytes, so not the preset's shared matte)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", note)
    out = io.BytesIO()
    with Image.open(io.BytesIO(files.portrait())) as picture:
        picture.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def made(response) -> dict:
    assert response.status_code in (200, 201, 202), response.get_data(as_text=True)
    return response.get_json()


def stored_files(sqlite_settings, under: str = "") -> list[str]:
    root = sqlite_settings.data_dir / "storage"
    return sorted(str(p.relative_to(root)) for p in (root / under).rglob("*") if p.is_file()) if root.exists() else []


def delete(client, asset_id: str):
    return client.delete(f"/v1/assets/{asset_id}")


def test_deleting_an_asset_removes_its_stored_file_and_its_row(alpha, sqlite_settings, sessions):
    asset = made(upload(alpha, files.music(), "bed.wav", "music"))
    assert stored_files(sqlite_settings, "assets") == [f"assets/{asset_tenant(sessions, asset)}/{asset['id']}"]
    gone = delete(alpha, asset["id"])
    assert gone.status_code == 204 and gone.get_data() == b"" and "Content-Type" not in gone.headers
    problem(alpha.get(f"/v1/assets/{asset['id']}"), 404, "asset_not_found")
    problem(delete(alpha, asset["id"]), 404, "asset_not_found")
    assert stored_files(sqlite_settings, "assets") == []
    with sessions() as session:
        assert session.get(Asset, asset["id"]) is None
    assert made(upload(alpha, files.music(), "bed.wav", "music"))["id"] != asset["id"]  # stored anew, not found


def asset_tenant(sessions, asset: dict) -> str:
    with sessions() as session:
        return session.get_one(Asset, asset["id"]).tenant_id


def test_another_tenants_asset_is_a_404_and_stays(alpha, beta, sqlite_settings):
    asset = made(upload(alpha, files.logo(), "logo.png", "logo"))
    problem(delete(beta, asset["id"]), 404, "asset_not_found")
    assert alpha.get(f"/v1/assets/{asset['id']}").status_code == 200
    assert len(stored_files(sqlite_settings, "assets")) == 1


def test_a_portraits_matte_goes_with_it_unless_another_asset_is_the_same_photo(alpha, beta, sqlite_settings):
    photo = own_photo()
    ours, theirs = (made(upload(c, photo, "face.png", "portrait")) for c in (alpha, beta))
    matte = ours["info"]["matte"]["key"]
    assert matte == matte_key(ours["sha256"]) and stored_files(sqlite_settings, "cache") == [matte]
    assert delete(alpha, ours["id"]).status_code == 204
    assert stored_files(sqlite_settings, "cache") == [matte]  # beta's portrait is the same photo
    assert delete(beta, theirs["id"]).status_code == 204
    assert stored_files(sqlite_settings, "cache") == []
    assert stored_files(sqlite_settings, "assets") == []


def test_the_presets_matte_stays_when_a_portrait_of_its_photo_is_deleted(alpha, sqlite_settings):
    asset = made(upload(alpha, files.portrait(), "astronaut.png", "portrait"))
    assert delete(alpha, asset["id"]).status_code == 204
    assert stored_files(sqlite_settings, "cache") == [asset["info"]["matte"]["key"]]


@pytest.mark.parametrize("status", ["queued", "running"])
def test_an_asset_a_job_in_flight_names_is_kept_until_the_job_is_over(alpha, sessions, sqlite_settings, status):
    portrait = made(upload(alpha, own_photo(), "face.png", "portrait"))
    job = made(alpha.post("/v1/jobs", json={"script": "Good evening.", "avatar": portrait["id"]}))
    with sessions() as session, session.begin():
        session.get_one(Job, job["id"]).status = status
    body = problem(delete(alpha, portrait["id"]), 409, "asset_in_use")
    assert f"{status} job {job['id']} (avatar.asset_id)" in body["detail"]
    assert body["errors"]["uses"] == [{"kind": "job", "id": job["id"], "status": status, "fields": ["avatar.asset_id"]}]
    assert alpha.get(f"/v1/assets/{portrait['id']}").status_code == 200 and stored_files(sqlite_settings, "assets")
    assert alpha.post(f"/v1/jobs/{job['id']}/cancel").status_code == 200
    assert delete(alpha, portrait["id"]).status_code == 204


def test_an_asset_a_brand_kit_names_is_kept_until_the_kit_no_longer_does(alpha):
    logo = made(upload(alpha, files.logo(), "logo.png", "logo"))
    kit = made(alpha.post("/v1/brand-kits", json={"name": "Evening", "logo_asset_id": logo["id"]}))
    body = problem(delete(alpha, logo["id"]), 409, "asset_in_use")
    assert f"brand kit 'Evening' ({kit['id']}: logo_asset_id)" in body["detail"]
    assert body["errors"]["uses"][0] == {
        "kind": "brand_kit",
        "id": kit["id"],
        "name": "Evening",
        "fields": ["logo_asset_id"],
    }
    made(alpha.put(f"/v1/brand-kits/{kit['id']}", json={"name": "Evening"}))
    assert delete(alpha, logo["id"]).status_code == 204


def test_an_asset_a_live_template_names_is_kept_until_the_template_is_deleted(alpha):
    portrait = made(upload(alpha, own_photo(), "face.png", "portrait"))
    template = made(alpha.post("/v1/templates", json=news(body__avatar=portrait["id"])))
    body = problem(delete(alpha, portrait["id"]), 409, "asset_in_use")
    assert body["errors"]["uses"] == [
        {"kind": "template", "id": template["id"], "name": "Nightly news", "fields": ["body.avatar"]}
    ]
    assert alpha.delete(f"/v1/templates/{template['id']}").status_code == 204
    assert delete(alpha, portrait["id"]).status_code == 204


def test_a_templates_variable_default_holds_an_asset_and_an_older_version_does_not(alpha):
    portrait = made(upload(alpha, own_photo(), "face.png", "portrait"))
    studio = {"name": "studio", "type": "image", "required": False, "default": portrait["id"]}
    with_default = news(body__avatar="{{studio}}", variables=[*news()["variables"], studio])
    template = made(alpha.post("/v1/templates", json=with_default))
    body = problem(delete(alpha, portrait["id"]), 409, "asset_in_use")
    assert body["errors"]["uses"][0]["fields"] == ["variables[4].default"]
    made(alpha.put(f"/v1/templates/{template['id']}", json=news()))  # version 2 names it nowhere
    assert delete(alpha, portrait["id"]).status_code == 204


def test_a_finished_job_keeps_its_output_and_spec_when_its_asset_is_deleted(alpha, sessions):
    portrait = made(upload(alpha, own_photo(), "face.png", "portrait"))
    job = made(alpha.post("/v1/jobs", json={"script": "Good evening.", "avatar": portrait["id"]}))
    with sessions() as session, session.begin():
        row = session.get_one(Job, job["id"])
        row.status, row.output = "succeeded", {"key": f"outputs/{job['id']}.mp4", "bytes": 1}
    assert delete(alpha, portrait["id"]).status_code == 204
    after = alpha.get(f"/v1/jobs/{job['id']}").get_json()
    assert after["status"] == "succeeded" and after["spec"]["avatar"] == {"asset_id": portrait["id"]}


def failed_job_naming_a_deleted_portrait(alpha, sessions) -> tuple[str, str]:
    portrait = made(upload(alpha, own_photo(), "face.png", "portrait"))
    job = made(alpha.post("/v1/jobs", json={"script": "Good evening.", "avatar": portrait["id"]}))
    with sessions() as session, session.begin():
        row = session.get_one(Job, job["id"])
        row.status, row.error_code = "failed", "render_failed"
    assert delete(alpha, portrait["id"]).status_code == 204
    return job["id"], portrait["id"]


def test_a_spec_naming_a_deleted_asset_is_refused_asset_not_found_naming_the_field(alpha, sessions):
    from api.asset_references import check_named_assets
    from domain.errors import ProblemError

    job_id, portrait_id = failed_job_naming_a_deleted_portrait(alpha, sessions)
    with sessions() as session:
        job = session.get_one(Job, job_id)
        with pytest.raises(ProblemError) as refused:
            check_named_assets(session, job.tenant_id, job.spec)
    assert (refused.value.code, refused.value.status) == ("asset_not_found", 404)
    assert refused.value.detail.startswith(f"avatar.asset_id: the asset {portrait_id} was deleted")


def test_retrying_a_failed_job_whose_asset_was_deleted_is_refused_asset_not_found(alpha, sessions):
    job_id, _ = failed_job_naming_a_deleted_portrait(alpha, sessions)
    problem(alpha.post(f"/v1/jobs/{job_id}/retry"), 404, "asset_not_found")
    assert alpha.get(f"/v1/jobs/{job_id}").get_json()["status"] == "failed"


def test_approving_a_draft_whose_portrait_was_deleted_is_refused_asset_not_found(alpha, sessions):
    portrait = made(upload(alpha, own_photo(), "face.png", "portrait"))
    draft = made(alpha.post("/v1/jobs", json={"script": "Good evening.", "avatar": portrait["id"], "draft": True}))
    with sessions() as session, session.begin():
        session.get_one(Job, draft["id"]).status = "succeeded"
    assert delete(alpha, portrait["id"]).status_code == 204
    problem(alpha.post(f"/v1/jobs/{draft['id']}/approve"), 404, "asset_not_found")
    assert alpha.get(f"/v1/jobs/{draft['id']}").get_json()["final_job_id"] is None  # no final made


def test_a_job_that_meets_its_deleted_portrait_at_the_worker_fails_cleanly(alpha, sessions, sqlite_settings):
    """What a retried job does today (and a job made while its asset was being deleted): the worker fails it with
    a code of its own, never a crash (internal_error) or a retry loop."""
    from domain import lifecycle
    from tasks.render_job import _run_attempt
    from tests.stubs import RecordingSender
    from workers.runtime import AttemptHandle, WorkerRuntime

    job_id, _ = failed_job_naming_a_deleted_portrait(alpha, sessions)
    assert alpha.post(f"/v1/jobs/{job_id}/retry").status_code in (202, 404)
    with sessions() as session, session.begin():
        session.get_one(Job, job_id).status = "queued"  # as the retry leaves it, or a job made at the deletion
        rt = WorkerRuntime(sqlite_settings, "cpu", 1, ["CPUExecutionProvider"], sender=RecordingSender())
        claim = lifecycle.claim(session, job_id, rt.worker_id, 60)
    _run_attempt(rt, AttemptHandle(claim, rt))
    with sessions() as session:
        job = session.get_one(Job, job_id)
        assert (job.status, job.error_code) == ("failed", "avatar_missing")


def test_the_contract_documents_the_delete(alpha):
    operation = alpha.get("/openapi.json").get_json()["paths"]["/v1/assets/{asset_id}"]["delete"]
    assert {"204", "404", "409"} <= set(operation["responses"])
    assert "asset_in_use" in operation["responses"]["409"]["description"]
