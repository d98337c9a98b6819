"""Templates through the HTTP API on SQLite (hostile cases on PostgreSQL too in
tests/integration/test_bad_input_templates.py): saving with versions, the
declaration's refusals, rendering with each refusal naming its variable,
values kept literal, deleting, and the CSV header."""

from __future__ import annotations

import io

import sqlalchemy as sa

from domain.models import Job, TemplateVersion
from tests import composition_files as files
from tests.templates_fixtures import CANVAS, NEWS, news
from tests.unit.api.test_requests import assert_problem as problem

#: the news template's two text variables
TEXTS = NEWS["variables"][:2]


def create(client, template=None) -> dict:
    response = client.post("/v1/templates", json=template or NEWS)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def render(client, template_id: str, **variables):
    return client.post(f"/v1/templates/{template_id}/jobs", json={"variables": variables})


def count_jobs(sessions) -> int:
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Job))


# --- saving -----------------------------------------------------------------------------------------
def test_a_template_is_saved_listed_and_read_back(alpha):
    made = create(alpha)
    assert made["version"] == 1 and made["id"].startswith("tpl_")
    assert [v["name"] for v in made["variables"]] == ["headline", "story", "voice", "accent"]
    assert made["variables"][3]["default"] == "#1f2937"
    assert alpha.get(f"/v1/templates/{made['id']}").get_json()["body"] == NEWS["body"]
    assert [t["id"] for t in alpha.get("/v1/templates").get_json()["items"]] == [made["id"]]


def test_the_list_pages_with_a_cursor(alpha):
    ids = [create(alpha, news(name=f"T{i}"))["id"] for i in range(3)]
    first = alpha.get("/v1/templates?limit=2").get_json()
    assert [t["id"] for t in first["items"]] == ids[::-1][:2] and first["next_cursor"]
    second = alpha.get(f"/v1/templates?limit=2&cursor={first['next_cursor']}").get_json()
    assert [t["id"] for t in second["items"]] == [ids[0]] and second["next_cursor"] is None


def test_every_save_is_a_new_version_and_old_ones_stay_readable(alpha):
    made = create(alpha)
    changed = news(body__script="Breaking: {{headline}}. {{story}}")
    updated = alpha.put(f"/v1/templates/{made['id']}", json=changed)
    assert updated.status_code == 200 and updated.get_json()["version"] == 2
    assert alpha.get(f"/v1/templates/{made['id']}").get_json()["body"]["script"].startswith("Breaking")
    assert alpha.get(f"/v1/templates/{made['id']}?version=1").get_json()["body"]["script"] == "{{headline}}. {{story}}"
    versions = alpha.get(f"/v1/templates/{made['id']}/versions").get_json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    problem(alpha.get(f"/v1/templates/{made['id']}?version=3"), 404, "template_version_not_found")


def test_another_tenants_template_is_not_found(alpha, beta):
    made = create(alpha)
    problem(beta.get(f"/v1/templates/{made['id']}"), 404, "template_not_found")
    problem(render(beta, made["id"], headline="x", story="y"), 404, "template_not_found")
    assert beta.get("/v1/templates").get_json()["items"] == []


def test_the_csv_header_lists_required_variables_first(alpha):
    made = create(
        alpha, news(variables=[{"name": "accent", "type": "color", "required": False}, *NEWS["variables"][:3]])
    )
    response = alpha.get(f"/v1/templates/{made['id']}/csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True) == "headline,story,accent,voice\r\n"


# --- what a template may declare ----------------------------------------------------------------------
def test_a_placeholder_in_a_key_or_a_non_text_field_is_template_invalid(alpha):
    for body_change in (
        {"body__params": {"fps": "{{fps}}"}},  # a number's field
        {"body__canvas": {"width": "{{w}}", "height": 1080}},
        {"body__metadata": {"{{headline}}": 1}},  # a key
        {"body__metadata": {"note": "{{headline}}"}},  # the caller's own data
        {"body__overlays": [{"type": "{{kind}}", "text": "{{headline}}"}]},
    ):
        body = problem(alpha.post("/v1/templates", json=news(**body_change)), 422, "template_invalid")
        assert body["errors"]


def test_bad_variable_names_are_refused_naming_them(alpha):
    spaced = problem(
        alpha.post("/v1/templates", json=news(variables=[*NEWS["variables"], {"name": "my var", "type": "text"}])),
        422,
        "template_invalid",
    )
    assert "'my var'" in spaced["detail"]
    long = problem(
        alpha.post("/v1/templates", json=news(variables=[{"name": "a" * 10240, "type": "text"}])),
        422,
        "template_invalid",
    )
    assert len(long["detail"]) < 400  # the name is shown cut short, not echoed whole
    problem(alpha.post("/v1/templates", json=news(body__script="{{ my var }}")), 422, "template_invalid")


def test_every_placeholder_declared_and_every_variable_used(alpha):
    unknown = problem(
        alpha.post("/v1/templates", json=news(body__script="{{headline}} {{story}} {{sign_off}}")),
        422,
        "template_variable_unknown",
    )
    assert unknown["errors"]["variable"] == "sign_off"
    unused = problem(
        alpha.post("/v1/templates", json=news(body__script="{{headline}}")), 422, "template_variable_unused"
    )
    assert unused["errors"]["variable"] == "story"


def test_a_placeholder_must_fit_its_field(alpha):
    # an asset is the whole field; a colour variable cannot be a script
    problem(
        alpha.post(
            "/v1/templates",
            json=news(body__avatar="ast_{{face}}", variables=[*NEWS["variables"], {"name": "face", "type": "image"}]),
        ),
        422,
        "template_invalid",
    )
    problem(
        alpha.post("/v1/templates", json=news(body__script="{{accent}} {{headline}} {{story}}")),
        422,
        "template_invalid",
    )


# --- rendering ----------------------------------------------------------------------------------------
def test_a_render_makes_a_job_that_records_its_template(alpha, sender):
    made = create(alpha)
    response = render(alpha, made["id"], headline="Storm tonight", story="Winds reach the coast.")
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert job["template"] == {"id": made["id"], "version": 1}
    assert job["spec"]["script"] == "Storm tonight. Winds reach the coast."
    assert job["spec"]["template"]["variables"] == {
        "headline": "Storm tonight",
        "story": "Winds reach the coast.",
        "voice": "",
        "accent": "#1f2937",
    }
    scene = job["spec"]["composition"]["scenes"][0]
    assert scene["overlays"][0]["text"] == "Storm tonight" and scene["background"]["color"] == "#1f2937"
    # read back, the job names its template as it was called at that version
    shown = alpha.get(f"/v1/jobs/{job['id']}").get_json()["template"]
    assert shown == {"id": made["id"], "version": 1, "name": made["name"], "deleted": False}


def test_braces_in_a_value_stay_literal(alpha):
    made = create(alpha)
    job = render(alpha, made["id"], headline="{{story}}", story="Say {{headline}} twice").get_json()
    assert job["spec"]["script"] == "{{story}}. Say {{headline}} twice"


def test_each_value_refusal_names_its_variable(alpha):
    made = create(alpha)
    for variables, code, name in (
        ({"story": "x"}, "variable_missing", "headline"),
        ({"headline": "x", "story": "y", "sign_off": "z"}, "variable_unknown", "sign_off"),
        ({"headline": "x", "story": "y", "accent": "red"}, "variable_type", "accent"),
        ({"headline": "x", "story": "y", "voice": "no-such-voice"}, "variable_type", "voice"),
        ({"headline": ["x"], "story": "y"}, "variable_type", "headline"),
    ):
        body = problem(alpha.post(f"/v1/templates/{made['id']}/jobs", json={"variables": variables}), 422, code)
        assert body["errors"]["variable"] == name and repr(name) in body["detail"]


def test_an_asset_of_another_purpose_is_refused_naming_both(alpha):
    made = create(
        alpha,
        news(
            body__background={"type": "image", "asset_id": "{{studio}}"},
            variables=[*NEWS["variables"][:3], {"name": "studio", "type": "image"}],
        ),
    )
    logo = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(files.logo()), "logo.png"), "purpose": "logo"},
        content_type="multipart/form-data",
    ).get_json()["id"]
    music = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(files.music()), "bed.wav"), "purpose": "music"},
        content_type="multipart/form-data",
    ).get_json()["id"]
    body = problem(render(alpha, made["id"], headline="x", story="y", studio=logo), 422, "asset_purpose_mismatch")
    assert body["errors"]["variable"] == "studio"
    assert body["errors"]["purposes"] == {"given": "logo", "wanted": ["background"]}
    wrong_kind = problem(render(alpha, made["id"], headline="x", story="y", studio=music), 422, "variable_type")
    assert wrong_kind["errors"]["variable"] == "studio"
    nowhere = problem(
        render(alpha, made["id"], headline="x", story="y", studio="ast_" + "0" * 26), 404, "asset_not_found"
    )
    assert nowhere["errors"]["variable"] == "studio"
    picture = alpha.post(
        "/v1/assets",
        data={"file": (io.BytesIO(files.studio_picture()), "s.png"), "purpose": "background"},
        content_type="multipart/form-data",
    )
    ok = render(alpha, made["id"], headline="x", story="y", studio=picture.get_json()["id"])
    assert ok.status_code == 202, ok.get_json()


def test_a_headline_too_long_for_its_lower_third_is_text_overflow(alpha, sessions):
    made = create(alpha)
    fits = render(alpha, made["id"], headline="Storm reaches the coast tonight", story="y")
    assert fits.status_code == 202
    long = " ".join(["Flooding"] * 40)
    body = problem(render(alpha, made["id"], headline=long, story="y"), 422, "text_overflow")
    assert body["errors"]["variable"] == "headline"
    assert count_jobs(sessions) == 1


def test_a_value_the_job_refuses_is_refused_naming_its_variable(alpha, sessions):
    made = create(alpha)
    storm = problem(render(alpha, made["id"], headline="Storm ► tonight", story="Winds."), 422, "text_undrawable")
    assert storm["errors"]["variable"] == "headline" and storm["detail"].startswith("Variable 'headline': ")
    assert "'►'" in storm["detail"] and "purpose=font" not in storm["detail"] and "overlays[0]" not in storm["detail"]
    assert storm["errors"]["field"] == "overlays[0].text"
    # the script holds both headline and story: the story is the one whose value the voice cannot read
    unreadable = problem(
        render(alpha, made["id"], headline="Storm tonight", story="The storm reaches 北京 at dawn."),
        422,
        "script_unreadable",
    )
    assert unreadable["errors"]["variable"] == "story" and unreadable["detail"].startswith("Variable 'story': ")
    mismatch = problem(
        render(
            alpha,
            made["id"],
            headline="La tempête arrive ce soir",
            story="Les vents atteignent la côte pendant la nuit, et les écoles resteront fermées demain.",
            voice="joe",
        ),
        422,
        "voice_language_mismatch",
    )
    assert mismatch["errors"]["variable"] == "voice" and "'voice'" in mismatch["detail"]
    assert count_jobs(sessions) == 0


def test_a_field_two_variables_fill_blames_the_one_whose_value_it_refuses(alpha):
    """A label filled by two variables, the second with a symbol no font has: the first was blamed (blanking either left the
    job refused, the long first one too long for the label on its own), with the job's advice a row cannot
    follow."""
    long = " ".join(["The council meets tonight to vote on the bridge after three years of debate."] * 3)
    body = {"script": "{{a}}. {{b}}.", "avatar": "astronaut", "canvas": CANVAS}
    body["overlays"] = [{"type": "text", "text": "{{a}} {{b}}", "role": "label"}]
    variables = [{"name": "a", "type": "text"}, {"name": "b", "type": "text"}]
    made = create(alpha, {"name": "Two in one", "body": body, "variables": variables})
    storm = problem(render(alpha, made["id"], a=long, b="Storm ► tonight"), 422, "text_undrawable")
    assert storm["errors"]["variable"] == "b", storm
    assert "purpose=font" not in storm["detail"]


def test_finding_whom_to_blame_checks_the_job_again_a_bounded_number_of_times(alpha, monkeypatch):
    """A script of ten variables, one of them Chinese to the English voice: each refused batch row checked its
    whole job again once per variable (fifty at most), three times the cost of the row itself."""
    from api.template_render import MAX_BLAME_CHECKS, TemplateRenderer

    names = [f"v{i}" for i in range(10)]
    body = {"script": " ".join("{{" + n + "}}." for n in names), "avatar": "astronaut", "voice": "joe"}
    made = create(alpha, {"name": "Ten", "body": body, "variables": [{"name": n, "type": "text"} for n in names]})
    checks = []
    real = TemplateRenderer._refusal_code
    monkeypatch.setattr(TemplateRenderer, "_refusal_code", lambda *a, **k: checks.append(1) or real(*a, **k))
    values = {n: "Rain" for n in names} | {"v7": "Rain in 北京"}
    refused = problem(render(alpha, made["id"], **values), 422, "script_unreadable")
    assert len(checks) <= MAX_BLAME_CHECKS
    assert set(refused["errors"]["variables"]) == set(names)  # too many to tell apart: each is named


def test_a_scenes_value_the_job_refuses_names_its_variable_not_its_scene(alpha):
    second = {
        "script": "{{story}}",
        "avatar": "astronaut",
        "overlays": [{"type": "text", "text": "{{headline}}", "role": "lower_third"}],
    }
    scenes = [{"script": "Good evening.", "avatar": "astronaut"}, second]
    made = create(alpha, {"name": "Two scenes", "body": {"canvas": CANVAS, "scenes": scenes}, "variables": TEXTS})
    unreadable = problem(render(alpha, made["id"], headline="Storm", story="Rain in 北京."), 422, "script_unreadable")
    assert unreadable["errors"]["variable"] == "story" and unreadable["detail"].startswith("Variable 'story': The ")
    storm = problem(render(alpha, made["id"], headline="Storm ►", story="Rain."), 422, "text_undrawable")
    assert storm["errors"] == {"variable": "headline", "field": "scenes[1].overlays[0].text"}


def test_an_old_version_renders_again(alpha):
    made = create(alpha)
    alpha.put(f"/v1/templates/{made['id']}", json=news(body__script="Breaking: {{headline}}. {{story}}"))
    old = alpha.post(
        f"/v1/templates/{made['id']}/jobs", json={"version": 1, "variables": {"headline": "a", "story": "b"}}
    ).get_json()
    assert old["template"]["version"] == 1 and old["spec"]["script"] == "a. b"
    new = render(alpha, made["id"], headline="a", story="b").get_json()
    assert new["template"]["version"] == 2 and new["spec"]["script"] == "Breaking: a. b"


def test_render_takes_the_usual_job_fields(alpha):
    made = create(alpha)
    job = alpha.post(
        f"/v1/templates/{made['id']}/jobs",
        json={
            "variables": {"headline": "a", "story": "b"},
            "priority": 8,
            "metadata": {"desk": "sport"},
            "draft": True,
        },
    ).get_json()
    assert job["priority"] == 8 and job["metadata"] == {"desk": "sport"} and job["draft"] is True


# --- deleting -----------------------------------------------------------------------------------------
def test_a_deleted_template_no_longer_lists_or_renders_but_its_versions_stay(alpha, sessions):
    made = create(alpha)
    job = render(alpha, made["id"], headline="a", story="b").get_json()
    assert alpha.delete(f"/v1/templates/{made['id']}").status_code == 204
    problem(alpha.get(f"/v1/templates/{made['id']}"), 404, "template_not_found")
    problem(render(alpha, made["id"], headline="a", story="b"), 404, "template_not_found")
    problem(alpha.delete(f"/v1/templates/{made['id']}"), 404, "template_not_found")
    assert alpha.get("/v1/templates").get_json()["items"] == []
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(TemplateVersion)) == 1
    # its job still names it, and says it is gone
    shown = alpha.get(f"/v1/jobs/{job['id']}").get_json()["template"]
    assert shown == {"id": made["id"], "version": 1, "name": made["name"], "deleted": True}


# --- brand kits -----------------------------------------------------------------------------------------
def test_a_templates_brand_kit_goes_on_its_jobs_and_must_be_the_tenants(alpha, beta):
    kit = alpha.post("/v1/brand-kits", json={"name": "Evening"})
    assert kit.status_code == 201, kit.get_json()
    made = create(alpha, news(brand_kit_id=kit.get_json()["id"]))
    assert made["brand_kit_id"] == kit.get_json()["id"]
    job = render(alpha, made["id"], headline="a", story="b").get_json()
    assert job["spec"]["brand_kit"]["id"] == kit.get_json()["id"]
    problem(beta.post("/v1/templates", json=news(brand_kit_id=kit.get_json()["id"])), 404, "brand_kit_not_found")


def test_a_save_with_the_etag_of_an_older_version_is_refused_and_makes_no_version(alpha):
    """Two producers edit one template from version 1; the second save, naming version 1 in If-Match, made version 3
    over the first one's version 2 without a word. It is now 412 template_changed, and no version is made; a save
    naming the newest version, or none, is taken."""
    from tests.templates_fixtures import news

    template = create(alpha)
    read = alpha.get(f"/v1/templates/{template['id']}")
    assert read.headers["ETag"] == '"v1"'
    first = alpha.put(f"/v1/templates/{template['id']}", json=news(name="Late news"), headers={"If-Match": '"v1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"v2"'
    second = alpha.put(f"/v1/templates/{template['id']}", json=news(name="Night news"), headers={"If-Match": '"v1"'})
    assert second.status_code == 412 and second.mimetype == "application/problem+json"
    assert second.get_json()["code"] == "template_changed" and '"v2"' in second.get_json()["detail"]
    now = alpha.get(f"/v1/templates/{template['id']}").get_json()
    assert now["version"] == 2 and now["name"] == "Late news"
    assert alpha.get(f"/v1/templates/{template['id']}?version=1").headers["ETag"] == '"v1"'
    taken = alpha.put(f"/v1/templates/{template['id']}", json=news(name="Night news"), headers={"If-Match": '"v2"'})
    assert taken.status_code == 200 and taken.headers["ETag"] == '"v3"'
    assert alpha.put(f"/v1/templates/{template['id']}", json=news()).status_code == 200  # no If-Match: as before
