"""The composer, the jobs list at narrow widths, and the template and brand-kit pages in Chromium:
keyboard-only use of the composer (the presenter moved with the arrow keys, the preview following),
axe-core finding no violations in light and dark, no table cut off at 768 or 390 px. With
TALKFARM_PAGE_SCREENSHOTS=<folder> it saves the screenshots docs/page/ holds."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from tests.page.conftest import make_key, sign_in
from tests.page.test_accessibility import SCREENSHOTS, check

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PREVIEW = "The frame as the video will show it, with the presenter at rest"
#: how long a preview may take on a loaded machine (the farm's worker and other test runs share two cores), as
#: test_accessibility gives the portrait's analysis
PREVIEW_WAIT_MS = 60_000


def settled_preview(tab):
    """The preview once no request for it is in flight: the page marks it aria-busy while one is, and asks again by
    itself when a busy farm refused one (preview_busy), so this waits for the frame of the fields as they are now
    rather than for whichever answer came first."""
    expect(tab.locator("#preview")).to_have_attribute("aria-busy", "false", timeout=PREVIEW_WAIT_MS)
    preview = tab.get_by_role("img", name=PREVIEW)
    expect(preview).to_be_visible(timeout=PREVIEW_WAIT_MS)
    return preview


@pytest.fixture(scope="module")
def newsroom_key(page_farm):
    key = make_key(page_farm, tenant=f"composer-{os.getpid()}")
    client = page_farm.client(key)
    for title, meta in (
        ("Flood warning for the valley tonight", {"desk": "weather"}),
        ("Markets close higher after a quiet week", {"desk": "business"}),
        ("Council approves the new transport plan", {"desk": "city"}),
    ):
        job = client.post(
            "/v1/jobs",
            json={
                "script": title + ".",
                "avatar": "astronaut",
                "metadata": meta,
                "draft": True,
                "params": {"resolution": 256, "fps": 12},
            },
        ).json()
        client.post(f"/v1/jobs/{job['id']}/cancel")
    return key


def save_screenshot(tab, name: str) -> None:
    """As test_accessibility's, with 256 colours: the preview is a photograph."""
    from PIL import Image

    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(tab.screenshot(full_page=False)))
    image = image.resize((image.width * 7 // 10, image.height * 7 // 10), Image.LANCZOS)
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(folder / f"{name}.png", optimize=True)


def shoot(tab, name: str, scheme: str) -> None:
    check(tab, name, scheme)
    if SCREENSHOTS:
        save_screenshot(tab, f"{name}-{scheme}")


def focus_by_tab(tab, name: str, limit: int = 60) -> None:
    """Press Tab until the element called ``name`` has the focus (as a keyboard user reaches it)."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        if tab.evaluate(
            "document.activeElement && (document.activeElement.textContent.trim() || "
            "document.activeElement.labels?.[0]?.textContent.trim() || '')"
        ).startswith(name):
            return
    raise AssertionError(f"{name!r} is not reachable with the Tab key")


def test_the_composer_is_used_with_the_keyboard_alone(page_farm, browser, newsroom_key):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        sign_in(tab, page_farm, newsroom_key)
        tab.goto(page_farm.url + "/jobs/new")
        tab.get_by_label("Script", exact=True).focus()
        tab.keyboard.type("Tonight: the river rose two metres and the old bridge is closed.")
        tab.get_by_label("Or pick a preset portrait").focus()
        tab.keyboard.press("ArrowDown")  # the first preset
        tab.get_by_label("Aspect ratio").focus()
        tab.keyboard.press("ArrowDown")  # 16:9
        expect(tab.get_by_label("Aspect ratio")).to_have_value("16:9")
        # the chosen shape is delivered anyway: its Also-deliver box is ticked and fixed, the others free
        landscape, square = (
            tab.get_by_label("16:9 landscape (1920 × 1080)"),
            tab.get_by_label("1:1 square (1080 × 1080)"),
        )
        expect(landscape).to_be_checked()
        expect(landscape).to_be_disabled()
        expect(square).to_be_enabled()
        expect(square).not_to_be_checked()
        preview = settled_preview(tab)
        first = preview.get_attribute("src")
        focus_by_tab(tab, "Presenter")
        for _ in range(4):
            tab.keyboard.press("ArrowRight")
        tab.keyboard.press("+")
        expect(tab.get_by_label("Across")).to_have_value("0.7")
        expect(tab.get_by_label("Size", exact=True)).to_have_value("0.85")
        # a screen reader hears where the box now stands (it was only seen)
        expect(tab.locator("#stage-place")).to_have_text(re.compile(r"^Size 0\.85, across 0\.7, down -?[\d.]+$"))
        expect(tab.locator("#stage-place")).to_have_attribute("aria-live", "polite")
        # the preview follows: a new frame replaces the first
        expect(preview).not_to_have_attribute("src", first, timeout=PREVIEW_WAIT_MS)
        focus_by_tab(tab, "Lower third")
        tab.keyboard.type("Flood warning")
        tab.keyboard.press("Tab")
        settled_preview(tab)
        focus_by_tab(tab, "9:16 vertical (1080 × 1920)")  # also deliver a vertical cut
        tab.keyboard.press("Space")
        expect(tab.get_by_label("9:16 vertical (1080 × 1920)")).to_be_checked()
        if SCREENSHOTS:
            tab.get_by_role("group", name="Also deliver").scroll_into_view_if_needed()
            save_screenshot(tab, "composer-also-light")
        focus_by_tab(tab, "Submit")
        tab.keyboard.press("Enter")
        tab.wait_for_url("**/jobs/job_*")
        job_id = tab.url.rsplit("/", 1)[1]
        spec = page_farm.client(newsroom_key).get(f"/v1/jobs/{job_id}").json()["spec"]
        character = spec["composition"]["scenes"][0]["character"]
        assert character["offset"]["x"] == pytest.approx(0.7) and character["scale"] == pytest.approx(0.85)
        assert [r["canvas"] for r in spec["composition"]["renditions"]] == [{"width": 1080, "height": 1920}]
        page_farm.client(newsroom_key).post(f"/v1/jobs/{job_id}/cancel")
    finally:
        context.close()


def test_choosing_another_shape_frees_the_last_ones_box_and_keeps_what_was_ticked(page_farm, tab, newsroom_key):
    sign_in(tab, page_farm, newsroom_key)
    tab.goto(page_farm.url + "/jobs/new")
    shape = tab.get_by_label("Aspect ratio")
    landscape, square = tab.get_by_label("16:9 landscape (1920 × 1080)"), tab.get_by_label("1:1 square (1080 × 1080)")
    shape.select_option("16:9")
    square.check()
    shape.select_option("1:1")  # the ticked square is now the main shape: fixed, ticked
    expect(square).to_be_disabled()
    expect(square).to_be_checked()
    expect(landscape).to_be_enabled()
    expect(landscape).not_to_be_checked()
    shape.select_option("16:9")  # back: the square is free again, and still ticked as the person left it
    expect(square).to_be_enabled()
    expect(square).to_be_checked()
    expect(landscape).to_be_disabled()


def test_a_preview_the_busy_farm_refused_is_asked_for_again(page_farm, browser, newsroom_key):
    """The farm answers preview_busy (503) when two previews are being drawn; the page asks again by itself."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    refused = []

    def first_one_busy(route):
        if not refused:  # as the page's own route answers a preview_busy refusal
            refused.append(route.request.url)
            busy = (
                '<p class="error" data-code="preview_busy">Other previews are being drawn; try again in a moment.</p>'
            )
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=busy)
        else:
            route.continue_()

    try:
        sign_in(tab, page_farm, newsroom_key)
        tab.goto(page_farm.url + "/jobs/new")
        tab.get_by_label("Script", exact=True).fill("Tonight: the river rose two metres.")
        tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
        tab.route("**/jobs/new/preview", first_one_busy)
        tab.get_by_label("Aspect ratio").select_option("16:9")
        expect(tab.locator('#preview [data-code="preview_busy"]')).to_be_visible()
        settled_preview(tab)  # asked again, without another change
        assert len(refused) == 1
    finally:
        context.close()


def sent_fields(request) -> dict[str, str]:
    """A form request's fields, as the page's route reads them."""
    return {k: v[-1] for k, v in parse_qs(request.post_data or "", keep_blank_values=True).items()}


def red_logo(folder: Path) -> Path:
    from PIL import Image

    logo = folder / "logo.png"
    Image.new("RGB", (200, 100), (220, 0, 0)).save(logo)
    return logo


def test_a_title_and_a_logo_are_in_the_preview_and_the_job(page_farm, browser, newsroom_key, tmp_path):
    """The producer types a title and uploads a logo: each reaches the preview (the request carries them and a new
    frame comes) and the job; at 1280 and at 390 px the fields fit the screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    try:
        sign_in(tab, page_farm, newsroom_key)
        tab.goto(page_farm.url + "/jobs/new")
        tab.get_by_label("Script", exact=True).fill("Tonight: the river rose two metres.")
        tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
        tab.get_by_label("Aspect ratio").select_option("16:9")
        first = settled_preview(tab).get_attribute("src")

        with tab.expect_request(
            lambda r: r.url.endswith("/jobs/new/preview") and sent_fields(r).get("title_overlay") == "River rises"
        ) as sent:
            tab.get_by_label("Title in the picture").fill("River rises")
            tab.get_by_label("Title in the picture").press("Tab")
        assert "logo.asset_id" not in sent_fields(sent.value)
        titled = settled_preview(tab)
        expect(titled).not_to_have_attribute("src", first, timeout=PREVIEW_WAIT_MS)
        second = titled.get_attribute("src")

        tab.get_by_label("The logo's corner").select_option("top_left")
        with tab.expect_request(
            lambda r: r.url.endswith("/jobs/new/preview") and "logo.asset_id" in sent_fields(r)
        ) as sent:
            tab.get_by_label("Logo (optional)").set_input_files(str(red_logo(tmp_path)))
        body = sent_fields(sent.value)
        assert body["logo.asset_id"].startswith("ast_") and body["logo.anchor"] == "top_left"
        assert body["title_overlay"] == "River rises"
        expect(tab.locator("#logo-result")).to_contain_text("This logo (200 × 100) is shown in the corner")
        logo_preview = settled_preview(tab)
        expect(logo_preview).not_to_have_attribute("src", second, timeout=PREVIEW_WAIT_MS)
        tab.get_by_label("Title in the picture").scroll_into_view_if_needed()
        tab.screenshot(path=str(shots / "composer-title-logo-1280.png"))
        tab.get_by_role("region", name="Preview").screenshot(path=str(shots / "preview-title-logo.png"))

        tab.set_viewport_size({"width": 390, "height": 844})
        tab.get_by_label("Logo (optional)").scroll_into_view_if_needed()
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        tab.screenshot(path=str(shots / "composer-title-logo-390.png"))

        tab.get_by_role("button", name="Submit").click()
        tab.wait_for_url("**/jobs/job_*")
        job_id = tab.url.rsplit("/", 1)[1]
        client = page_farm.client(newsroom_key)
        overlays = client.get(f"/v1/jobs/{job_id}").json()["spec"]["composition"]["scenes"][0]["overlays"]
        assert [o["text"] for o in overlays if o["type"] == "text"] == ["River rises"]
        assert [o["anchor"] for o in overlays if o["type"] == "image"] == ["top_left"]
        client.post(f"/v1/jobs/{job_id}/cancel")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_new_pages_have_no_axe_violations(page_farm, browser, newsroom_key, scheme, tmp_path):
    context = browser.new_context(viewport={"width": 1100, "height": 820}, color_scheme=scheme)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        sign_in(tab, page_farm, newsroom_key)
        tab.goto(page_farm.url + "/jobs/new")
        tab.get_by_label("Script", exact=True).fill("Tonight: the river rose two metres and the old bridge is closed.")
        tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
        tab.get_by_label("Aspect ratio").select_option("16:9")
        tab.get_by_label("A colour").check()
        tab.get_by_label("Lower third", exact=True).fill("Flood warning: the valley")
        tab.get_by_label("Title in the picture").fill("River rises")
        tab.get_by_label("Logo (optional)").set_input_files(str(red_logo(tmp_path)))
        expect(tab.locator("#logo-result")).to_contain_text("This logo")
        tab.get_by_label("Captions in the picture").select_option("word")
        tab.get_by_label("Lower third", exact=True).press("Tab")
        settled_preview(tab)
        tab.get_by_role("group", name="Layout").evaluate("e => e.scrollIntoView({block: 'start'})")
        shoot(tab, "composer", scheme)
        if SCREENSHOTS:
            tab.get_by_role("region", name="Preview").screenshot(path=str(Path(SCREENSHOTS) / f"preview-{scheme}.png"))
        tab.get_by_label("Size", exact=True).fill("5")
        tab.get_by_role("button", name="Submit").click()
        expect(tab.locator("#character-error")).to_have_text(
            "Place the presenter with a size from 0.1 to 2, across and down from −1 to 1."
        )
        check(tab, "composer-refused", scheme)

        for width in (768, 390):
            tab.set_viewport_size({"width": width, "height": 820})
            tab.goto(page_farm.url + "/jobs")
            expect(tab.get_by_role("link", name="Flood warning for the valley tonight.")).to_be_visible()
            # no table runs past the screen's edge: nothing is cut off on the right
            assert tab.evaluate("document.documentElement.scrollWidth") <= width
            shoot(tab, f"jobs-{width}", scheme)
        tab.set_viewport_size({"width": 1100, "height": 820})
        tab.goto(page_farm.url + "/jobs?q=weather")
        expect(tab.get_by_role("link", name="Flood warning for the valley tonight.")).to_be_visible()
        expect(tab.get_by_role("link", name="Markets close higher after a quiet week.")).to_have_count(0)
        check(tab, "jobs-search", scheme)

        client = page_farm.client(newsroom_key)
        made = client.post(
            "/v1/templates",
            json={
                "name": f"Night news ({scheme})",
                "description": "16:9, presenter right, headline bar",
                "body": {
                    "script": "{{script}}",
                    "avatar": "astronaut",
                    "voice": "{{voice}}",
                    "canvas": {"width": 1920, "height": 1080},
                    "background": {"type": "color", "color": "#1f2937"},
                    "overlays": [{"type": "text", "role": "lower_third", "text": "{{headline}}"}],
                },
                "variables": [
                    {"name": "script", "type": "text", "required": True},
                    {"name": "headline", "type": "text", "required": True, "label": "Headline"},
                    {"name": "voice", "type": "voice", "required": False, "default": "joe"},
                ],
            },
        )
        assert made.status_code == 201, made.text
        tab.goto(page_farm.url + "/templates")
        shoot(tab, "templates", scheme)
        bad = tmp_path / "rows.csv"
        bad.write_text("script,headline,voice\nFirst.,One,joe\nSecond.,Two,nobody-speaks-this\n")
        tab.goto(page_farm.url + f"/templates/{made.json()['id']}")
        tab.get_by_label("Filled spreadsheet (CSV)").set_input_files(str(bad))
        tab.get_by_role("button", name="Check and make the videos").click()
        expect(tab.get_by_role("table", name="Problems by row")).to_be_visible()
        shoot(tab, "template-refused", scheme)
        tab.goto(page_farm.url + "/brand-kits/new")
        shoot(tab, "brand-kit", scheme)
    finally:
        context.close()


def test_the_jobs_list_names_each_videos_template_and_batch(page_farm, browser):
    key = make_key(page_farm)
    client = page_farm.client(key)
    body = {
        "script": "{{headline}}.",
        "avatar": "astronaut",
        "canvas": {"width": 640, "height": 360},
        "background": {"type": "color", "color": "#1f2937"},
        "overlays": [{"type": "text", "role": "lower_third", "text": "{{headline}}"}],
        "params": {"resolution": 256, "fps": 12},
    }
    variables = [{"name": "headline", "type": "text", "required": True}]
    made = client.post("/v1/templates", json={"name": "Evening bulletin", "body": body, "variables": variables})
    assert made.status_code == 201, made.text
    template_id = made.json()["id"]
    single = client.post(
        f"/v1/templates/{template_id}/jobs", json={"variables": {"headline": "Storm"}, "title": "Storm", "draft": True}
    ).json()
    renamed = client.put(
        f"/v1/templates/{template_id}", json={"name": "Late bulletin", "body": body, "variables": variables}
    )
    assert renamed.status_code == 200, renamed.text
    batch = client.post(
        "/v1/batches",
        json={
            "template_id": template_id,
            "rows": [{"headline": "Floods", "title": "Floods"}],
            "defaults": {"draft": True},
        },
    ).json()
    for job_id in (single["id"], *batch["job_ids"]):
        client.post(f"/v1/jobs/{job_id}/cancel")  # the list is under test, not the render

    context = browser.new_context(viewport={"width": 1100, "height": 820})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        sign_in(tab, page_farm, key)
        for width in (1100, 390):  # the table, and the cards a phone shows
            tab.set_viewport_size({"width": width, "height": 820})
            tab.goto(page_farm.url + "/jobs")
            storm = tab.locator("#job-rows tr").filter(has=tab.get_by_role("link", name="Storm", exact=True))
            floods = tab.locator("#job-rows tr").filter(has=tab.get_by_role("link", name="Floods", exact=True))
            # each names the template as it was called when the job was made, and its version
            expect(storm.get_by_role("link", name="Evening bulletin")).to_have_attribute(
                "href", f"/templates/{template_id}"
            )
            expect(storm).to_contain_text("Evening bulletin v1")
            expect(floods).to_contain_text("Late bulletin v2")
            expect(floods.get_by_role("link", name=batch["id"])).to_have_attribute("href", f"/batches/{batch['id']}")
            expect(storm).not_to_contain_text("Batch")
            expect(tab.get_by_text(template_id)).to_have_count(0)  # a name, not an id
        tab.locator("#job-rows tr").filter(has_text="Evening bulletin").get_by_role(
            "link", name="Evening bulletin"
        ).click()
        expect(tab.get_by_role("heading", name="Late bulletin")).to_be_visible()
    finally:
        context.close()


def test_a_composed_job_s_page_offers_each_cut_in_its_own_container(page_farm, browser):
    """A WebM job with a 9:16 rendition: its page offers both cuts as WebM (not as an ".mp4"), each with its
    content credentials when the farm signs, and each downloads as the file the job's document describes."""
    key = make_key(page_farm)
    client = page_farm.client(key)
    made = client.post(
        "/v1/jobs",
        json={
            "script": "Good evening.",
            "avatar": "astronaut",
            "canvas": {"width": 320, "height": 180},
            "background": {"type": "color", "color": "#1f2937"},
            "output_format": "webm",
            "renditions": [{"canvas": {"width": 180, "height": 320}}],
            "params": {"resolution": 128, "fps": 10},
        },
    )
    assert made.status_code == 202, made.text
    job = page_farm.wait_job(client, made.json()["id"])
    assert job["status"] == "succeeded", job
    cut = job["output"]["renditions"][0]
    signed = "content_credentials" in job["output"]["files"]

    context = browser.new_context(viewport={"width": 1100, "height": 820})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        sign_in(tab, page_farm, key)
        tab.goto(f"{page_farm.url}/jobs/{job['id']}")
        downloads = tab.locator("ul.downloads")
        expect(downloads.get_by_role("link", name="Download the MP4")).to_have_count(0)
        for name, document in (("Download the WebM", job["output"]), ("Download the 180×320 WebM", cut)):
            with tab.expect_download() as downloading:
                downloads.get_by_role("link", name=name, exact=True).click()
            data = Path(downloading.value.path()).read_bytes()
            assert downloading.value.suggested_filename.endswith(".webm"), name
            assert data[:4] == b"\x1a\x45\xdf\xa3" and len(data) == document["bytes"], name  # a whole WebM
        credentials = downloads.get_by_role("link", name="content credentials (C2PA)", exact=False)
        expect(credentials).to_have_count(2 if signed else 0)
        if SCREENSHOTS:
            downloads.scroll_into_view_if_needed()
            save_screenshot(tab, "job-composed-light")
    finally:
        context.close()
