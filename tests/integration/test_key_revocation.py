"""A revoked key stops working at once in every API process: gunicorn with
several processes, each of which has served the key, refuses it on every
request after the revocation (a per-process cache would let some through)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_a_revoked_key_is_refused_by_every_api_process_at_once(real_settings, farm_factory):
    farm = farm_factory(real_settings, workers=0, scheduler=False, webhooks=False, api_processes=3)
    from domain.tenants import create_key, get_or_create_tenant

    with farm.sessions() as session, session.begin():
        doomed = create_key(session, get_or_create_tenant(session, "newsroom"))
        operator = create_key(session, get_or_create_tenant(session, "ops"), "operator")
    newsroom, ops = farm.client(doomed), farm.client(operator)
    close = {"Connection": "close"}  # a new connection each time, so the requests spread over the processes
    job = newsroom.post("/v1/jobs", json={"script": "Hello.", "avatar": "astronaut"}).json()
    etag = newsroom.get(f"/v1/jobs/{job['id']}").headers["ETag"]
    poll = {**close, "If-None-Match": etag}  # a poll checks its key inside the job's own read
    for _ in range(30):
        assert newsroom.get("/v1/jobs", headers=close).status_code == 200
        assert newsroom.get(f"/v1/jobs/{job['id']}", headers=poll).status_code == 304
    key_id = next(k["id"] for k in ops.get("/v1/keys", params={"tenant": "newsroom"}).json()["items"])
    assert ops.post(f"/v1/keys/{key_id}/revoke").status_code == 200
    answers = [newsroom.get("/v1/jobs", headers=close) for _ in range(30)]
    assert {a.status_code for a in answers} == {401}
    answers += [newsroom.get(f"/v1/jobs/{job['id']}", headers=poll) for _ in range(30)]
    assert {a.status_code for a in answers} == {401}
    assert {a.json()["code"] for a in answers} == {"invalid_api_key"}
    assert ops.get("/v1/workers").status_code == 200 and newsroom.get("/v1/workers").status_code == 401
