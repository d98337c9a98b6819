"""A plain batch's CSV (POST /v1/batches with a file, no stored template) is headed as a template batch's is:
its columns match the job's fields and the template's placeholders ignoring case and surrounding spaces, two
columns that then fill one are refused naming both, and a spreadsheet's trailing empty column is left out.
A header that worked before still does: a column that fills nothing is a template variable, as it was."""

from __future__ import annotations

import io

import sqlalchemy as sa

from domain.models import Batch, Job
from tests.unit.api.test_batches_webhooks import app, client, count  # noqa: F401  (the signed-in fixtures)
from tests.unit.api.test_requests import assert_problem


def upload(client, text: str, **form):  # noqa: F811
    return client.post(
        "/v1/batches",
        data={"file": (io.BytesIO(text.encode()), "jobs.csv"), **form},
        content_type="multipart/form-data",
    )


def specs(sessions) -> list[dict]:
    with sessions() as session:
        return [(j.spec, j.priority) for j in session.scalars(sa.select(Job).order_by(Job.id))]


def test_a_plain_csv_headed_as_people_write_it_fills_the_job_fields_ignoring_case_and_spaces(
    client,  # noqa: F811
    sessions,
):
    text = "Script, Avatar ,PRIORITY,Draft\nRain moves east.,astronaut,7,TRUE\n"
    response = upload(client, text)
    assert response.status_code == 201, response.get_data(as_text=True)  # was 422: no script, no avatar
    [(spec, priority)] = specs(sessions)
    assert (spec["script"], spec["avatar"], spec["draft"], priority) == (
        "Rain moves east.",
        {"preset": "astronaut"},
        True,
        7,
    )


def test_a_plain_csv_column_matches_its_templates_placeholder_ignoring_case(client, sessions):  # noqa: F811
    text = " Name ,Avatar\nAda,astronaut\nBo,astronaut\n"
    response = upload(client, text, template="Hello {{name}}!")
    assert response.status_code == 201, response.get_data(as_text=True)  # was 422: no value for {{name}}
    assert [spec["script"] for spec, _ in specs(sessions)] == ["Hello Ada!", "Hello Bo!"]


def test_two_plain_csv_columns_that_fill_one_field_are_refused_naming_both(client, sessions):  # noqa: F811
    body = assert_problem(upload(client, "script, Script ,avatar\nOne.,Two.,astronaut\n"), 422, "batch_header_invalid")
    assert body["errors"]["duplicate_columns"] == {"script": ["script", " Script "]}
    assert body["errors"]["columns"] == ["script", " Script ", "avatar"]
    assert "'script' and ' Script ' both fill 'script'" in body["detail"]
    twice = assert_problem(
        upload(client, "Name,name,avatar\nAda,Bo,astronaut\n", template="Hi {{name}}"), 422, "batch_header_invalid"
    )
    assert twice["errors"]["duplicate_columns"] == {"name": ["Name", "name"]}
    assert count(sessions, Job) == 0 and count(sessions, Batch) == 0


def test_a_spreadsheets_trailing_empty_columns_are_left_out_of_a_plain_csv(client, sessions):  # noqa: F811
    # two blank headings are not two columns filling one name
    response = upload(client, "script,avatar,,\nRain moves east.,astronaut,,\n")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert count(sessions, Job) == 1


def test_a_plain_csv_header_that_worked_before_still_does(client, sessions):  # noqa: F811
    # exact names; a column that fills no field is a variable of the template, as it was, or else left unused
    ok = upload(client, "script,avatar,notes\nOne.,astronaut,for the web\n")
    assert ok.status_code == 201, ok.get_data(as_text=True)
    filled = upload(client, "Who,avatar\nAda,astronaut\n", template="Hello {{Who}}!")
    assert filled.status_code == 201, filled.get_data(as_text=True)
    assert [spec["script"] for spec, _ in specs(sessions)] == ["One.", "Hello Ada!"]


def test_a_header_of_more_columns_than_any_batch_fills_is_refused_before_its_rows_are_read(
    client,  # noqa: F811
    sessions,
    monkeypatch,
):
    """A header of 300,000 commas (a 0.3 MB file) held its request for 33 s, each row read into a dict of every
    column; more than ``MAX_COLUMNS`` columns is now refused at the header."""
    import api.batch_rows as batch_rows

    read = []
    monkeypatch.setattr(batch_rows, "_typed", lambda row: read.append(row) or row)
    body = assert_problem(
        upload(client, "script,avatar" + "," * 300_000 + "\n" + "One.,astronaut\n" * 1000), 422, "batch_header_invalid"
    )
    assert "300002 columns" in body["detail"] and "at most 200" in body["detail"]
    assert read == [] and count(sessions, Job) == 0  # no row was read
    wide = upload(client, "script,avatar," + ",".join(f"note{i}" for i in range(198)) + "\nOne.,astronaut\n")
    assert wide.status_code == 201, wide.get_data(as_text=True)  # 200 columns: taken, as before


def test_a_batchs_japanese_scripts_are_looked_up_at_submit_up_to_a_bound_and_the_rest_by_the_worker(
    client,  # noqa: F811
    sessions,
    monkeypatch,
):
    """400 rows of 20,000 kanji held a request for 37 s in the reading dictionary. A batch now looks up at most
    ``BATCH_LOOK_UPS`` characters; rows past it are taken, and the worker, which reads every sentence before it
    speaks, fails such a row's job with ``script_unreadable`` (tests/unit/media/tts/test_japanese.py)."""
    import api.batches as batches

    unknown = {"script": "龘の新しい橋が開通しました。", "avatar": "astronaut", "language": "ja"}
    refused = assert_problem(client.post("/v1/batches", json={"jobs": [unknown, unknown]}), 422, "batch_invalid")
    assert [refused["errors"][row]["code"] for row in ("0", "1")] == ["script_unreadable"] * 2
    monkeypatch.setattr(batches, "BATCH_LOOK_UPS", len(unknown["script"]))  # room for the first row alone
    past = assert_problem(client.post("/v1/batches", json={"jobs": [unknown, unknown]}), 422, "batch_invalid")
    assert list(past["errors"]) == ["0"]  # the second row was past the bound: not looked up
    monkeypatch.setattr(batches, "BATCH_LOOK_UPS", 0)
    assert client.post("/v1/batches", json={"jobs": [unknown, unknown]}).status_code == 201
    assert count(sessions, Job) == 2


def test_excels_semicolon_csv_and_a_tab_separated_sheet_are_read_by_their_columns(client, sessions):  # noqa: F811
    """Excel saves "CSV" with semicolons where a decimal comma is the custom (most of Europe). Before, such a file's
    header was one column, "Script;Avatar", and every row was refused for having no script."""
    semicolons = "Script;Avatar;Priority\nRain, then sun.;astronaut;3\nWind moves east.;astronaut;4\n"
    assert upload(client, semicolons).status_code == 201
    tabs = "Script\tAvatar\nFog by noon, clear later.\tastronaut\n"
    assert upload(client, tabs).status_code == 201
    made = specs(sessions)
    assert [(spec["script"], spec["avatar"], priority) for spec, priority in made] == [
        ("Rain, then sun.", {"preset": "astronaut"}, 3),
        ("Wind moves east.", {"preset": "astronaut"}, 4),
        ("Fog by noon, clear later.", {"preset": "astronaut"}, 5),
    ]


def test_a_comma_header_keeps_semicolons_in_its_cells(client, sessions):  # noqa: F811
    assert upload(client, 'script,avatar\n"One; two; three.",astronaut\n').status_code == 201
    [(spec, _)] = specs(sessions)
    assert spec["script"] == "One; two; three."


def test_a_semicolon_header_with_a_quoted_comma_is_still_read_by_its_semicolons(client, sessions):  # noqa: F811
    """From review: `Script;Avatar;"Notes, internal"` has a comma, and was read as one comma-separated column."""
    text = 'Script;Avatar;"Notes, internal"\nRain, then sun.;astronaut;check the map\n'
    assert upload(client, text).status_code == 201
    [(spec, _)] = specs(sessions)
    assert spec["script"] == "Rain, then sun." and spec["avatar"] == {"preset": "astronaut"}
