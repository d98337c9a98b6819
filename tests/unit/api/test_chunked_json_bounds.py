"""A JSON body of unknown length (chunked, no Content-Length) is read to the JSON limit and a byte, not whole: it
was read up to the server's cap (65 MiB) before the 4 MiB limit was checked, and its refusal named the size it was
cut at. What is read is what the route parses: a chunked body within the limit makes its job."""

from __future__ import annotations

import io
import json

from api.schemas import MAX_JSON_BYTES
from tests.unit.api.test_requests import assert_problem

JOB = {"script": "Hello from the newsroom.", "avatar": "astronaut"}


class Counted(io.BytesIO):
    """A request body that counts the bytes the server takes from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.taken += n
        return n


def post_chunked(client, body: Counted):
    return client.post(
        "/v1/jobs",
        input_stream=body,
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},  # as a server that reads chunked bodies says
    )


def padded(size: int) -> bytes:
    """The job as JSON, padded with spaces to ``size`` bytes."""
    text = json.dumps(JOB).encode()
    return text + b" " * (size - len(text))


def test_a_chunked_json_body_over_the_limit_is_refused_after_the_limit_and_a_byte_not_read_whole(alpha):
    body = Counted(padded(3 * MAX_JSON_BYTES))
    problem = assert_problem(post_chunked(alpha, body), 413, "json_too_large")
    assert body.taken <= MAX_JSON_BYTES + 1, body.taken
    # its size is unknown: the refusal says it is over the limit, not the size it was cut at
    assert f"over {MAX_JSON_BYTES} bytes" in problem["detail"]
    assert str(3 * MAX_JSON_BYTES) not in problem["detail"] and str(MAX_JSON_BYTES + 1) not in problem["detail"]


def test_a_chunked_json_body_within_the_limit_is_read_once_and_makes_its_job(alpha):
    response = post_chunked(alpha, Counted(json.dumps(JOB).encode()))
    assert response.status_code == 202, response.get_data(as_text=True)
    job = alpha.get(response.headers["Location"]).get_json()
    assert job["spec"]["script"] == JOB["script"]


def test_a_chunked_json_body_of_exactly_the_limit_is_taken(alpha):
    response = post_chunked(alpha, Counted(padded(MAX_JSON_BYTES)))
    assert response.status_code == 202, response.get_data(as_text=True)
