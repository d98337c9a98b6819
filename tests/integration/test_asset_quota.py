"""A tenant's asset quota on PostgreSQL as on SQLite (tests/unit/api/test_asset_quota.py has the rest): an
upload past it is a 409 asset_quota_exceeded that stores nothing, deleting an asset frees room, and two uploads
really at once, with room for one, store one. Their rows are counted after the insert with the tenant's row
locked: without the lock, PostgreSQL's two transactions each counted without the other's row and both passed."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from domain.models import Asset
from tests.composition_files import upload
from tests.integration.databases import on_database
from tests.stubs import RecordingSender
from tests.unit.api.test_asset_quota import NOISE

pytestmark = pytest.mark.integration

#: room for the first two noise logos by bytes
ROOM = len(NOISE[0]) + len(NOISE[1]) + 100


@pytest.fixture(params=["sqlite", "postgresql"])
def farm(request, tmp_path):
    from api.app import create_app
    from domain.tenants import create_key, get_or_create_tenant

    settings, sessions = on_database(request, tmp_path / "data", tenant_max_asset_bytes=ROOM, tenant_max_assets=100)
    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, f"quota-{uuid.uuid4().hex[:6]}"))
    app = create_app(settings, sender=RecordingSender())

    def client():
        made = app.test_client()
        made.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return made

    return client, sessions, settings


def stored(settings) -> list[str]:
    root = settings.data_dir / "storage"
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def count_assets(sessions) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Asset))


def test_an_upload_past_the_quota_is_refused_and_deleting_frees_room(farm):
    client, sessions, settings = farm
    c = client()
    first, second = (upload(c, NOISE[i], "logo.png", "logo") for i in (0, 1))
    assert (first.status_code, second.status_code) == (201, 201)
    before = stored(settings)
    refused = upload(c, NOISE[2], "logo.png", "logo")
    assert refused.status_code == 409 and refused.get_json()["code"] == "asset_quota_exceeded"
    assert refused.get_json()["errors"]["quota"]["bytes_limit"] == ROOM
    assert stored(settings) == before and count_assets(sessions) == 2
    assert upload(c, NOISE[0], "logo.png", "logo").status_code == 200  # found again, counted once
    assert c.delete(f"/v1/assets/{first.get_json()['id']}").status_code == 204
    assert upload(c, NOISE[2], "logo.png", "logo").status_code == 201


def test_the_list_pages_the_tenants_assets_with_its_room_and_refuses_a_bad_cursor(farm):
    client, _sessions, _settings = farm
    c = client()
    ids = [upload(c, NOISE[i], "logo.png", "logo").get_json()["id"] for i in (0, 1)]
    first = c.get("/v1/assets?limit=1").get_json()
    rest = c.get(f"/v1/assets?limit=1&cursor={first['next_cursor']}").get_json()
    assert [a["id"] for a in first["items"] + rest["items"]] == ids[::-1] and rest["next_cursor"] is None
    assert first["quota"]["assets_used"] == 2 and first["quota"]["bytes_used"] == len(NOISE[0]) + len(NOISE[1])
    assert c.get("/v1/assets?purpose=music").get_json()["items"] == []
    refused = c.get("/v1/assets?cursor=ast_%27%3B--")
    assert (refused.status_code, refused.get_json()["code"]) == (422, "cursor_invalid")


def test_two_uploads_at_once_with_room_for_one_store_one(farm, monkeypatch):
    """Both pass the look before anything is stored; both insert and count. A barrier holds each count until the
    other upload has inserted too, or 1 s has passed: with the tenant's row locked (PostgreSQL) or the database's
    one writer (SQLite) the second upload cannot insert before the first commits, so it waits out the barrier
    alone, counts the first, and is refused."""
    import api.asset_quota

    client, sessions, settings = farm
    assert upload(client(), NOISE[0], "logo.png", "logo").status_code == 201
    both_inserted = threading.Barrier(2, timeout=1.0)
    real_usage = api.asset_quota.usage

    def usage_once_both_inserted(session, tenant_id):
        if any(isinstance(row, Asset) for row in session):  # hold_room's count, the row inserted
            try:
                both_inserted.wait()
            except threading.BrokenBarrierError:
                pass
        return real_usage(session, tenant_id)

    monkeypatch.setattr(api.asset_quota, "usage", usage_once_both_inserted)
    answers: list[int] = []

    def send(data: bytes) -> None:
        answers.append(upload(client(), data, "logo.png", "logo").status_code)

    threads = [threading.Thread(target=send, args=(NOISE[i],)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [201, 409]
    assert count_assets(sessions) == 2 and len(stored(settings)) == 2
