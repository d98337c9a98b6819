"""Whose visible watermark a job gets: the tenant's defaults, the job's own
choices where allowed, and never none unless the tenant may turn it off."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.stubs import RecordingSender
from tests.unit.api.test_requests import assert_problem

JOB = {"script": "Hello.", "avatar": "astronaut"}


@pytest.fixture
def app(sqlite_settings):
    from api.app import create_app

    return create_app(sqlite_settings, sender=RecordingSender())


def client_for(app, sessions, name, **tenant):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        t = get_or_create_tenant(session, name)
        for key, value in tenant.items():
            setattr(t, key, value)
        key = create_key(session, t)
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return c


def test_tenant_defaults_apply_and_a_job_overrides_them(app, sessions):
    c = client_for(app, sessions, "brand", watermark={"text": "Brand News", "position": "top-left"})
    plain = c.post("/v1/jobs", json=JOB).get_json()
    assert plain["spec"]["watermark"] == {"text": "Brand News", "position": "top-left"}
    custom = c.post("/v1/jobs", json={**JOB, "watermark": {"position": "bottom-right", "opacity": 0.3}}).get_json()
    assert custom["spec"]["watermark"] == {"text": "Brand News", "position": "bottom-right", "opacity": 0.3}


def test_a_job_may_not_turn_the_watermark_off_unless_its_tenant_may(app, sessions):
    strict = client_for(app, sessions, "strict")
    assert_problem(strict.post("/v1/jobs", json={**JOB, "watermark": {"enabled": False}}), 403, "watermark_required")
    relaxed = client_for(app, sessions, "relaxed", may_disable_watermark=True)
    job = relaxed.post("/v1/jobs", json={**JOB, "watermark": {"enabled": False}})
    assert job.status_code == 202 and job.get_json()["spec"]["watermark"]["enabled"] is False


def test_a_logo_must_be_the_tenants_own_image(app, sessions):
    owner = client_for(app, sessions, "owner")
    other = client_for(app, sessions, "other")
    from domain.presets import preset_path

    portrait = owner.post(
        "/v1/assets",
        data={"file": (io.BytesIO(preset_path("astronaut").read_bytes()), "p.png")},
        content_type="multipart/form-data",
    ).get_json()
    assert_problem(
        other.post("/v1/jobs", json={**JOB, "watermark": {"logo_asset_id": portrait["id"]}}), 404, "asset_not_found"
    )
    assert owner.post("/v1/jobs", json={**JOB, "watermark": {"logo_asset_id": portrait["id"]}}).status_code == 202


def test_tenants_set_stores_defaults_and_refuses_a_broken_logo(sqlite_settings, tmp_path):
    from tests.conftest import settings_env

    env = settings_env(sqlite_settings)
    talkfarm = [sys.executable, "-m", "cli.main", "tenants", "set", "brand"]
    done = subprocess.run(
        talkfarm + ["--watermark-text", "Brand", "--watermark-opacity", "0.4", "--weight", "3"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert '"text": "Brand"' in done.stdout and '"weight": 3' in done.stdout
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not a png")
    refused = subprocess.run(talkfarm + ["--watermark-logo", str(bad)], env=env, capture_output=True, text=True)
    assert refused.returncode != 0
    logo = tmp_path / "good.png"
    Image.fromarray(np.full((40, 120, 4), 200, np.uint8)).save(logo)
    ok = subprocess.run(talkfarm + ["--watermark-logo", str(logo)], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "logo_asset_id" in ok.stdout, ok.stderr


@pytest.mark.parametrize(
    ("mark", "named"),
    [
        ({"text": ".", "opacity": 0.05, "size": 0.02}, ("watermark.opacity", "watermark.size", "watermark.text")),
        ({"text": " \u200b "}, ("watermark.text",)),
        ({"opacity": 0.1}, ("watermark.opacity",)),
        ({"size": 0.02}, ("watermark.size",)),
    ],
)
def test_a_tenant_that_may_not_turn_the_mark_off_may_not_make_it_unreadable_either(app, sessions, mark, named):
    """A security review hid the visible mark from a tenant refused `enabled: false`: the text ".", opacity 0.05
    and size 0.02 were taken, and the delivered frames showed no mark. Such a mark is now refused as turning it off
    is, in a job and in a brand kit; a tenant allowed to turn it off may still make it faint."""
    strict = client_for(app, sessions, "strict")
    body = assert_problem(strict.post("/v1/jobs", json={**JOB, "watermark": mark}), 403, "watermark_required")
    assert all(field in body["detail"] for field in named), body["detail"]
    kit = strict.post("/v1/brand-kits", json={"name": "Faint", "watermark": mark})
    assert_problem(kit, 403, "watermark_required")
    assert strict.post("/v1/jobs", json={**JOB, "watermark": {"opacity": 0.3, "size": 0.03}}).status_code == 202
    relaxed = client_for(app, sessions, "relaxed", may_disable_watermark=True)
    assert relaxed.post("/v1/jobs", json={**JOB, "watermark": mark}).status_code == 202


def test_what_a_tenant_inherits_is_drawn_at_the_floors_not_refused(app, sessions):
    """From review: the floors refused every job of a tenant whose operator had set opacity 0.2 (`tenants set`), and
    every save of a kit stored before them. What a job inherits is now drawn at the floors; only what a request
    sets now is refused. A one-letter brand ("X", "朝") is a mark."""
    from domain.models import BrandKit

    faint = client_for(app, sessions, "faint", watermark={"text": "Faint TV", "opacity": 0.2, "size": 0.02})
    job = faint.post("/v1/jobs", json=JOB)
    assert job.status_code == 202, job.get_data(as_text=True)
    assert job.get_json()["spec"]["watermark"] == {"text": "Faint TV", "opacity": 0.25, "size": 0.025}
    kits = faint.get("/v1/brand-kits").get_json()["items"]
    with sessions() as session, session.begin():  # a kit stored before the floors, its text a dot
        row = session.get_one(BrandKit, kits[0]["id"])
        row.settings = {**row.settings, "watermark": {"text": ".", "opacity": 0.1}}
    kit = faint.get(f"/v1/brand-kits/{kits[0]['id']}").get_json()
    body = {k: kit[k] for k in ("name", "default", "watermark")} | {"colors": {"primary": "#C8102E"}}
    assert faint.put(f"/v1/brand-kits/{kit['id']}", json=body).status_code == 200  # another field changed
    drawn = faint.post("/v1/jobs", json=JOB).get_json()["spec"]["watermark"]
    assert drawn["opacity"] == 0.25 and "text" not in drawn  # the farm's default text instead of "."
    for brand in ("X", "朝"):
        assert faint.post("/v1/jobs", json={**JOB, "watermark": {"text": brand}}).status_code == 202
