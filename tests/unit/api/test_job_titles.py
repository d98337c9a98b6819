"""Jobs a person can find: a title (the caller's, else the script's first words), a search over titles
and metadata, filters by template and batch, and the template and poster on the job's document."""

from __future__ import annotations

import sqlalchemy as sa

from domain.models import Job
from domain.titles import MAX_TITLE_CHARS, first_words
from tests.unit.api.test_requests import JOB, assert_problem


def test_a_job_without_a_title_is_titled_by_its_first_words(alpha):
    script = "Tonight in the valley: the river rose two metres and the old bridge closed until further notice."
    job = alpha.post("/v1/jobs", json={**JOB, "script": script}).get_json()
    assert job["title"] == first_words(script)
    assert job["title"].startswith("Tonight in the valley") and job["title"].endswith("…")
    assert len(job["title"]) <= 60 and job["template"] is None and job["poster_url"] is None


def test_a_given_title_is_kept_on_one_line(alpha):
    job = alpha.post("/v1/jobs", json={**JOB, "title": "  Flood   warning  "}).get_json()
    assert job["title"] == "Flood warning"
    assert alpha.get(f"/v1/jobs/{job['id']}").get_json()["title"] == "Flood warning"


def test_a_title_too_long_is_refused_naming_the_field(alpha, sessions):
    body = assert_problem(
        alpha.post("/v1/jobs", json={**JOB, "title": "x" * (MAX_TITLE_CHARS + 1)}), 422, "field_too_long"
    )
    assert "title" in body["errors"]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_search_finds_titles_and_metadata_values_case_insensitively(alpha, beta):
    flood = alpha.post("/v1/jobs", json={**JOB, "title": "Flood warning"}).get_json()["id"]
    tagged = alpha.post("/v1/jobs", json={**JOB, "title": "Sport", "metadata": {"desk": "Weather_Desk"}}).get_json()[
        "id"
    ]
    alpha.post("/v1/jobs", json={**JOB, "title": "Markets"})
    beta.post("/v1/jobs", json={**JOB, "title": "Flood in another newsroom"})

    def found(q: str) -> list[str]:
        return [j["id"] for j in alpha.get("/v1/jobs", query_string={"q": q}).get_json()["items"]]

    assert found("FLOOD") == [flood]
    assert found("weather_desk") == [tagged]
    assert found("%") == [] and found("h_r") == []  # LIKE's wildcards are text here
    assert len(found("")) == 3


def test_filters_by_template_and_batch(alpha, sessions):
    ids = [alpha.post("/v1/jobs", json=JOB).get_json()["id"] for _ in range(2)]
    with sessions() as session, session.begin():
        job = session.get_one(Job, ids[0])
        job.spec = {**job.spec, "template": {"id": "tpl_news", "version": 3, "variables": {}}}
    listed = alpha.get("/v1/jobs", query_string={"template_id": "tpl_news"}).get_json()["items"]
    assert [j["id"] for j in listed] == [ids[0]] and listed[0]["template"] == {"id": "tpl_news", "version": 3}
    assert alpha.get("/v1/jobs", query_string={"batch_id": "bat_none"}).get_json()["items"] == []
