"""Hostile and careless brand kits and fonts, on PostgreSQL as on SQLite (the
farm of tests/integration/test_bad_input.py): each is a 4xx problem+json with
its stable code, changes no kit and stores no asset, and a good kit with an
uploaded font is taken and followed by a job right after."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from domain.models import BrandKit
from tests import brand_files
from tests import composition_files as files
from tests.composition_files import upload as _upload
from tests.integration.test_bad_input import _stored, farm  # noqa: F401 — the same farm on both databases

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def made(farm):  # noqa: F811
    """A portrait, a logo and a named kit of the farm's tenant, and another tenant's kit, made before any case."""
    from domain.tenants import get_or_create_tenant

    client, sessions, _ = farm
    ids = {
        "portrait": _upload(client, files.portrait(), "face.png", "portrait").get_json()["id"],
        "logo": _upload(client, files.logo(), "logo.png", "logo").get_json()["id"],
        "kit": client.post("/v1/brand-kits", json={"name": "Taken"}).get_json()["id"],
        "accented": client.post("/v1/brand-kits", json={"name": "Émission spéciale"}).get_json()["id"],
    }
    ids["default"] = next(k["id"] for k in client.get("/v1/brand-kits").get_json()["items"] if k["default"])
    with sessions() as session, session.begin():
        other = BrandKit(tenant_id=get_or_create_tenant(session, "someone-else").id, name="theirs", settings={})
        session.add(other)
        session.flush()
        ids["other"] = other.id
    return ids


def kit(**fields):
    return lambda c, m: c.post("/v1/brand-kits", json={"name": "Bad", **fields})


def font(data, name="font.ttf"):
    return lambda c, m: _upload(c, data(), name, "font")


CASES = {
    "a text file as a font": (font(brand_files.not_a_font), 422, "font_invalid"),
    "a truncated font": (font(brand_files.truncated_font), 422, "font_invalid"),
    "a forged font header": (font(brand_files.forged_font), 422, "font_invalid"),
    "a PNG as a font": (font(files.logo, "logo.ttf"), 422, "font_invalid"),
    "colour as a word": (kit(colors={"primary": "red"}), 422, "brand_kit_invalid"),
    "colour as a number": (kit(colors={"text": 16711680}), 422, "brand_kit_invalid"),
    "colour with a NUL": (kit(colors={"text": "#fff\x00"}), 422, "text_invalid_character"),
    "name of 10 KB": (kit(name="n" * 10_000), 422, "field_too_long"),
    "name with a NUL": (kit(name="News\x00"), 422, "text_invalid_character"),
    "unknown part": (kit(sparkles=True), 422, "unknown_field"),
    "font name unknown": (kit(fonts={"title": "comic-sans"}), 422, "font_unknown"),
    "logo that is a portrait": (
        lambda c, m: c.post("/v1/brand-kits", json={"name": "Bad", "logo_asset_id": m["portrait"]}),
        422,
        "asset_purpose_mismatch",
    ),
    "font that is a logo": (
        lambda c, m: c.post("/v1/brand-kits", json={"name": "Bad", "fonts": {"body": m["logo"]}}),
        422,
        "asset_purpose_mismatch",
    ),
    "logo that does not exist": (kit(logo_asset_id="ast_nothing"), 404, "asset_not_found"),
    "a name already taken": (kit(name="Taken"), 409, "brand_kit_name_taken"),
    "a name taken in another case": (kit(name="tAKEN"), 409, "brand_kit_name_taken"),
    "a name taken, with spaces around it": (kit(name="  taken "), 409, "brand_kit_name_taken"),
    "a name taken, in capitals beyond ASCII": (kit(name="ÉMISSION SPÉCIALE"), 409, "brand_kit_name_taken"),
    "a kit renamed to another's name in another case": (
        lambda c, m: c.put(f"/v1/brand-kits/{m['default']}", json={"name": "TAKEN", "default": True}),
        409,
        "brand_kit_name_taken",
    ),
    "deleting the default": (
        lambda c, m: c.delete(f"/v1/brand-kits/{m['default']}"),
        409,
        "brand_kit_default_required",
    ),
    "another tenant's kit": (lambda c, m: c.get(f"/v1/brand-kits/{m['other']}"), 404, "brand_kit_not_found"),
    "replacing another tenant's kit": (
        lambda c, m: c.put(f"/v1/brand-kits/{m['other']}", json={"name": "x"}),
        404,
        "brand_kit_not_found",
    ),
    "a job naming another tenant's kit": (
        lambda c, m: c.post("/v1/jobs", json={"script": "Hi.", "avatar": "astronaut", "brand_kit_id": m["other"]}),
        404,
        "brand_kit_not_found",
    ),
    "a kit id with a NUL": (lambda c, m: c.get("/v1/brand-kits/bkt_%00"), 400, "id_invalid"),
    "a save naming a version the kit has left": (
        lambda c, m: c.put(f"/v1/brand-kits/{m['kit']}", json={"name": "Taken"}, headers={"If-Match": '"v0"'}),
        412,
        "brand_kit_changed",
    ),
}


def _kits(sessions) -> list:
    with sessions() as session:
        return session.execute(
            sa.select(BrandKit.id, BrandKit.version, BrandKit.is_default).order_by(BrandKit.id)
        ).all()


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_kit_or_font_is_a_4xx_problem_and_changes_nothing(farm, made, case):  # noqa: F811
    client, sessions, settings = farm
    send, status, code = CASES[case]
    before = _stored(sessions, settings), _kits(sessions)
    response = send(client, made)
    assert response.status_code == status, response.get_data(as_text=True)[:600]
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code, response.get_json()
    assert (_stored(sessions, settings), _kits(sessions)) == before


def test_a_good_kit_with_an_uploaded_font_is_followed_on_either_database(farm, made):  # noqa: F811
    client = farm[0]
    font = _upload(client, brand_files.block_font(), "block.ttf", "font")
    assert font.status_code == 201, font.get_data(as_text=True)
    response = client.post(
        "/v1/brand-kits",
        json={
            "name": "Good",
            "logo_asset_id": made["logo"],
            "colors": {"primary": "#C8102E"},
            "fonts": {"body": font.get_json()["id"]},
            "watermark": {"text": "Good TV"},
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    job = client.post(
        "/v1/jobs",
        json={
            "script": "Hi.",
            "avatar": "astronaut",
            "canvas": {"width": 640, "height": 360},
            "overlays": [{"type": "text", "text": "Name", "role": "lower_third"}],
            "brand_kit_id": response.get_json()["id"],
        },
    )
    assert job.status_code == 202, job.get_data(as_text=True)
    spec = job.get_json()["spec"]
    lower = spec["composition"]["scenes"][0]["overlays"][0]
    assert lower["background_color"] == "#c8102e" and lower["font"] == font.get_json()["id"]
    assert spec["watermark"]["text"] == "Good TV"
    assert client.post(f"/v1/jobs/{job.get_json()['id']}/cancel").status_code == 200
