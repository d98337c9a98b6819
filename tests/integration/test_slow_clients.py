"""A real `talkfarm api` under gunicorn reads each request at a pace (``api.server.ReadPace``): a client that
sends its head or body slower than that is answered 408 ``request_timeout`` and let go, so a few trickling
clients cannot hold every API thread. Sixteen clients sending a byte every 5 s took the API down for every
tenant before (2026-12-08). The grace here is 2 s, the pace 4 KiB/s, so the test is short."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests

from tests.farm import lone_api, raw_reply

pytestmark = pytest.mark.integration

GRACE_S = 2


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    settings = {"TALKFARM_API_READ_GRACE_S": str(GRACE_S), "TALKFARM_API_READ_MIN_BYTES_PER_S": "4096"}
    with lone_api(tmp_path_factory.mktemp("slow"), "slow", processes=1, settings=settings) as (base, port, key):
        yield base, port, key


def _trickle(port: int, head: bytes, replies: list[bytes]) -> None:
    """Send ``head``, then a byte a second until the server answers or closes; keep what it answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(head)
        conn.settimeout(1)
        reply = b""
        for _ in range(60):
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                try:
                    conn.sendall(b"a")
                except OSError:
                    break
                continue
            if not chunk:
                break
            reply += chunk
        replies.append(reply)


def test_clients_trickling_their_head_or_body_are_let_go_and_others_are_served(api):
    base, port, key = api
    body_head = (
        f"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        'Content-Length: 100000\r\n\r\n{"script": "'
    ).encode()
    header_head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
    replies: list[bytes] = []
    # twice the process's 8 threads: each of them would be held for as long as its client trickles
    clients = [
        threading.Thread(target=_trickle, args=(port, body_head if i % 2 else header_head, replies), daemon=True)
        for i in range(16)
    ]
    for client in clients:
        client.start()
    time.sleep(GRACE_S + 2)

    assert requests.get(base + "/healthz", timeout=10).status_code == 200  # served, not queued behind them

    for client in clients:
        client.join(timeout=30)
    assert len(replies) == 16, "a trickling client was never let go"
    for reply in replies:
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), reply[:300]
        assert b"Content-Type: application/problem+json" in head
        assert json.loads(body)["code"] == "request_timeout"


def test_a_slow_upload_at_the_pace_is_read_whole(api):
    """A body sent over twice the grace, but faster than the pace, is read and answered as usual."""
    base, port, key = api
    body = json.dumps({"script": "Good evening.", "avatar": "astronaut"}).encode()[:-1] + b" " * 24000 + b"}"

    def chunks():
        for at in range(0, len(body), 3000):
            yield body[at : at + 3000]
            time.sleep(0.5)  # 6 KB/s, above the 4 KiB/s pace, for 4 s

    response = requests.post(
        base + "/v1/jobs",
        data=chunks(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 202, response.text[:300]


def test_a_malformed_chunk_in_a_body_is_a_400_problem_not_a_500(api):
    _, port, key = api
    raw = (
        f"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"
    ).encode()
    head, body = raw_reply(port, raw)
    assert head.startswith(b"HTTP/1.1 400"), head[:300]
    assert b"Content-Type: application/problem+json" in head and json.loads(body)["code"] == "bad_request"
