"""The jobs list on PostgreSQL as on SQLite (the farm of tests/integration/test_bad_input.py): ``q`` finds a
job by its title or a metadata value at any depth, never by a key; each job made from a template is listed
with that template's name at its version, read in one query for the whole page."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.integration.test_bad_input import JOB, farm  # noqa: F401 — the same farm on both databases
from tests.templates_fixtures import NEWS, news

pytestmark = pytest.mark.integration


def submit(client, **fields) -> str:
    response = client.post("/v1/jobs", json={**JOB, **fields})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def test_search_matches_titles_and_metadata_values_but_not_keys(farm):  # noqa: F811
    client = farm[0]
    token = "zq" + uuid.uuid4().hex[:8]  # this test's own word: the farm's other jobs never hold it
    expected = {
        submit(client, title=f"The {token.upper()} crossing"),
        submit(client, metadata={"desk": f"Night {token.upper()} desk"}),
        submit(client, metadata={"story": {"tags": ["weather", f"{token}-tag"]}}),
        submit(client, metadata={"slot": 4242, "live": True, "note": f"{token}"}),
    }
    submit(client, metadata={f"{token}_desk": "plain"})  # only a key holds it
    submit(client, metadata={"outer": {f"inner_{token}": ["plain", 1]}})  # only a nested key holds it
    submit(client, title="Markets", metadata={"desk": "business"})

    def found(q: str) -> set[str]:
        response = client.get("/v1/jobs", query_string={"q": q, "limit": 200})
        assert response.status_code == 200, response.get_data(as_text=True)
        return {j["id"] for j in response.get_json()["items"]}

    assert found(token) == expected
    assert found(token.upper()) == expected
    assert len(found("4242") & expected) == 1  # a number is searched as its digits
    assert not found(f"{token}_desk") & found(f"inner_{token}")  # keys: nothing
    assert not found(f"{token}%") and not found(f'"{token}')  # a wildcard or JSON's quote is text, not syntax


def test_each_listed_job_names_its_template_at_its_version_in_one_query(farm):  # noqa: F811
    client = farm[0]
    template_id = client.post("/v1/templates", json=news(name="Nightly news")).get_json()["id"]
    made = {}
    values = {"variables": {"headline": "Flood", "story": "The river rose."}}
    made[1] = [client.post(f"/v1/templates/{template_id}/jobs", json=values).get_json()["id"] for _ in range(2)]
    renamed = client.put(f"/v1/templates/{template_id}", json={**NEWS, "name": "Late news"})
    assert renamed.status_code == 200, renamed.get_data(as_text=True)
    made[2] = [client.post(f"/v1/templates/{template_id}/jobs", json=values).get_json()["id"]]
    plain = submit(client)

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 — (conn, cursor, statement, …)
    sa.event.listen(sa.Engine, "before_cursor_execute", listener)  # every engine: the API's sessions' too
    try:
        listed = {j["id"]: j for j in client.get("/v1/jobs", query_string={"limit": 200}).get_json()["items"]}
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", listener)
    assert [listed[i]["template"] for i in made[1]] == [
        {"id": template_id, "version": 1, "name": "Nightly news", "deleted": False}
    ] * 2
    assert listed[made[2][0]]["template"] == {"id": template_id, "version": 2, "name": "Late news", "deleted": False}
    assert listed[plain]["template"] is None
    assert sum("template_versions" in s for s in statements) == 1  # one query for the page, not one per job

    assert client.delete(f"/v1/templates/{template_id}").status_code == 204
    shown = client.get(f"/v1/jobs/{made[2][0]}").get_json()["template"]
    assert shown == {"id": template_id, "version": 2, "name": "Late news", "deleted": True}
