"""POST /v1/verify refuses a clip over the upload limit with one code, 413 ``asset_too_large``, whatever its
size — over the server's own body cap too, and sent without a length — in words that say what to send
instead; a body declared too large is refused before it is read."""

from __future__ import annotations

import dataclasses
import io
import threading

import pytest
import requests
from werkzeug.serving import make_server

from tests.unit.api.bearer import client

LIMIT = 1000


@pytest.fixture
def small_app(sqlite_settings):
    from api.app import create_app
    from tests.stubs import RecordingSender

    return create_app(
        dataclasses.replace(sqlite_settings, max_asset_bytes=LIMIT, max_video_bytes=2000), sender=RecordingSender()
    )


def _says_what_to_do(response):
    assert response.status_code == 413, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "asset_too_large", body
    assert f"at most {LIMIT} bytes" in body["detail"] and "talkfarm verify FILE" in body["detail"], body
    assert "capacity limit" not in body["detail"]  # werkzeug's words
    return body


@pytest.mark.parametrize(
    "size",
    [
        LIMIT + 1,  # the clip alone over the limit
        200_000,  # a body beyond the clip's limit, under the server's cap
        3 * 1024 * 1024,  # beyond the server's own cap (MAX_CONTENT_LENGTH: 2000 + 1 MiB)
    ],
)
def test_a_clip_over_the_limit_is_asset_too_large_whatever_its_size(small_app, keys, size):
    response = client(small_app, keys["alpha"]).post(
        "/v1/verify", data={"file": (io.BytesIO(b"x" * size), "big.mov")}, content_type="multipart/form-data"
    )
    _says_what_to_do(response)


@pytest.mark.parametrize(
    "declared",
    [
        500_000,  # over the clip's limit, under the server's own cap: the shared form checks would parse it whole
        50 * 1024 * 1024,  # over the server's cap too
    ],
)
def test_a_body_declared_too_large_is_refused_before_it_is_read(small_app, keys, declared):
    class Unread(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = readinto = read

    response = client(small_app, keys["alpha"]).post(
        "/v1/verify",
        input_stream=Unread(),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(declared)},
    )
    body = _says_what_to_do(response)
    assert str(declared) in body["detail"]


@pytest.mark.parametrize("size", [200_000, 3 * 1024 * 1024])
def test_a_chunked_upload_with_no_length_is_refused_the_same_way(small_app, keys, size):
    """Without a Content-Length the server reads the clip up to the limit (or meets its own cap): the same
    code and words."""
    server = make_server("127.0.0.1", 0, small_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        boundary = "talkfarmboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mov"\r\n'
            "Content-Type: video/quicktime\r\n\r\n"
        ).encode()

        def chunks():
            yield head
            left = size
            while left > 0:
                yield b"x" * min(65536, left)
                left -= 65536
            yield f"\r\n--{boundary}--\r\n".encode()

        response = requests.post(
            f"http://127.0.0.1:{server.server_port}/v1/verify",
            data=chunks(),
            headers={
                "Authorization": f"Bearer {keys['alpha']}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
            timeout=60,
        )
    finally:
        server.shutdown()
    assert response.status_code == 413 and response.json()["code"] == "asset_too_large", response.text
    assert "talkfarm verify FILE" in response.json()["detail"]


@pytest.mark.parametrize("size", [2001, 500_000, 3 * 1024 * 1024])  # over max_video_bytes, the largest
def test_an_asset_over_the_limit_is_asset_too_large_whatever_its_size(small_app, keys, size):
    """An upload to POST /v1/assets over the limit was asset_too_large, and past the server's cap
    payload_too_large: one code now, whatever its size."""
    response = client(small_app, keys["alpha"]).post(
        "/v1/assets", data={"file": (io.BytesIO(b"x" * size), "big.png")}, content_type="multipart/form-data"
    )
    assert response.status_code == 413 and response.get_json()["code"] == "asset_too_large", response.get_json()
    assert "Assets may be at most 2000 bytes" in response.get_json()["detail"]


def test_an_asset_body_declared_too_large_is_refused_before_it_is_read(small_app, keys):
    class Unread(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = readinto = read

    response = client(small_app, keys["alpha"]).post(
        "/v1/assets",
        input_stream=Unread(),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": "500000"},
    )
    assert response.status_code == 413 and response.get_json()["code"] == "asset_too_large", response.get_json()


def test_a_body_over_the_servers_cap_elsewhere_is_told_in_our_words(small_app, keys):
    """Another route's body over MAX_CONTENT_LENGTH (a batch's CSV) keeps its documented code, payload_too_large,
    but not werkzeug's sentence."""
    response = client(small_app, keys["alpha"]).post(
        "/v1/batches",
        data={"file": (io.BytesIO(b"x" * (3 * 1024 * 1024)), "rows.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and response.get_json()["code"] == "payload_too_large"
    detail = response.get_json()["detail"]
    assert "the most this server reads of one request" in detail and "capacity limit" not in detail, detail
