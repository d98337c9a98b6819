"""The API serves downloads only for a backend whose objects have no URL of
their own (a local folder); for the others its /v1/files route answers 404,
because the base class says so, not because the route probes the backend."""

from domain.config import Settings
from domain.db import upgrade


def client_for(tmp_path, storage_url):
    from api.app import create_app

    settings = Settings.from_env({}, data_dir=tmp_path / "data", pools=("cpu",), storage_url=storage_url)
    upgrade(settings)
    app = create_app(settings)
    return app.test_client(), app


def test_an_object_store_s_downloads_are_not_served_by_the_api(tmp_path):
    client, _ = client_for(tmp_path, "memory://")
    response = client.get("/v1/files/outputs/t/j/video.mp4", query_string={"expires": "9999999999", "signature": "x"})
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "not_found"


def test_a_local_folder_s_signed_link_is_served_and_a_tampered_one_refused(tmp_path):
    from storage import open_storage

    url = (tmp_path / "objects").as_uri()
    client, _ = client_for(tmp_path, url)
    store = open_storage(Settings.from_env({}, data_dir=tmp_path / "data", storage_url=url))
    store.put_bytes("outputs/t/j/video.mp4", b"mp4 bytes")
    link = store.signed_url("outputs/t/j/video.mp4", 60)
    assert client.get(link).data == b"mp4 bytes"
    # a parameter a CMS or a mail client adds to the link does not stop it (a link, not an API call)
    tagged = client.get(link + "&utm_source=newsletter&download=1")
    assert tagged.status_code == 200 and tagged.data == b"mp4 bytes", tagged.get_data(as_text=True)
    tampered = client.get(link.replace("signature=", "signature=0"))
    assert tampered.status_code == 403 and tampered.get_json()["code"] == "link_expired"
