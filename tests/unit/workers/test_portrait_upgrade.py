"""A portrait asset analysed by an older release (another analysis format) is
analysed again by the first job that uses it, and the new analysis is stored
with the asset, so that its later jobs read it instead of analysing again."""

from __future__ import annotations

import json

import pytest

from domain import lifecycle
from domain.models import Asset, Job, Tenant
from domain.params import with_defaults
from domain.presets import preset_path
from media.render.face import FORMAT_VERSION, analyze_portrait
from storage import open_storage
from tests.stubs import StubControl, StubServices
from workers.attempt import Attempt
from workers.stages import inputs


@pytest.fixture
def services(sqlite_settings, sessions):
    return StubServices(settings=sqlite_settings, sessions=sessions, storage=open_storage(sqlite_settings))


def _attempt(services, tmp_path, info: dict) -> Attempt:
    image = preset_path("astronaut").read_bytes()
    with services.sessions() as session, session.begin():
        tenant = Tenant(name="newsroom")
        session.add(tenant)
        session.flush()
        asset = Asset(
            id="ast_portrait",
            tenant_id=tenant.id,
            kind="image",
            content_type="image/png",
            bytes=len(image),
            sha256="0" * 64,
            storage_key=f"assets/{tenant.id}/ast_portrait",
            info=info,
        )
        session.add(asset)
        services.storage.put_bytes(asset.storage_key, image, "image/png")
        job = Job(
            tenant_id=tenant.id,
            pool="cpu",
            wm_code=5,
            spec={
                "script": "Hello.",
                "avatar": {"asset_id": asset.id},
                "model": "builtin",
                "params": with_defaults({"resolution": 128}),
                "watermark": {"enabled": False},
            },
        )
        session.add(job)
        session.flush()
        claim = lifecycle.claim(session, job.id, "worker-1", 60)
    return Attempt(StubControl(claim), services, tmp_path)


def plain(info) -> dict:
    """As stored: JSON has lists where the analysis has tuples."""
    return json.loads(json.dumps(info))


def _stored_info(services) -> dict:
    with services.sessions() as session:
        return dict(session.get(Asset, "ast_portrait").info)


def _counting_analyses(monkeypatch) -> list[int]:
    calls: list[int] = []

    def counted(image):
        calls.append(1)
        return analyze_portrait(image)

    monkeypatch.setattr(inputs, "analyze_portrait", counted, raising=False)
    return calls


def test_an_older_analysis_is_redone_once_and_stored_with_the_asset(services, tmp_path, monkeypatch):
    current = plain(analyze_portrait(preset_path("astronaut").read_bytes()).to_dict())
    older = {**current, "version": FORMAT_VERSION - 1}
    attempt = _attempt(services, tmp_path, older)
    calls = _counting_analyses(monkeypatch)

    first = inputs.load_portrait(attempt)
    assert first.info is not None and first.info["version"] == FORMAT_VERSION and len(calls) == 1
    assert _stored_info(services) == plain(first.info)

    again = inputs.load_portrait(attempt)  # the next job reads the stored analysis
    assert plain(again.info) == plain(first.info) and len(calls) == 1


def test_a_current_analysis_is_used_as_stored(services, tmp_path, monkeypatch):
    current = plain(analyze_portrait(preset_path("astronaut").read_bytes()).to_dict())
    attempt = _attempt(services, tmp_path, current)
    calls = _counting_analyses(monkeypatch)
    assert plain(inputs.load_portrait(attempt).info) == current and calls == []
