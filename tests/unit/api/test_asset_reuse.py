"""POST /v1/assets answers the same bytes uploaded again for the same purpose with the tenant's existing asset
(200, the same id; nothing stored again) instead of a new copy: `talkfarm submit --avatar photo.jpg` uploads its
files on every submit, and there is no list of assets to find and clean copies with. Before, every upload was
stored as a new asset. Two uploads at once of the same bytes store one asset: the database's unique
(tenant, purpose:sha256) key refuses the second row, and the loser answers with the winner's asset."""

from __future__ import annotations

import pytest

from tests import composition_files as files
from tests.composition_files import upload


def _stored(app, tenant_prefix: str = "assets/") -> list[str]:
    from api.context import ctx

    with app.app_context():
        return ctx().storage.list(tenant_prefix)


@pytest.mark.parametrize("purpose", ["portrait", None])
def test_the_same_portrait_uploaded_again_is_the_same_asset(app, alpha, purpose):
    first = upload(alpha, files.portrait(), "me.png", purpose)
    again = upload(alpha, files.portrait(), "renamed.png", purpose)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert len(_stored(app)) == 1


def test_the_same_bytes_for_another_purpose_or_another_tenant_are_another_asset(app, alpha, beta):
    background = upload(alpha, files.logo(), "logo.png", "background")
    logo = upload(alpha, files.logo(), "logo.png", "logo")
    theirs = upload(beta, files.logo(), "logo.png", "logo")
    assert (background.status_code, logo.status_code, theirs.status_code) == (201, 201, 201)
    assert len({r.get_json()["id"] for r in (background, logo, theirs)}) == 3
    assert upload(alpha, files.logo(), "logo.png", "logo").get_json()["id"] == logo.get_json()["id"]
    assert upload(beta, files.logo(), "logo.png", "logo").get_json()["id"] == theirs.get_json()["id"]


def test_a_file_refused_for_its_purpose_is_refused_again_not_found(alpha):
    """Only an asset that was stored is found: bytes refused once are checked and refused again."""
    for _ in range(2):
        assert upload(alpha, files.document(), "brief.pdf", "logo").status_code == 422


def test_two_uploads_at_once_store_one_asset(app, alpha, monkeypatch):
    """The second upload of a race misses the first's row when it looks, then its insert meets the unique key: it
    deletes the bytes it stored and answers with the winner's asset."""
    import api.assets

    first = upload(alpha, files.music(), "bed.wav", "music").get_json()
    looked = []
    real = api.assets._existing

    def not_yet(purpose, sha256):
        looked.append(purpose)
        return None if len(looked) <= 2 else real(purpose, sha256)  # both looks before the insert miss it

    monkeypatch.setattr(api.assets, "_existing", not_yet)
    second = upload(alpha, files.music(), "bed.wav", "music")
    assert second.status_code == 200 and second.get_json() == first
    assert len(looked) == 3
    assert len(_stored(app)) == 1 and _stored(app)[0].endswith(first["id"])


def test_the_contract_says_an_upload_may_answer_200_with_the_existing_asset(alpha):
    responses = alpha.get("/openapi.json").get_json()["paths"]["/v1/assets"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Asset"}
    assert "already" in responses["200"]["description"]
