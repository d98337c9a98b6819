"""A batch template is filled only within a bound known before filling:
the filled size comes from lengths, and a batch built to expand to gigabytes
is a 4xx before anything is allocated (issue 21, High)."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from domain.errors import ProblemError
from domain.templates import ParsedTemplate, expand_template
from tests.unit.api.test_requests import assert_problem


def test_filled_length_is_computed_from_lengths_and_matches_the_filled_text():
    parsed = ParsedTemplate.parse("Hi {{name}}, {{ n }} and {{name}}.", 1000)
    variables = {"name": "Ada", "n": 42}
    assert parsed.filled_length(variables) == len(parsed.fill(variables)) == len("Hi Ada, 42 and Ada.")


def test_a_template_that_would_fill_past_the_bound_is_refused_without_building_it():
    template = "{{a}}" * 100_000  # 500 KB of template
    variables = {"a": "x" * 30_000}  # would fill to 3 GB
    tracemalloc.start()
    try:
        with pytest.raises(ProblemError) as refused:
            expand_template(template, variables, 20_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "template_too_large" and refused.value.status == 422
    assert "3000000000" in refused.value.detail
    assert peak < 50 * 1024 * 1024  # parsing the template, not filling it


def test_a_template_whose_literal_text_alone_is_too_long_is_refused_at_parse():
    with pytest.raises(ProblemError) as refused:
        ParsedTemplate.parse("x" * 101, 100)
    assert refused.value.code == "template_too_large"


def test_a_missing_variable_is_named():
    with pytest.raises(ProblemError) as refused:
        expand_template("{{a}} {{b}}", {"a": 1}, 100)
    assert refused.value.code == "template_variable_missing" and "{{b}}" in refused.value.detail


@pytest.fixture
def client(app, keys):
    from tests.unit.api.bearer import client as bearer_client

    return bearer_client(app, keys["alpha"])


def test_a_json_batch_built_to_expand_to_gigabytes_is_a_422_before_it_allocates(client):
    body = {
        "template": "{{a}}" * 100_000,
        "defaults": {"avatar": "astronaut"},
        "jobs": [{"variables": {"a": "y" * 30_000}} for _ in range(3)],
    }
    tracemalloc.start()
    try:
        response = client.post("/v1/batches", json=body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    problem = assert_problem(response, 422, "batch_invalid")
    assert {e["code"] for e in problem["errors"].values()} == {"template_too_large"}
    assert peak < 200 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_a_csv_upload_built_to_expand_is_refused_the_same_way(client):
    csv_text = "a\n" + "\n".join("z" * 30_000 for _ in range(3)) + "\n"
    response = client.post(
        "/v1/batches",
        content_type="multipart/form-data",
        data={
            "file": (io.BytesIO(csv_text.encode()), "rows.csv"),
            "template": "{{a}}" * 100_000,
            "defaults": '{"avatar": "astronaut"}',
        },
    )
    problem = assert_problem(response, 422, "batch_invalid")
    assert {e["code"] for e in problem["errors"].values()} == {"template_too_large"}


def test_a_template_within_bounds_still_fills_each_script(client):
    response = client.post(
        "/v1/batches",
        json={
            "template": "Hello {{name}}.",
            "defaults": {"avatar": "astronaut"},
            "jobs": [{"variables": {"name": "Ada"}}],
        },
    )
    assert response.status_code == 201, response.get_json()
