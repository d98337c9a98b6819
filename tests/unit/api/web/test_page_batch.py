"""A batch's page tells a producer which video is which: its rows in the spreadsheet's order with their row
numbers, titles, draft or final, and the template they came from; "Approve all drafts" approves each draft
with the API's approve and says what happened to each; a refused spreadsheet keeps "Drafts first"."""

from __future__ import annotations

import io
import re

from flask import Flask

from domain.models import Batch
from domain.timeutil import utcnow
from tests.unit.api.bearer import client as api_client
from tests.unit.api.test_drafts import succeed
from tests.unit.api.web.test_page_forms import Keys, Page, page  # noqa: F401  (the signed-in fixture)

TEMPLATE = {
    "name": "Night news",
    "body": {"script": "{{script}}", "avatar": "astronaut", "title": "{{headline}}"},
    "variables": [
        {"name": "script", "type": "text", "required": True},
        {"name": "headline", "type": "text", "required": True},
    ],
}
ROWS = [
    {"script": "Rain moves east overnight.", "headline": "Rain"},
    {"script": "Markets closed higher today.", "headline": "Markets"},
    {"script": "Bonsoir. La pluie arrive ce soir.", "headline": "Pluie"},
]


def template_batch(app: Flask, keys: Keys, draft: bool = True) -> tuple[str, list[str]]:
    api = api_client(app, keys["alpha"])
    template = api.post("/v1/templates", json=TEMPLATE)
    assert template.status_code == 201, template.get_data(as_text=True)
    made = api.post(
        "/v1/batches", json={"template_id": template.get_json()["id"], "rows": ROWS, "defaults": {"draft": draft}}
    )
    assert made.status_code in (200, 201, 202), made.get_data(as_text=True)
    return made.get_json()["id"], made.get_json()["job_ids"]


def rows_of(html: str) -> list[list[str]]:
    """The batch table's rows as their cells' text."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    assert body, html
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
    return rows


def test_a_batch_lists_its_rows_in_the_spreadsheets_order_with_titles_and_the_template(
    app: Flask,
    keys: Keys,
    page: Page,  # noqa: F811
) -> None:
    browser, _ = page
    batch_id, job_ids = template_batch(app, keys)
    html = browser.get(f"/batches/{batch_id}").get_data(as_text=True)
    rows = rows_of(html)
    assert [r[0] for r in rows] == ["2", "3", "4"]
    assert [r[2].split()[0] for r in rows] == ["Rain", "Markets", "Pluie"]
    assert [r[2].split()[-1] for r in rows] == job_ids
    assert [r[3] for r in rows] == ["Draft"] * 3
    assert "from the template" in html and ">Night news</a> v1" in html
    assert "Approve all drafts" in html
    # the polled fragment shows the same rows
    assert rows_of(browser.get(f"/batches/{batch_id}/progress").get_data(as_text=True)) == rows


def test_approve_all_drafts_approves_each_succeeded_one_and_says_why_not_for_the_rest(
    app: Flask,
    keys: Keys,
    page: Page,  # noqa: F811
    sessions,
) -> None:
    browser, token = page
    batch_id, job_ids = template_batch(app, keys)
    succeed(sessions, job_ids[0])
    succeed(sessions, job_ids[2])
    answer = browser.post(f"/batches/{batch_id}/approve-drafts", data={"csrf_token": token})
    assert answer.status_code == 200, answer.get_data(as_text=True)[-3000:]
    html = answer.get_data(as_text=True)
    api = api_client(app, keys["alpha"])
    jobs = [api.get(f"/v1/jobs/{job_id}").get_json() for job_id in job_ids]
    assert jobs[0]["final_job_id"] and jobs[2]["final_job_id"] and not jobs[1]["final_job_id"]
    told = re.findall(r'<li data-job="([^"]+)">(.*?)</li>', html, re.S)
    said = {job_id: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for job_id, text in told}
    assert list(said) == job_ids
    assert said[job_ids[0]] == f"Row 2, Rain: approved; its final is {jobs[0]['final_job_id']} ."
    assert said[job_ids[1]].startswith("Row 3, Markets: not approved.") and "once it has succeeded" in said[job_ids[1]]
    assert 'data-code="draft_not_succeeded"' in html
    assert [r[3] for r in rows_of(html)] == ["Draft, approved: the final", "Draft", "Draft, approved: the final"]
    # again: only the draft still waiting is tried
    again = browser.post(f"/batches/{batch_id}/approve-drafts", data={"csrf_token": token}).get_data(as_text=True)
    assert re.findall(r'<li data-job="([^"]+)">', again) == [job_ids[1]]


def test_one_press_approves_at_most_a_bounded_number_of_drafts(
    app: Flask,
    keys: Keys,
    page: Page,  # noqa: F811
    sessions,
    monkeypatch,
) -> None:
    """Each approval is a job written and admitted: a press over a thousand drafts held its request for as long as a
    thousand approvals take. A press approves at most APPROVE_AT_ONCE, and the button says the next ones wait."""
    import api.web.batches as batches

    monkeypatch.setattr(batches, "APPROVE_AT_ONCE", 2)
    browser, token = page
    batch_id, job_ids = template_batch(app, keys)
    for job_id in job_ids:
        succeed(sessions, job_id)
    assert "Approve the next 2 drafts" in browser.get(f"/batches/{batch_id}").get_data(as_text=True)
    first = browser.post(f"/batches/{batch_id}/approve-drafts", data={"csrf_token": token}).get_data(as_text=True)
    assert re.findall(r'<li data-job="([^"]+)">', first) == job_ids[:2]
    assert "Approve all drafts" in first  # one left: the next press takes it
    second = browser.post(f"/batches/{batch_id}/approve-drafts", data={"csrf_token": token}).get_data(as_text=True)
    assert re.findall(r'<li data-job="([^"]+)">', second) == job_ids[2:]


def test_a_batch_of_finals_offers_no_approval(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, _ = page
    batch_id, _ = template_batch(app, keys, draft=False)
    html = browser.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert [r[3] for r in rows_of(html)] == ["Final"] * 3
    assert "Approve all drafts" not in html


def test_a_refused_spreadsheet_keeps_drafts_first_as_it_was(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    template_id = api_client(app, keys["alpha"]).post("/v1/templates", json=TEMPLATE).get_json()["id"]
    switch = re.compile(r'<input type="checkbox" id="batch-draft"[^>]*>')
    for draft, checked in (({"draft": "on"}, True), ({}, False)):
        refused = browser.post(
            f"/templates/{template_id}/batch",
            data={"file": (io.BytesIO(b"script,headline\r\n,Empty\r\n"), "night.csv"), "csrf_token": token, **draft},
        )
        assert refused.status_code == 422, refused.get_data(as_text=True)[-2000:]
        found = switch.search(refused.get_data(as_text=True))
        assert found and ("checked" in found.group(0)) is checked, found


def test_a_templates_spreadsheet_is_drafts_first_until_unticked_as_a_single_video_is(
    app: Flask,
    keys: Keys,
    page: Page,  # noqa: F811
) -> None:
    browser, _ = page
    template_id = api_client(app, keys["alpha"]).post("/v1/templates", json=TEMPLATE).get_json()["id"]
    html = browser.get(f"/templates/{template_id}").get_data(as_text=True)
    found = re.search(r'<input type="checkbox" id="batch-draft"[^>]*>', html)
    assert found and "checked" in found.group(0), found


def test_the_page_follows_each_drafts_final_until_done_and_offers_its_video(app, keys, page, sessions, monkeypatch):  # noqa: F811
    """The finals are not jobs of the batch: the page showed the drafts' status alone, and stopped polling once the
    drafts were done, so a producer could not see from it when the finals were, nor download them."""
    import api.web.batches as batches
    from api.web import public_api

    browser, token = page
    batch_id, job_ids = template_batch(app, keys)
    for job_id in job_ids:
        succeed(sessions, job_id)
    with sessions() as session, session.begin():  # as the last draft's announcement marks it
        session.get_one(Batch, batch_id).completed_at = utcnow()
    done = browser.get(f"/batches/{batch_id}/progress").get_data(as_text=True)
    assert "hx-get" not in done and [r[5] for r in rows_of(done)] == ["not approved yet"] * 3
    browser.post(f"/batches/{batch_id}/approve-drafts", data={"csrf_token": token})
    api = api_client(app, keys["alpha"])
    finals = [api.get(f"/v1/jobs/{job_id}").get_json()["final_job_id"] for job_id in job_ids]

    monkeypatch.setattr(batches, "JOBS_PAGE", 2)  # three rows and three finals: two pages of each
    asked: list[str] = []
    get = public_api.get
    monkeypatch.setattr(public_api, "get", lambda path, **query: asked.append(path) or get(path, **query))
    queued = browser.get(f"/batches/{batch_id}/progress")
    html = queued.get_data(as_text=True)
    assert 'hx-get="/batches/' in html  # the drafts are done, their finals not: the page keeps following
    assert [r[5] for r in rows_of(html)] == ["Queued"] * 3
    assert "The drafts are done; their finals are in progress." in html and "3 queued." in html
    assert asked == ["/v1/batches/" + batch_id] + ["/v1/jobs"] * 4  # pages of the lists, never a job at a time

    succeed(sessions, finals[0])
    changed = browser.get(f"/batches/{batch_id}/progress", headers={"If-None-Match": queued.headers["ETag"]})
    assert changed.status_code == 200
    html = changed.get_data(as_text=True)
    assert [r[5] for r in rows_of(html)] == ["Succeeded Download the final of row 2", "Queued", "Queued"]
    video = api.get(f"/v1/jobs/{finals[0]}").get_json()["output"]["url"].split("?")[0]
    assert re.search(rf'<a href="{re.escape(video)}[^"]*" download="{finals[0]}.mp4">', html), html
    assert 'hx-get="/batches/' in html
    for final_id in finals[1:]:
        succeed(sessions, final_id)
    html = browser.get(f"/batches/{batch_id}/progress").get_data(as_text=True)
    assert "hx-get" not in html and "Completed." in html and "Finals of the approved drafts: 3 succeeded." in html
    assert [r[5].split()[0] for r in rows_of(html)] == ["Succeeded"] * 3
