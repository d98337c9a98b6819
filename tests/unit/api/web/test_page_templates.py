"""Templates and brand kits on the page: save the composer's design as a template, download its CSV, start a
batch from a filled one (row problems first, nothing made), render one; make and edit a brand kit."""

from __future__ import annotations

import io
import re

from flask import Flask

from tests.unit.api.bearer import client as api_client
from tests.unit.api.web.test_page_composer import LAYOUT
from tests.unit.api.web.test_page_forms import Keys, Page, page  # noqa: F401  (the signed-in fixture)


def saved_template(browser, token: str) -> str:
    response = browser.post(
        "/templates/save",
        data={
            **LAYOUT,
            "voice": "joe",
            "template_name": "Night news",
            "vary_script": "on",
            "vary_headline": "on",
            "vary_voice": "on",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    return response.headers["Location"].rsplit("/", 1)[1]


def test_save_as_template_makes_the_rows_parts_variables(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    template_id = saved_template(browser, token)
    stored = api_client(app, keys["alpha"]).get(f"/v1/templates/{template_id}").get_json()
    assert [v["name"] for v in stored["variables"]] == ["script", "headline", "voice"]
    assert stored["body"]["script"] == "{{script}}" and stored["body"]["voice"] == "{{voice}}"
    assert stored["body"]["overlays"][0]["text"] == "{{headline}}"
    assert stored["body"]["canvas"] == {"width": 1920, "height": 1080}
    shown = browser.get(f"/templates/{template_id}").get_data(as_text=True)
    assert "Night news" in shown and "Download the spreadsheet to fill (CSV)" in shown
    assert "Night news" in browser.get("/templates").get_data(as_text=True)


def test_a_template_keeps_the_shapes_to_deliver_as_well(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    response = browser.post(
        "/templates/save",
        data={
            **LAYOUT,
            "voice": "joe",
            "template_name": "Night news, two cuts",
            "also.9:16": "on",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    template_id = response.headers["Location"].rsplit("/", 1)[1]
    stored = api_client(app, keys["alpha"]).get(f"/v1/templates/{template_id}").get_json()
    assert [r["canvas"] for r in stored["body"]["renditions"]] == [{"width": 1080, "height": 1920}]


def test_a_template_without_a_name_is_refused_beside_the_name(page: Page) -> None:  # noqa: F811
    browser, token = page
    response = browser.post(
        "/templates/save", data={**LAYOUT, "template_name": "", "vary_script": "on", "csrf_token": token}
    )
    assert response.status_code == 422
    assert re.search(r'<small id="template_name-error" class="error"', response.get_data(as_text=True))


def test_csv_then_a_batch_with_a_bad_row_then_fixed(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    template_id = saved_template(browser, token)
    csv = browser.get(f"/templates/{template_id}/csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    header = csv.get_data(as_text=True).strip().split(",")
    assert set(header) == {"script", "headline", "voice"}

    def upload(rows: list[dict[str, str]]):
        lines = [",".join(header)] + [",".join(r[c] for c in header) for r in rows]
        return browser.post(
            f"/templates/{template_id}/batch",
            data={
                "csrf_token": token,
                "file": (io.BytesIO(("\r\n".join(lines) + "\r\n").encode()), "rows.csv", "text/csv"),
            },
        )

    rows = [
        {"script": "First story.", "headline": "One", "voice": "joe"},
        {"script": "Second story.", "headline": "Two", "voice": "nobody-speaks"},
        {"script": "Third story.", "headline": "Three", "voice": "joe"},
    ]
    refused = upload(rows)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Problems by row" in body and "Row 3" in body
    api = api_client(app, keys["alpha"])
    assert api.get("/v1/jobs").get_json()["items"] == []
    rows[1]["voice"] = "joe"
    made = upload(rows)
    assert made.status_code == 303, made.get_data(as_text=True)[-3000:]
    batch_id = made.headers["Location"].rsplit("/", 1)[1]
    jobs = api.get("/v1/jobs", query_string={"batch_id": batch_id}).get_json()["items"]
    headlines = sorted(j["spec"]["composition"]["scenes"][0]["overlays"][0]["text"] for j in jobs)
    assert headlines == ["One", "Three", "Two"]


def test_render_one_from_the_template_page(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    template_id = saved_template(browser, token)
    made = browser.post(
        f"/templates/{template_id}/render",
        data={"csrf_token": token, "var.script": "Tonight only.", "var.headline": "Late news", "draft": "on"},
    )
    assert made.status_code == 303, made.get_data(as_text=True)[-3000:]
    job = api_client(app, keys["alpha"]).get(f"/v1/jobs/{made.headers['Location'].rsplit('/', 1)[1]}").get_json()
    assert job["template"]["id"] == template_id and job["spec"]["script"] == "Tonight only."


def test_a_brand_kit_is_made_and_edited_from_the_page(app: Flask, keys: Keys, page: Page) -> None:  # noqa: F811
    browser, token = page
    made = browser.post(
        "/brand-kits/new",
        data={
            "csrf_token": token,
            "name": "House",
            "default": "on",
            "colors.primary": "#aa0000",
            "colors.secondary": "#facc15",
            "colors.text": "#ffffff",
            "colors.background": "#101010",
            "fonts.body": "noto-serif",
            "logo.anchor": "top_left",
            "logo.scale": "0.1",
            "watermark.text": "House News",
        },
        content_type="multipart/form-data",
    )
    assert made.status_code == 303, made.get_data(as_text=True)[-3000:]
    kit_id = made.headers["Location"].rsplit("/", 1)[1]
    kit = api_client(app, keys["alpha"]).get(f"/v1/brand-kits/{kit_id}").get_json()
    assert kit["colors"]["primary"] == "#aa0000" and kit["fonts"]["body"] == "noto-serif" and kit["default"]
    assert "House" in browser.get("/brand-kits").get_data(as_text=True)
    bad_font = browser.post(
        f"/brand-kits/{kit_id}",
        data={"csrf_token": token, "name": "House", "font_file": (io.BytesIO(b"not a font at all"), "x.ttf")},
        content_type="multipart/form-data",
    )
    assert bad_font.status_code == 422
    assert re.search(r'<small id="font_file-error" class="error" data-code="[a-z_]+"', bad_font.get_data(as_text=True))
