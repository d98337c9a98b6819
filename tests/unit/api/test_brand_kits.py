"""Brand kits through the HTTP API (SQLite; PostgreSQL in
tests/integration/test_bad_input_brand_kits.py): CRUD, the default kit made
from the tenant's watermark settings, kits laid under composed jobs with the
job's own fields winning, uploaded fonts, and another tenant's kit a 404."""

from __future__ import annotations

import pytest

from tests import brand_files
from tests import composition_files as files
from tests.unit.api.bearer import client
from tests.unit.api.test_compositions import asset_id, problem, upload

CANVAS = {"width": 1280, "height": 720}
LOWER_THIRD = {"type": "text", "text": "Jane Doe, anchor", "role": "lower_third"}
HOUSE = {"primary": "#C8102E", "secondary": "#FFD100", "text": "#fff", "background": "#0b1f3a"}


def composed(**fields):
    return {"script": "Good evening.", "avatar": "astronaut", "canvas": CANVAS, **fields}


@pytest.fixture
def operator(app, sessions):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        key = create_key(session, get_or_create_tenant(session, "farm"), "operator")
    return client(app, key)


def make_kit(c, **fields):
    response = c.post("/v1/brand-kits", json={"name": "News", **fields})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def the_default(c):
    (kit,) = [k for k in c.get("/v1/brand-kits").get_json()["items"] if k["default"]]
    return kit


# --- the default kit ---------------------------------------------------------------------------------
def test_the_default_kit_is_made_on_first_use_from_the_tenants_watermark_settings(app, sessions):
    from domain.tenants import create_key, get_or_create_tenant

    with sessions() as session, session.begin():
        tenant = get_or_create_tenant(session, "brand")
        tenant.watermark = {"text": "Brand News", "position": "top-left"}
        c = client(app, create_key(session, tenant))
    job = c.post("/v1/jobs", json={"script": "Hello.", "avatar": "astronaut"}).get_json()
    assert job["spec"]["watermark"] == {"text": "Brand News", "position": "top-left"}  # as before kits existed
    kit = the_default(c)
    assert kit["name"] == "default" and kit["watermark"] == {"text": "Brand News", "position": "top-left"}
    assert job["spec"]["brand_kit"] == {"id": kit["id"], "version": 1}
    assert "composition" not in job["spec"]  # a square job takes only the watermark from its kit


def test_tenants_set_watermark_writes_the_default_kit(app, sessions, sqlite_settings, alpha):
    from api.tenant_watermark import set_tenant_watermark
    from domain.tenants import get_or_create_tenant

    with sessions() as session, session.begin():
        set_tenant_watermark(
            session, sqlite_settings, get_or_create_tenant(session, "alpha"), text="Alpha TV", position="bottom-left"
        )
    kit = the_default(alpha)
    assert kit["watermark"] == {"text": "Alpha TV", "position": "bottom-left"} and kit["version"] == 2
    job = alpha.post(
        "/v1/jobs", json={"script": "Hello.", "avatar": "astronaut", "watermark": {"position": "top-right"}}
    ).get_json()
    assert job["spec"]["watermark"] == {"text": "Alpha TV", "position": "top-right"}  # the job's own field wins


# --- CRUD ----------------------------------------------------------------------------------------------
def test_a_kit_is_made_read_replaced_listed_and_deleted(alpha):
    kit = make_kit(alpha, colors=HOUSE, fonts={"title": "noto-serif"})
    assert kit["colors"] == {"primary": "#c8102e", "secondary": "#ffd100", "text": "#ffffff", "background": "#0b1f3a"}
    assert kit["version"] == 1 and kit["default"] is False and kit["fonts"] == {"title": "noto-serif", "body": None}
    assert alpha.get(f"/v1/brand-kits/{kit['id']}").get_json() == kit
    replaced = alpha.put(f"/v1/brand-kits/{kit['id']}", json={"name": "News at ten", "colors": {"primary": "#000"}})
    assert replaced.status_code == 200 and replaced.get_json()["version"] == 2
    assert replaced.get_json()["colors"]["text"] is None  # PUT replaces the whole kit
    names = [k["name"] for k in alpha.get("/v1/brand-kits").get_json()["items"]]
    assert names == ["default", "News at ten"]
    assert alpha.delete(f"/v1/brand-kits/{kit['id']}").status_code == 204
    problem(alpha.get(f"/v1/brand-kits/{kit['id']}"), 404, "brand_kit_not_found")
    problem(alpha.post("/v1/jobs", json=composed(brand_kit_id=kit["id"])), 404, "brand_kit_not_found")


def test_a_tenant_always_has_one_default_kit(alpha):
    old = the_default(alpha)
    problem(alpha.delete(f"/v1/brand-kits/{old['id']}"), 409, "brand_kit_default_required")
    problem(
        alpha.put(f"/v1/brand-kits/{old['id']}", json={"name": "default", "default": False}),
        409,
        "brand_kit_default_required",
    )
    new = make_kit(alpha, default=True, colors={"background": "#112233"})
    defaults = [k["id"] for k in alpha.get("/v1/brand-kits").get_json()["items"] if k["default"]]
    assert defaults == [new["id"]]
    job = alpha.post("/v1/jobs", json=composed()).get_json()
    assert job["spec"]["brand_kit"] == {"id": new["id"], "version": 1}
    assert job["spec"]["composition"]["scenes"][0]["background"]["color"] == "#112233"
    problem(alpha.post("/v1/brand-kits", json={"name": "News"}), 409, "brand_kit_name_taken")


def test_another_tenants_kit_is_a_404_and_an_operator_manages_any(alpha, beta, operator):
    kit = make_kit(alpha)
    problem(beta.get(f"/v1/brand-kits/{kit['id']}"), 404, "brand_kit_not_found")
    problem(beta.put(f"/v1/brand-kits/{kit['id']}", json={"name": "mine"}), 404, "brand_kit_not_found")
    problem(beta.delete(f"/v1/brand-kits/{kit['id']}"), 404, "brand_kit_not_found")
    problem(beta.post("/v1/jobs", json=composed(brand_kit_id=kit["id"])), 404, "brand_kit_not_found")
    problem(beta.get("/v1/brand-kits?tenant=alpha"), 403, "forbidden_scope")
    assert operator.get(f"/v1/brand-kits/{kit['id']}").status_code == 200
    listed = operator.get("/v1/brand-kits?tenant=alpha").get_json()["items"]
    assert kit["id"] in [k["id"] for k in listed]
    made = operator.post("/v1/brand-kits?tenant=beta", json={"name": "Beta look"})
    assert made.status_code == 201 and made.get_json()["tenant_id"] != kit["tenant_id"]


# --- applying a kit ------------------------------------------------------------------------------------
def test_a_kit_fills_what_a_composed_job_leaves_out_and_the_jobs_own_fields_win(alpha):
    logo = asset_id(alpha, files.logo(), "logo.png", "logo")
    music = asset_id(alpha, files.music(), "bed.wav", "music")
    kit = make_kit(
        alpha,
        default=True,
        logo_asset_id=logo,
        logo={"anchor": "top_left", "scale": 0.1},
        colors=HOUSE,
        fonts={"title": "noto-serif", "body": "noto-sans"},
        lower_third={"size": 40},
        captions={"burn_in": True, "style": "word"},
        music={"asset_id": music, "volume": 0.3},
    )
    spec = alpha.post(
        "/v1/jobs", json=composed(overlays=[LOWER_THIRD, {"type": "text", "text": "Live", "role": "title"}])
    ).get_json()["spec"]
    assert spec["brand_kit"] == {"id": kit["id"], "version": 1}
    composition = spec["composition"]
    (scene,) = composition["scenes"]
    lower, title, image = scene["overlays"]
    assert (lower["background_color"], lower["color"], lower["font"], lower["size"]) == (
        "#c8102e",
        "#ffffff",
        "noto-sans",
        40,
    )
    assert (title["font"], title["background_color"]) == ("noto-serif", None)
    assert image == {"type": "image", "asset_id": logo, "anchor": "top_left", "scale": 0.1, "start": 0.0, "end": None}
    assert scene["background"] == {
        "type": "color",
        "color": "#0b1f3a",
        "asset_id": None,
        "fit": "cover",
        "play": "loop",
    }
    assert scene["character"]["matting"] is True  # the kit's colour background cuts the presenter out, as a job's would
    assert composition["captions"]["burn_in"] is True and composition["captions"]["highlight_color"] == "#ffd100"
    assert composition["music"]["asset_id"] == music and composition["music"]["volume"] == 0.3

    own = alpha.post(
        "/v1/jobs",
        json=composed(
            overlays=[{**LOWER_THIRD, "background_color": "#0000FF", "size": 30}],
            background={"type": "portrait"},
            captions={"style": "subtitle", "burn_in": False},
            music={"asset_id": music, "volume": 0.05},
        ),
    ).get_json()["spec"]["composition"]
    (scene,) = own["scenes"]
    assert scene["overlays"][0]["background_color"] == "#0000ff" and scene["overlays"][0]["size"] == 30
    assert scene["overlays"][0]["color"] == "#ffffff"  # what the job left out still comes from the kit
    assert scene["background"]["type"] == "portrait" and scene["character"]["matting"] is True
    assert own["captions"]["style"] == "subtitle" and own["captions"]["burn_in"] is False
    assert own["music"]["volume"] == 0.05


def test_a_scene_with_its_own_image_overlay_keeps_it_and_gets_no_kit_logo(alpha):
    kit_logo = asset_id(alpha, files.logo(), "logo.png", "logo")
    own_logo = asset_id(alpha, files.studio_picture(), "own.png", "logo")  # other bytes: the same are one asset
    make_kit(alpha, default=True, logo_asset_id=kit_logo)
    spec = alpha.post(
        "/v1/jobs",
        json={
            "canvas": CANVAS,
            "scenes": [
                {"script": "One.", "avatar": "astronaut", "overlays": [{"type": "image", "asset_id": own_logo}]},
                {"script": "Two.", "avatar": "astronaut"},
            ],
        },
    ).get_json()["spec"]
    first, second = spec["composition"]["scenes"]
    assert [o["asset_id"] for o in first["overlays"]] == [own_logo]
    assert [o["asset_id"] for o in second["overlays"]] == [kit_logo]


def test_intro_and_outro_go_to_the_composition_with_the_kits_transition(alpha):
    clip = asset_id(alpha, files.video(), "sting.mp4", "background")
    kit = make_kit(alpha, intro_asset_id=clip, outro_asset_id=clip, transition={"type": "crossfade", "duration": 1})
    composition = alpha.post("/v1/jobs", json=composed(brand_kit_id=kit["id"])).get_json()["spec"]["composition"]
    joined = {"asset_id": clip, "transition": {"type": "crossfade", "duration": 1.0}}
    assert composition["intro"] == joined == composition["outro"]
    plain = alpha.post("/v1/jobs", json=composed()).get_json()["spec"]["composition"]  # the default kit has none
    assert "intro" not in plain and "outro" not in plain


# --- fonts ---------------------------------------------------------------------------------------------
def test_an_uploaded_font_is_checked_and_a_kit_and_a_job_may_use_it(alpha, beta):
    response = upload(alpha, brand_files.block_font(), "block.ttf", "font")
    assert response.status_code == 201, response.get_data(as_text=True)
    font = response.get_json()
    assert (font["kind"], font["purpose"], font["info"]["family"]) == ("font", "font", "Block Sans")
    kit = make_kit(alpha, fonts={"body": font["id"]})
    spec = alpha.post("/v1/jobs", json=composed(brand_kit_id=kit["id"], overlays=[LOWER_THIRD])).get_json()["spec"]
    assert spec["composition"]["scenes"][0]["overlays"][0]["font"] == font["id"]
    problem(beta.post("/v1/brand-kits", json={"name": "x", "fonts": {"body": font["id"]}}), 404, "asset_not_found")
    # a job may name an uploaded font itself, but only its own tenant's, wherever it names it
    theirs = {"font": font["id"]}
    problem(beta.post("/v1/jobs", json=composed(overlays=[{**LOWER_THIRD, **theirs}])), 404, "asset_not_found")
    problem(beta.post("/v1/jobs", json=composed(captions=theirs)), 404, "asset_not_found")
    problem(
        beta.post(
            "/v1/jobs", json=composed(renditions=[{"canvas": {"width": 720, "height": 1280}, "captions": theirs}])
        ),
        404,
        "asset_not_found",
    )


@pytest.mark.parametrize(
    "data",
    [brand_files.not_a_font(), brand_files.truncated_font(), brand_files.forged_font(), files.logo()],
    ids=["text", "truncated", "forged", "png"],
)
def test_a_file_that_is_not_a_usable_font_is_refused_as_font_invalid(alpha, sessions, data):
    from domain.models import Asset

    problem(upload(alpha, data, "font.ttf", "font"), 422, "font_invalid")
    with sessions() as session:
        assert session.query(Asset).count() == 0


# --- refusals ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"colors": {"primary": "red"}}, 422, "brand_kit_invalid", "colors.primary"),
        ({"colors": {"primary": "#12345"}}, 422, "brand_kit_invalid", "colors.primary"),
        ({"colors": {"tint": "#123456"}}, 422, "brand_kit_invalid", "colors.tint"),
        ({"fonts": {"title": "comic-sans"}}, 422, "font_unknown", "fonts.title"),
        ({"logo": {"anchor": "left"}}, 422, "brand_kit_invalid", "logo.anchor"),
        ({"transition": {"type": "wipe"}}, 422, "brand_kit_invalid", "transition.type"),
        ({"watermark": {"opacity": 3}}, 422, "brand_kit_invalid", "watermark.opacity"),
        ({"captions": {"style": "karaoke"}}, 422, "brand_kit_invalid", "captions.style"),
        ({"name": " "}, 422, "brand_kit_invalid", "name"),
    ],
)
def test_a_bad_kit_is_refused_naming_its_field(alpha, body, status, code, field):
    refused = problem(alpha.post("/v1/brand-kits", json={"name": "Bad", **body}), status, code)
    assert field in refused["errors"]


def test_assets_of_the_wrong_purpose_are_refused_naming_both(alpha):
    portrait = asset_id(alpha, files.portrait(), "face.png", "portrait")
    picture = asset_id(alpha, files.studio_picture(), "studio.png", "background")
    refused = problem(
        alpha.post("/v1/brand-kits", json={"name": "x", "logo_asset_id": portrait}), 422, "asset_purpose_mismatch"
    )
    assert "logo" in refused["detail"] and "portrait" in refused["detail"]
    problem(alpha.post("/v1/brand-kits", json={"name": "x", "intro_asset_id": picture}), 422, "asset_purpose_mismatch")
    problem(
        alpha.post("/v1/brand-kits", json={"name": "x", "fonts": {"body": portrait}}), 422, "asset_purpose_mismatch"
    )


def test_a_kit_may_not_turn_off_a_watermark_its_tenant_must_show(alpha):
    problem(
        alpha.post("/v1/brand-kits", json={"name": "x", "watermark": {"enabled": False}}), 403, "watermark_required"
    )


# --- two editors, one kit --------------------------------------------------------------------------------
def test_a_save_with_the_etag_of_an_older_version_is_refused_and_changes_nothing(alpha):
    """Two editors read version 1 of a kit; the first saves (version 2); the second's save, with If-Match naming
    version 1, was taken and overwrote the first's change without a word. It is now 412 brand_kit_changed, and
    the kit stays as the first editor left it; a save with the current ETag, or with none, is taken."""
    kit = make_kit(alpha, colors={"primary": "#112233"})
    read = alpha.get(f"/v1/brand-kits/{kit['id']}")
    assert read.headers["ETag"] == '"v1"'
    first = alpha.put(
        f"/v1/brand-kits/{kit['id']}",
        json={"name": "News", "colors": {"primary": "#445566"}},
        headers={"If-Match": '"v1"'},
    )
    assert first.status_code == 200 and first.headers["ETag"] == '"v2"'
    second = alpha.put(
        f"/v1/brand-kits/{kit['id']}",
        json={"name": "News", "colors": {"primary": "#778899"}},
        headers={"If-Match": '"v1"'},
    )
    assert second.status_code == 412 and second.mimetype == "application/problem+json"
    assert second.get_json()["code"] == "brand_kit_changed" and '"v2"' in second.get_json()["detail"]
    now = alpha.get(f"/v1/brand-kits/{kit['id']}").get_json()
    assert now["version"] == 2 and now["colors"]["primary"] == "#445566"
    assert (
        alpha.put(
            f"/v1/brand-kits/{kit['id']}",
            json={"name": "News", "colors": {"primary": "#778899"}},
            headers={"If-Match": '"v2"'},
        ).status_code
        == 200
    )
    assert alpha.put(f"/v1/brand-kits/{kit['id']}", json={"name": "News"}).status_code == 200  # no If-Match: as before
    assert alpha.get(f"/v1/brand-kits/{kit['id']}").get_json()["version"] == 4


def test_a_kit_that_loses_the_default_to_another_is_a_new_version(alpha):
    old = the_default(alpha)
    make_kit(alpha, default=True)
    after = alpha.get(f"/v1/brand-kits/{old['id']}").get_json()
    assert after["default"] is False and after["version"] == old["version"] + 1


def test_a_kit_a_live_template_makes_its_jobs_with_is_not_deleted_until_the_template_moves(alpha):
    """Deleting a kit a template names answered 204, and every later render of the template was refused
    brand_kit_not_found (a batch of it on every row). It is now 409 brand_kit_in_use naming the template; once the
    template names another kit (or is deleted), the kit goes."""
    from tests.templates_fixtures import news

    kit = make_kit(alpha, name="Election night")
    template = alpha.post("/v1/templates", json=news(brand_kit_id=kit["id"])).get_json()
    refused = alpha.delete(f"/v1/brand-kits/{kit['id']}")
    assert refused.status_code == 409 and refused.get_json()["code"] == "brand_kit_in_use"
    assert template["id"] in refused.get_json()["detail"] and "'Nightly news'" in refused.get_json()["detail"]
    assert alpha.get(f"/v1/brand-kits/{kit['id']}").status_code == 200  # still there
    moved = alpha.put(f"/v1/templates/{template['id']}", json=news(brand_kit_id=None))
    assert moved.status_code == 200, moved.get_json()
    assert alpha.delete(f"/v1/brand-kits/{kit['id']}").status_code == 204


def test_an_empty_kit_name_is_refused_as_a_blank_one_and_a_kits_refusal_has_its_own_title(alpha):
    """An empty name was `validation_error` ("Length must be between 1 and 100") where one of spaces was
    `brand_kit_invalid`; a bad transition was `brand_kit_invalid` under the title "Scenes invalid"."""
    for name in ("", "   "):
        body = problem(alpha.post("/v1/brand-kits", json={"name": name}), 422, "brand_kit_invalid")
        assert "needs a name" in body["detail"]
    body = problem(
        alpha.post("/v1/brand-kits", json={"name": "News", "transition": {"type": "wipe"}}), 422, "brand_kit_invalid"
    )
    assert body["title"] == "Brand kit invalid" and "transition.type" in body["detail"]
