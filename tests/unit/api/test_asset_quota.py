"""A tenant's assets are bounded in stored bytes and in number (TALKFARM_TENANT_MAX_ASSET_BYTES, 20 GiB, and
TALKFARM_TENANT_MAX_ASSETS, 10,000; small here), on SQLite (PostgreSQL, and two uploads at once, in
tests/integration/test_asset_quota.py). A security review uploaded three 17 MB noise PNGs as logos, each a 201
in 0.13 s, and the storage folder grew from 2.5 to 52 MB: one key could fill the disk every tenant shares. Now
an upload past either limit is a 409 asset_quota_exceeded, refused before it is inspected or stored; the same
bytes again count nothing, and deleting an asset frees its room."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from tests import composition_files as files
from tests.composition_files import upload
from tests.unit.api.test_requests import assert_problem as problem


def noise(seed: int, side: int = 96) -> bytes:
    """A PNG of random pixels (as the review's were): it does not compress, so its size is known in advance."""
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


NOISE = [noise(seed) for seed in range(3)]


@pytest.fixture
def limits():
    """The limits the app is made with: room for two of the noise logos by bytes, and plenty of assets."""
    return {"tenant_max_asset_bytes": len(NOISE[0]) + len(NOISE[1]) + 100, "tenant_max_assets": 100}


@pytest.fixture
def app(sqlite_settings, sender, limits):
    from api.app import create_app

    return create_app(dataclasses.replace(sqlite_settings, **limits), sender=sender)


def stored(sqlite_settings) -> list[str]:
    root = sqlite_settings.data_dir / "storage"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def logo(client, data: bytes, purpose: str = "logo"):
    return upload(client, data, "logo.png", purpose)


def test_an_upload_past_the_tenants_stored_bytes_is_refused_and_nothing_is_stored(alpha, beta, sqlite_settings):
    assert [logo(alpha, NOISE[i]).status_code for i in (0, 1)] == [201, 201]
    before = stored(sqlite_settings)
    body = problem(logo(alpha, NOISE[2]), 409, "asset_quota_exceeded")
    used, limit = len(NOISE[0]) + len(NOISE[1]), len(NOISE[0]) + len(NOISE[1]) + 100
    assert f"{used:,} bytes" in body["detail"] and f"{limit:,} bytes" in body["detail"]
    assert f"this upload of {len(NOISE[2]):,} bytes" in body["detail"]
    assert "Deleting assets" in body["detail"] and "DELETE /v1/assets/{id}" in body["detail"]
    assert body["errors"]["quota"] == {
        "bytes_used": used,
        "bytes_limit": limit,
        "assets_used": 2,
        "assets_limit": 100,
        "upload_bytes": len(NOISE[2]),
    }
    assert stored(sqlite_settings) == before
    assert logo(beta, NOISE[2]).status_code == 201  # the limit is each tenant's own


@pytest.mark.parametrize("limits", [{"tenant_max_asset_bytes": 10**9, "tenant_max_assets": 2}])
def test_an_upload_past_the_tenants_number_of_assets_is_refused(alpha, sqlite_settings):
    assert [logo(alpha, NOISE[i]).status_code for i in (0, 1)] == [201, 201]
    before = stored(sqlite_settings)
    body = problem(upload(alpha, files.music(), "bed.wav", "music"), 409, "asset_quota_exceeded")
    assert "2 assets" in body["detail"] and "may keep 2 assets" in body["detail"]
    assert body["errors"]["quota"]["assets_used"] == 2 and body["errors"]["quota"]["assets_limit"] == 2
    assert stored(sqlite_settings) == before


@pytest.mark.parametrize("limits", [{"tenant_max_asset_bytes": 10**9, "tenant_max_assets": 1}])
def test_a_portrait_past_the_limit_is_refused_before_its_face_is_analysed_or_its_matte_made(alpha, monkeypatch):
    import api.assets

    assert logo(alpha, NOISE[0]).status_code == 201
    analysed = []
    monkeypatch.setattr(api.assets, "_portrait_info", lambda data: analysed.append(data) or {})
    problem(upload(alpha, files.portrait(), "face.png", "portrait"), 409, "asset_quota_exceeded")
    assert analysed == []


@pytest.mark.parametrize("limits", [{"tenant_max_asset_bytes": 10**9, "tenant_max_assets": 2}])
def test_the_same_bytes_uploaded_again_at_the_limit_count_nothing(alpha, sqlite_settings):
    portrait = upload(alpha, files.portrait(), "face.png", "portrait").get_json()
    first = logo(alpha, NOISE[0]).get_json()
    before = stored(sqlite_settings)
    again = logo(alpha, NOISE[0])
    assert again.status_code == 200 and again.get_json() == first
    # without a purpose the bytes are inspected first (a portrait's default), then found: the same asset
    unnamed = upload(alpha, files.portrait(), "face.png")
    assert unnamed.status_code == 200 and unnamed.get_json()["id"] == portrait["id"]
    assert stored(sqlite_settings) == before
    # the same bytes for another purpose are another asset: one more than the tenant may keep
    problem(logo(alpha, NOISE[0], "background"), 409, "asset_quota_exceeded")
    assert stored(sqlite_settings) == before


def test_deleting_an_asset_frees_its_room(alpha, sqlite_settings):
    first = logo(alpha, NOISE[0]).get_json()
    assert logo(alpha, NOISE[1]).status_code == 201
    problem(logo(alpha, NOISE[2]), 409, "asset_quota_exceeded")
    assert alpha.delete(f"/v1/assets/{first['id']}").status_code == 204
    assert logo(alpha, NOISE[2]).status_code == 201


def test_an_upload_that_passed_the_first_look_is_counted_again_with_its_row_and_leaves_nothing(
    alpha, sqlite_settings, monkeypatch, sessions
):
    """Two uploads at once both pass the look before anything is stored; the one whose row makes the tenant's
    assets too many or too large is rolled back with its file. (Really at once, on both databases, in
    tests/integration/test_asset_quota.py.)"""
    import sqlalchemy as sa

    import api.assets
    from domain.models import Asset

    assert [logo(alpha, NOISE[i]).status_code for i in (0, 1)] == [201, 201]
    before = stored(sqlite_settings)
    monkeypatch.setattr(api.assets, "refuse_if_full", lambda *args, **kwargs: False)
    problem(logo(alpha, NOISE[2]), 409, "asset_quota_exceeded")
    assert stored(sqlite_settings) == before
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Asset)) == 2


def test_the_contract_names_the_quota_refusal(alpha):
    responses = alpha.get("/openapi.json").get_json()["paths"]["/v1/assets"]["post"]["responses"]
    assert "asset_quota_exceeded" in responses["409"]["description"]


def test_the_settings_default_to_what_a_newsroom_does_not_reach():
    from domain.config import Settings

    defaults = Settings.from_env({})
    assert (defaults.tenant_max_asset_bytes, defaults.tenant_max_assets) == (20 * 1024**3, 10_000)
