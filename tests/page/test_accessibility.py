"""axe-core (the offline copy axe-playwright-python ships) finds no violations
on any page, in the light and in the dark colour scheme. With
TALKFARM_PAGE_SCREENSHOTS=<folder> the test also saves a small PNG of each page
(docs/page/ holds the committed ones)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.page.conftest import SHORT_SCRIPT, TINY, make_key, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCREENSHOTS = os.environ.get("TALKFARM_PAGE_SCREENSHOTS")


@pytest.fixture(scope="module")
def operator_key(page_farm):
    return make_key(page_farm, tenant=f"a11y-{os.getpid()}", scope="operator")


@pytest.fixture(scope="module")
def finished_draft(page_farm, operator_key):
    """A succeeded draft of this tenant's, so the job page shows its video, downloads and approve button."""
    client = page_farm.client(operator_key)
    endpoint = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}).json()
    batch = client.post(
        "/v1/batches",
        json={
            "jobs": [{"script": "One."}, {"script": "Two."}],
            "defaults": {"avatar": "astronaut", "draft": True, "params": {k: int(v) for k, v in TINY.items()}},
        },
    ).json()
    for job_id in batch["job_ids"]:
        client.post(f"/v1/jobs/{job_id}/cancel")
    job = client.post(
        "/v1/jobs",
        json={
            "script": SHORT_SCRIPT,
            "avatar": "astronaut",
            "draft": True,
            "params": {k: int(v) for k, v in TINY.items()},
        },
    ).json()
    done = page_farm.wait_job(client, job["id"], timeout_s=240)
    assert done["status"] == "succeeded", done
    return {"job": done, "endpoint": endpoint, "batch": batch}


def save_screenshot(tab, name: str) -> None:
    from PIL import Image

    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(tab.screenshot(full_page=False)))
    image = image.resize((image.width * 7 // 10, image.height * 7 // 10), Image.LANCZOS)
    image.quantize(colors=48, method=Image.Quantize.MEDIANCUT).save(folder / f"{name}.png", optimize=True)


def check(tab, name: str, scheme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab)
    assert results.violations_count == 0, f"{name} ({scheme}):\n{results.generate_report()}"
    if SCREENSHOTS:
        save_screenshot(tab, f"{name}-{scheme}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_has_no_axe_violations(page_farm, browser, operator_key, finished_draft, scheme, tmp_path):
    from domain.presets import preset_path

    context = browser.new_context(viewport={"width": 1100, "height": 820}, color_scheme=scheme)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    try:
        base = page_farm.url
        tab.goto(base + "/sign-in")
        check(tab, "sign-in", scheme)
        sign_in(tab, page_farm, operator_key)
        check(tab, "jobs", scheme)

        tab.goto(base + "/jobs/new")
        tab.get_by_label("Script", exact=True).fill(SHORT_SCRIPT)
        tab.get_by_label("Upload a portrait").set_input_files(str(preset_path("astronaut")))
        expect(tab.get_by_text("Face found:")).to_be_visible(timeout=60_000)
        expect(tab.get_by_role("img", name="The face the farm found in your portrait")).to_be_visible()
        tab.get_by_role("group", name="Portrait").scroll_into_view_if_needed()
        tab.evaluate("window.scrollBy(0, 200)")
        check(tab, "new-video", scheme)
        tab.get_by_label("Script", exact=True).fill("a" * (page_farm.settings.max_script_chars + 1))
        tab.get_by_role("button", name="Submit").click()
        expect(tab.locator('[data-code="script_too_long"]')).to_be_visible()
        check(tab, "new-video-refused", scheme)
        tab.get_by_label("A recorded narration", exact=False).check()
        tab.get_by_role("button", name="Submit").click()
        expect(tab.get_by_text("Upload the narration first.")).to_be_visible()
        tab.get_by_role("group", name="What the face says").scroll_into_view_if_needed()
        check(tab, "new-video-narration", scheme)

        client = page_farm.client(operator_key)
        # long enough to be seen running (its own words, so no cached speech; full size), canceled below
        running = client.post(
            "/v1/jobs",
            json={
                "script": f"The council met today to discuss the {scheme} transport plan for the city. " * 12,
                "avatar": "astronaut",
                "params": {"resolution": 512, "fps": 25},
            },
        ).json()
        tab.goto(f"{base}/jobs/{running['id']}")
        expect(tab.get_by_role("status").filter(has_text="running")).to_have_count(1, timeout=60_000)
        check(tab, "job-running", scheme)
        client.post(f"/v1/jobs/{running['id']}/cancel")

        job = finished_draft["job"]
        tab.goto(f"{base}/jobs/{job['id']}")
        video = tab.get_by_label("The rendered video")
        video.evaluate("v => v.readyState >= 2 || new Promise(r => v.addEventListener('loadeddata', r, {once: true}))")
        check(tab, "job", scheme)

        bad = tmp_path / "bad.csv"
        bad.write_text('script,avatar\n"One.",astronaut\n"Two.",nobody-here\n')
        tab.goto(base + "/batches")
        tab.get_by_label("CSV or JSONL file").set_input_files(str(bad))
        tab.get_by_role("button", name="Check and create the batch").click()
        expect(tab.get_by_role("table", name="Problems by row")).to_be_visible()
        check(tab, "batch-refused", scheme)
        tab.goto(base + "/batches")
        expect(tab.get_by_role("table", name="Your batches").get_by_role("link")).to_have_count(1)
        tab.get_by_role("heading", name="Your batches").scroll_into_view_if_needed()
        check(tab, "batches", scheme)
        tab.goto(f"{base}/batches/{finished_draft['batch']['id']}")
        expect(tab.get_by_role("table", name="Jobs of this batch").get_by_role("link")).to_have_count(2)
        check(tab, "batch", scheme)

        tab.goto(base + "/webhooks")
        check(tab, "webhooks", scheme)
        tab.goto(f"{base}/webhooks/{finished_draft['endpoint']['id']}")
        expect(tab.get_by_text("job.succeeded").first).to_be_visible()
        check(tab, "webhook-deliveries", scheme)
        tab.goto(base + "/verify")
        check(tab, "verify", scheme)
        tab.goto(base + "/files")  # the portrait uploaded above
        expect(tab.get_by_role("table", name="Your files").get_by_role("row")).not_to_have_count(1)
        check(tab, "files", scheme)
        for path, name in (("/operator/workers", "workers"), ("/operator/usage", "usage"), ("/operator/keys", "keys")):
            tab.goto(base + path)
            check(tab, name, scheme)
        tab.goto(base + "/jobs/job_00000000000000000000000000")
        check(tab, "not-found", scheme)
    finally:
        context.close()
