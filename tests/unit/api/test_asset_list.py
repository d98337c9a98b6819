"""GET /v1/assets: a newsroom's CMS lost track of the ids it uploaded (a crashed import, a redeploy that wiped its
table) and its uploads now meet 409 asset_quota_exceeded. Before, nothing listed a tenant's assets (405), so it
could not find what to delete; now the list pages them newest first, narrows by purpose and kind, and says what
they take of the tenant's room, as the refusal counts it. Another tenant's assets never show."""

from __future__ import annotations

import pytest

from tests import composition_files as files
from tests.composition_files import upload
from tests.unit.api.test_asset_deletion import made, own_photo
from tests.unit.api.test_requests import assert_problem as problem


@pytest.fixture
def uploads(alpha, beta) -> list[dict]:
    """alpha's assets in the order uploaded (a logo, music, a portrait, a second logo); beta has one of its own."""
    made(upload(beta, files.logo(), "theirs.png", "logo"))
    return [
        made(upload(alpha, files.logo(), "logo.png", "logo")),
        made(upload(alpha, files.music(), "bed.wav", "music")),
        made(upload(alpha, own_photo(), "face.png", "portrait")),
        made(upload(alpha, own_photo("second"), "logo2.png", "logo")),
    ]


def listed(client, **query) -> dict:
    response = client.get("/v1/assets", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_list_is_the_tenants_own_assets_newest_first_as_each_reads_alone(alpha, uploads):
    page = listed(alpha)
    assert [a["id"] for a in page["items"]] == [a["id"] for a in reversed(uploads)]
    assert page["items"] == [alpha.get(f"/v1/assets/{a['id']}").get_json() for a in reversed(uploads)]
    assert page["next_cursor"] is None


def test_pages_follow_one_another_without_a_gap_or_a_repeat(alpha, uploads):
    seen, cursor = [], None
    for _ in range(len(uploads)):
        page = listed(alpha, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [a["id"] for a in reversed(uploads)]
    assert len(listed(alpha, limit=3)["items"]) == 3


def test_purpose_and_kind_narrow_the_list(alpha, uploads):
    logos = [uploads[3]["id"], uploads[0]["id"]]
    assert [a["id"] for a in listed(alpha, purpose="logo")["items"]] == logos
    assert [a["id"] for a in listed(alpha, kind="audio")["items"]] == [uploads[1]["id"]]
    assert [a["id"] for a in listed(alpha, kind="image", purpose="portrait")["items"]] == [uploads[2]["id"]]
    assert listed(alpha, purpose="background")["items"] == []


def test_the_quota_counts_every_asset_of_the_tenant_whatever_the_filter(alpha, beta, uploads, sqlite_settings):
    quota = listed(alpha, purpose="music", limit=1)["quota"]
    assert quota == {
        "bytes_used": sum(a["bytes"] for a in uploads),
        "bytes_limit": sqlite_settings.tenant_max_asset_bytes,
        "assets_used": 4,
        "assets_limit": sqlite_settings.tenant_max_assets,
    }
    assert listed(beta)["quota"]["assets_used"] == 1
    assert alpha.delete(f"/v1/assets/{uploads[1]['id']}").status_code == 204
    after = listed(alpha)
    assert after["quota"]["assets_used"] == 3 and uploads[1]["id"] not in [a["id"] for a in after["items"]]
    assert after["quota"]["bytes_used"] == quota["bytes_used"] - uploads[1]["bytes"]


def test_another_tenants_assets_are_not_listed_nor_reached_by_its_cursor(alpha, beta, uploads):
    theirs = listed(beta)["items"]
    assert len(theirs) == 1 and theirs[0]["id"] not in [a["id"] for a in listed(alpha)["items"]]
    assert [a["id"] for a in listed(beta, cursor=uploads[3]["id"])["items"]] == [theirs[0]["id"]]  # older: its own


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"purpose": "avatar"}, "validation_error"),
        ({"kind": "pdf"}, "validation_error"),
        ({"limit": 0}, "validation_error"),
        ({"limit": 201}, "validation_error"),
        ({"cursor": "job_01"}, "cursor_invalid"),
        ({"cursor": ""}, "cursor_invalid"),
        ({"page": 2}, "unknown_parameter"),
    ],
)
def test_a_bad_query_is_a_422_naming_its_field(alpha, uploads, query, code):
    body = problem(alpha.get("/v1/assets", query_string=query), 422, code)
    (name,) = query
    assert name in body.get("errors", {}) or f"`{name}`" in body["detail"]


def test_each_asset_keeps_the_file_name_it_came_with_for_people_to_tell_them_apart(alpha, uploads):
    assert [a["name"] for a in listed(alpha)["items"]] == ["logo2.png", "face.png", "bed.wav", "logo.png"]
    windows = made(upload(alpha, own_photo("a"), "Desktop/graphics/Evening logo.png", "logo"))
    assert windows["name"] == "Evening logo.png"
    odd = made(upload(alpha, own_photo("b"), "../../sting\x07\u202e.png", "logo"))
    assert odd["name"] == "sting.png"  # no path, no control or direction-overriding characters
    long = made(upload(alpha, own_photo("c"), "n" * 300 + ".png", "logo"))
    assert long["name"] == "n" * 251 + ".png"  # cut from the stem: the extension still says what it is
    assert alpha.get(f"/v1/assets/{long['id']}").get_json()["name"] == "n" * 251 + ".png"
    persian = made(upload(alpha, own_photo("d"), "می\u200cخواهم.png", "logo"))
    assert persian["name"] == "می\u200cخواهم.png"  # the zero-width non-joiner is spelling, and stays
