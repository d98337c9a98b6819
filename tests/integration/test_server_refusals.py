"""What the HTTP server refuses before the app — a request line over 4 KB,
too many or too large headers, a request it cannot parse — is answered as
``application/problem+json`` with a stable code, like every other refusal,
by a real `talkfarm api` under gunicorn. gunicorn's own answer is text/html."""

from __future__ import annotations

import pytest
import requests

from tests.farm import lone_api, raw_reply

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with lone_api(tmp_path_factory.mktemp("refusals"), "refusals", processes=1) as (base, port, key):
        yield base, port, {"Authorization": f"Bearer {key}"}


def _problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"], body["type"]) == (status, code, f"https://talkfarm.dev/problems/{code}")
    assert body["title"] and body["detail"]
    return body


def test_a_request_line_over_4_kb_is_a_414_problem(api):
    base, _, auth = api
    body = _problem(
        requests.get(base + "/v1/jobs", params={"cursor": "x" * 5000}, headers=auth, timeout=10), 414, "uri_too_long"
    )
    assert "4094 bytes" in body["detail"]
    # just under the limit reaches the app, which refuses the cursor itself
    below = requests.get(base + "/v1/jobs", params={"cursor": "x" * 3000}, headers=auth, timeout=10)
    assert below.status_code == 422 and below.json()["code"] != "uri_too_long"


def test_too_many_headers_and_an_oversized_header_are_431_problems(api):
    base, _, auth = api
    many = dict(auth, **{f"X-Extra-{i}": "1" for i in range(120)})
    _problem(requests.get(base + "/v1/jobs", headers=many, timeout=10), 431, "headers_too_large")
    _problem(
        requests.get(base + "/v1/jobs", headers=dict(auth, **{"X-Big": "y" * 9000}), timeout=10),
        431,
        "headers_too_large",
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"NOT A REQUEST\r\n\r\n",
        b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
        b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
        b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    ],
)
def test_a_request_the_server_cannot_parse_is_a_400_problem(api, raw):
    _, port, _ = api
    head, body = raw_reply(port, raw)
    assert head.startswith(b"HTTP/1.1 400 Bad Request"), head[:300]
    assert b"\r\nContent-Type: application/problem+json" in head
    assert b'"code": "bad_request"' in body


def test_the_server_goes_on_answering_after_refusals(api):
    base, _, auth = api
    requests.get(base + "/v1/jobs", params={"cursor": "x" * 5000}, headers=auth, timeout=10)
    assert requests.get(base + "/v1/jobs", headers=auth, timeout=10).status_code == 200
