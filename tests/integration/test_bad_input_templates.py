"""Hostile templates and template batches, on PostgreSQL as on SQLite (the farm
of tests/integration/test_bad_input.py): each is a 4xx problem+json with its
stable code that stores nothing (no template, version, job or batch), or the
documented behaviour (a ``{{`` in a value stays literal; a template deleted
while its batch runs leaves the batch's jobs whole)."""

from __future__ import annotations

import copy
import io

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from domain.models import Job, Template, TemplateVersion
from tests.fuzz_budget import fuzz_settings
from tests.hostile_strategies import any_text, json_scalars, json_values
from tests.integration.test_bad_input import _stored, farm  # noqa: F401 — the same farm on both databases
from tests.templates_fixtures import NEWS, csv_text, news, rows

pytestmark = pytest.mark.integration


def stored(sessions, settings) -> tuple:
    with sessions() as session:
        templates = tuple(
            session.scalar(sa.select(sa.func.count()).select_from(t)) for t in (Template, TemplateVersion)
        )
    return _stored(sessions, settings), templates


@pytest.fixture(scope="module")
def template_id(farm):  # noqa: F811
    response = farm[0].post("/v1/templates", json=NEWS)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def save(template):
    return lambda c, t: c.post("/v1/templates", json=template)


def resave(template):
    return lambda c, t: c.put(f"/v1/templates/{t}", json=template)


def render(variables):
    return lambda c, t: c.post(f"/v1/templates/{t}/jobs", json={"variables": variables})


def batch_csv(text: str):
    return lambda c, t: c.post(
        "/v1/batches",
        data={"file": (io.BytesIO(text.encode()), "rows.csv"), "template_id": t},
        content_type="multipart/form-data",
    )


def batch_rows(items):
    return lambda c, t: c.post("/v1/batches", json={"template_id": t, "rows": items})


#: 20,000 placeholders filled with 20 KB each would be 400 MB: refused from the lengths, before building it
BIG = "a script of 20,000 placeholders filled 20 KB each"


def variables(*extra):
    return [*copy.deepcopy(NEWS["variables"]), *extra]


CASES = {
    "a save naming a version the template has left": (
        lambda c, t: c.put(f"/v1/templates/{t}", json=news(), headers={"If-Match": '"v0"'}),
        412,
        "template_changed",
    ),
    # placeholders where none may stand
    "placeholder in a number field": (save(news(body__params={"fps": "{{fps}}"})), 422, "template_invalid"),
    "placeholder in the canvas": (save(news(body__canvas={"width": "{{w}}", "height": 1080})), 422, "template_invalid"),
    "placeholder in a key": (save(news(body__metadata={"{{headline}}": "x"})), 422, "template_invalid"),
    "placeholder in the overlay type": (
        save(news(body__overlays=[{"type": "{{t}}", "text": "{{headline}}"}])),
        422,
        "template_invalid",
    ),
    "placeholder in a list of strings": (save(news(body__renditions=["{{headline}}"])), 422, "template_invalid"),
    "half an asset id": (
        save(news(body__avatar="ast_{{face}}", variables=variables({"name": "face", "type": "image"}))),
        422,
        "template_invalid",
    ),
    "a new version with a placeholder in a number": (resave(news(body__priority="{{p}}")), 422, "template_invalid"),
    # variable names
    "variable name with spaces": (
        save(news(variables=variables({"name": "my headline", "type": "text"}))),
        422,
        "template_invalid",
    ),
    "variable name of 10 KB": (
        save(news(variables=variables({"name": "v" * 10240, "type": "text"}))),
        422,
        "template_invalid",
    ),
    "variable name with a NUL": (
        save(news(variables=variables({"name": "a\x00b", "type": "text"}))),
        422,
        "text_invalid_character",
    ),
    "placeholder with spaces inside": (
        save(news(body__script="{{ my headline }} {{headline}} {{story}}")),
        422,
        "template_invalid",
    ),
    "variable of an unknown type": (
        save(news(variables=variables({"name": "x", "type": "hologram"}))),
        422,
        "template_invalid",
    ),
    "variable declared twice": (save(news(variables=variables(NEWS["variables"][0]))), 422, "template_invalid"),
    "placeholder not declared": (
        save(news(body__script="{{headline}} {{story}} {{nope}}")),
        422,
        "template_variable_unknown",
    ),
    "variable never used": (
        save(news(variables=variables({"name": "unused", "type": "text"}))),
        422,
        "template_variable_unused",
    ),
    BIG: (lambda c, t: _render_big(c), 422, "template_too_large"),
    # values
    "value for no variable": (render({"headline": "a", "story": "b", "extra": "c"}), 422, "variable_unknown"),
    "required value missing": (render({"headline": "a"}), 422, "variable_missing"),
    "colour of words": (render({"headline": "a", "story": "b", "accent": "blue-ish"}), 422, "variable_type"),
    "voice not in the catalogue": (render({"headline": "a", "story": "b", "voice": "HAL 9000"}), 422, "variable_type"),
    "value that is an object": (render({"headline": {"a": 1}, "story": "b"}), 422, "variable_type"),
    "headline that overflows its lower third": (
        render({"headline": "Flooding " * 40, "story": "b"}),
        422,
        "text_overflow",
    ),
    # batches
    "CSV header naming no variables": (batch_csv(csv_text(["priority"], [["5"]])), 422, "batch_header_invalid"),
    "CSV header with a typo": (batch_csv(csv_text(["headline", "stroy"], [["a", "b"]])), 422, "batch_header_invalid"),
    "CSV with no column for a required variable": (
        batch_csv(csv_text(["headline"], [[f"Story {i}"] for i in range(200)])),
        422,
        "batch_header_invalid",
    ),
    "CSV header naming one variable twice, in two cases": (
        batch_csv(csv_text(["headline", "Headline", "story"], [["a", "b", "c"]])),
        422,
        "batch_header_invalid",
    ),
    "CSV of 1,001 rows": (batch_csv(csv_text(["headline", "story"], [["a", "b"]] * 1001)), 413, "batch_too_large"),
    "JSON of 1,001 rows": (batch_rows(rows(1001)), 413, "batch_too_large"),
    "one bad row in three": (batch_rows([*rows(2), {"headline": "a"}]), 422, "batch_invalid"),
    "rows from no template": (
        lambda c, t: c.post("/v1/batches", json={"template_id": "tpl_" + "0" * 26, "rows": rows(1)}),
        404,
        "template_not_found",
    ),
}


def _render_big(client):
    made = client.post("/v1/templates", json=news(body__script="{{headline}}" * 20_000 + " {{story}}"))
    assert made.status_code == 201, made.get_data(as_text=True)
    template_id = made.get_json()["id"]
    response = client.post(
        f"/v1/templates/{template_id}/jobs", json={"variables": {"headline": "x" * 20_000, "story": "b"}}
    )
    client.delete(f"/v1/templates/{template_id}")
    return response


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_template_is_a_4xx_problem_and_stores_nothing(farm, template_id, case):  # noqa: F811
    client, sessions, settings = farm
    send, status, code = CASES[case]
    before = stored(sessions, settings)
    response = send(client, template_id)
    assert response.status_code == status, response.get_data(as_text=True)[:600]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code, body
    assert len(response.get_data()) < 20_000  # a 10 KB name is not echoed back whole
    if case != BIG:  # that one saves (and deletes) its own template
        assert stored(sessions, settings) == before
    assert client.get(f"/v1/templates/{template_id}").get_json()["version"] == 1
    good = client.post(f"/v1/templates/{template_id}/jobs", json={"variables": {"headline": "a", "story": "b"}})
    assert good.status_code == 202, good.get_data(as_text=True)
    assert client.post(f"/v1/jobs/{good.get_json()['id']}/cancel").status_code == 200


@pytest.mark.parametrize(
    ("send", "code", "variable"),
    [
        (render({"headline": "Storm ► tonight", "story": "b"}), "text_undrawable", "headline"),
        (render({"headline": "Storm", "story": "The storm reaches 北京 at dawn."}), "script_unreadable", "story"),
        (batch_rows([*rows(2), {"headline": "Storm ► tonight", "story": "b"}]), "text_undrawable", "headline"),
    ],
    ids=[
        "render, a symbol no font has in the lower third",
        "render, Chinese in an English story",
        "batch, a symbol in row 2",
    ],
)
def test_a_value_the_job_refuses_names_its_variable_on_either_database(farm, template_id, send, code, variable):  # noqa: F811
    client, sessions, settings = farm
    before = stored(sessions, settings)
    response = send(client, template_id)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    if body["code"] == "batch_invalid":  # by row: the third's
        named, detail = (body["errors"]["2"]["code"], body["errors"]["2"]["variable"]), body["errors"]["2"]["detail"]
    else:
        named, detail = (body["code"], body["errors"]["variable"]), body["detail"]
    assert named == (code, variable)
    assert detail.startswith(f"Variable {variable!r}: ") and "purpose=font" not in detail
    assert stored(sessions, settings) == before


def test_braces_in_values_stay_literal_on_either_database(farm, template_id):  # noqa: F811
    client = farm[0]
    response = client.post(
        "/v1/batches",
        json={"template_id": template_id, "rows": [{"headline": "{{story}}", "story": "{{headline}} {{ nope }} {{"}]},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    job = client.get(f"/v1/jobs/{response.get_json()['job_ids'][0]}").get_json()
    assert job["spec"]["script"] == "{{story}}. {{headline}} {{ nope }} {{"
    assert job["spec"]["composition"]["scenes"][0]["overlays"][0]["text"] == "{{story}}"
    client.post(f"/v1/jobs/{job['id']}/cancel")


def test_a_csv_header_is_matched_ignoring_case_and_spaces_on_either_database(farm, template_id):  # noqa: F811
    client, sessions, settings = farm
    before = stored(sessions, settings)
    twice = batch_csv(csv_text(["headline", " Headline ", "story"], [["a", "b", "c"]]))(client, template_id)
    assert twice.status_code == 422 and twice.mimetype == "application/problem+json"
    assert twice.get_json()["errors"]["duplicate_columns"] == {"headline": ["headline", " Headline "]}
    assert stored(sessions, settings) == before
    taken = batch_csv(csv_text(["Headline", " Story ", "Priority"], [["Storm", "Winds.", "7"]]))(client, template_id)
    assert taken.status_code == 201, taken.get_data(as_text=True)
    job = client.get(f"/v1/jobs/{taken.get_json()['job_ids'][0]}").get_json()
    assert (job["spec"]["script"], job["priority"]) == ("Storm. Winds.", 7)
    client.post(f"/v1/jobs/{job['id']}/cancel")


def test_a_template_deleted_while_its_batch_runs_leaves_the_jobs_to_finish(farm):  # noqa: F811
    client, sessions, _ = farm
    made = client.post("/v1/templates", json=NEWS).get_json()
    batch = client.post("/v1/batches", json={"template_id": made["id"], "rows": rows(3)}).get_json()
    assert client.delete(f"/v1/templates/{made['id']}").status_code == 204
    assert client.get(f"/v1/templates/{made['id']}").status_code == 404
    assert made["id"] not in [t["id"] for t in client.get("/v1/templates?limit=200").get_json()["items"]]
    with sessions() as session:
        jobs = list(session.scalars(sa.select(Job).where(Job.batch_id == batch["id"])))
        # each job carries its filled body: the worker needs nothing from the template
        assert sorted(j.spec["script"] for j in jobs) == sorted(f"{r['headline']}. {r['story']}" for r in rows(3))
        assert all(j.status == "queued" and j.spec["template"]["version"] == 1 for j in jobs)
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(TemplateVersion).where(TemplateVersion.template_id == made["id"])
            )
            == 1
        )
    assert client.get(f"/v1/batches/{batch['id']}").get_json()["counts"]["queued"] == 3


# --- fuzzed: plausible templates and values with hostile pieces ------------------------------------------
_names = st.sampled_from(["headline", "story", "accent", "voice", "my var", "A", "_x", ""]) | any_text
_placeholders = st.builds(lambda n: "{{" + n + "}}", _names) | st.sampled_from(["{{", "}}", "{{headline}}x", "{{}}"])
_strings = st.lists(_placeholders | any_text, max_size=3).map("".join)
_declared = st.lists(
    st.fixed_dictionaries(
        {"name": _names, "type": st.sampled_from(["text", "image", "voice", "color", "hologram"]) | json_scalars},
        optional={"required": st.booleans() | json_scalars, "default": _strings | json_scalars},
    ),
    max_size=4,
)
_bodies = st.fixed_dictionaries(
    {"script": _strings, "avatar": st.just("astronaut") | _strings},
    optional={
        "voice": _strings,
        "canvas": st.just({"width": 1280, "height": 720}) | json_values,
        "overlays": st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _strings}), max_size=2),
        "params": st.fixed_dictionaries({}, optional={"fps": _strings | json_scalars}),
        "metadata": st.dictionaries(_strings, _strings, max_size=2),
    },
)


@fuzz_settings(30)
@given(body=_bodies, declared=_declared, values=st.dictionaries(_names, _strings | json_values, max_size=4))
def test_any_template_and_values_are_answered_on_either_database(farm, body, declared, values):  # noqa: F811
    """Never a 500; a refused save or render stores nothing; what is taken can be rendered or refused cleanly."""
    client, sessions, settings = farm
    before = stored(sessions, settings)
    saved = client.post("/v1/templates", json={"name": "fuzzed", "body": body, "variables": declared})
    assert saved.status_code < 500, saved.get_data(as_text=True)[:2000]
    if saved.status_code >= 400:
        assert saved.mimetype == "application/problem+json" and saved.get_json()["code"]
        assert stored(sessions, settings) == before
        return
    template_id = saved.get_json()["id"]
    before = stored(sessions, settings)
    rendered = client.post(f"/v1/templates/{template_id}/jobs", json={"variables": values})
    assert rendered.status_code < 500, rendered.get_data(as_text=True)[:2000]
    if rendered.status_code >= 400:
        assert rendered.mimetype == "application/problem+json" and rendered.get_json()["code"]
        assert stored(sessions, settings) == before
    else:
        client.post(f"/v1/jobs/{rendered.get_json()['id']}/cancel")
    client.delete(f"/v1/templates/{template_id}")
