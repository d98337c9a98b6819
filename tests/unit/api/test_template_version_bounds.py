"""A template ``version`` past the database's integer, on PostgreSQL as on SQLite: every path that takes one
(``GET ?version=``, a render's and a template batch's JSON ``version``, a template batch's form field) refuses it
as the multipart path always did, 422 ``validation_error``, rather than sending it to an INTEGER column (a 500 on
PostgreSQL from 2**31, on SQLite from 2**63). A version in range that does not exist stays a 404."""

from __future__ import annotations

import io
import uuid

import pytest

from tests.integration.databases import on_database
from tests.stubs import RecordingSender
from tests.templates_fixtures import NEWS

#: the largest version a request may name (PostgreSQL's INTEGER), and past it: PostgreSQL's, then SQLite's, overflow
HIGHEST = 2**31 - 1
PAST = (2**31, 2**63 - 1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def farm(request, tmp_path_factory):
    from api.app import create_app
    from domain.tenants import create_key, get_or_create_tenant

    settings, sessions = on_database(request, tmp_path_factory.mktemp(f"versions-{request.param}"))
    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, f"versions-{uuid.uuid4().hex[:6]}"))
    client = create_app(settings, sender=RecordingSender()).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    made = client.post("/v1/templates", json=NEWS)
    assert made.status_code == 201, made.get_data(as_text=True)
    return client, made.get_json()["id"]


def read(client, template_id, version):
    return client.get(f"/v1/templates/{template_id}?version={version}")


def render(client, template_id, version):
    variables = {"headline": "Rain", "story": "It rains."}
    return client.post(f"/v1/templates/{template_id}/jobs", json={"variables": variables, "version": version})


def batch(client, template_id, version):
    rows = [{"headline": "Rain", "story": "It rains."}]
    return client.post("/v1/batches", json={"template_id": template_id, "version": version, "rows": rows})


def batch_form(client, template_id, version):
    return client.post(
        "/v1/batches",
        data={
            "file": (io.BytesIO(b"headline,story\r\nRain,It rains.\r\n"), "rows.csv"),
            "template_id": template_id,
            "version": str(version),
        },
        content_type="multipart/form-data",
    )


PATHS = [read, render, batch, batch_form]


@pytest.mark.parametrize("version", PAST)
@pytest.mark.parametrize("send", PATHS, ids=lambda f: f.__name__)
def test_a_version_past_the_databases_integer_is_refused_as_out_of_range_on_every_path(farm, send, version):
    client, template_id = farm
    response = send(client, template_id, version)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == "validation_error"
    assert "version" in response.get_json()["detail"]


@pytest.mark.parametrize("send", PATHS, ids=lambda f: f.__name__)
def test_the_highest_version_a_request_may_name_is_looked_up_and_not_found(farm, send):
    client, template_id = farm
    response = send(client, template_id, HIGHEST)
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.get_json()["code"] == "template_version_not_found"
