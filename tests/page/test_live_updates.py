"""Pages that follow a running job (the jobs list every 3 s, a job's page every 2 s, a batch's, the workers') swap
their region whole. An accessibility review found that each swap threw a keyboard user's focus back to the top of
the page: a screen-reader user could not work down a busy list, and could cancel a job only by pressing Enter
within one 2 s refresh. Now the focused link or button is found again in the new copy, and a "Pause live updates"
toggle stops the polling (WCAG 2.4.3, 2.2.2). The job must still be running a minute in: its script is long."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.page.conftest import make_key, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LONG = "The council met today to discuss the transport plan for the city and its suburbs. " * 60


def running_job(page_farm, api, title: str) -> dict:
    job = api.post(
        "/v1/jobs",
        json={"script": LONG, "title": title, "avatar": "astronaut", "params": {"resolution": 512, "fps": 25}},
    ).json()
    deadline = time.monotonic() + 120
    while api.get(f"/v1/jobs/{job['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.5)
    return job


def changed(locator, before: str, timeout_s: float = 60) -> None:
    """Wait until ``locator``'s text differs from ``before`` (the region was swapped with new content)."""
    deadline = time.monotonic() + timeout_s
    while locator.inner_text() == before:
        assert time.monotonic() < deadline, f"still {before!r}"
        time.sleep(0.2)


def test_focus_stays_where_the_keyboard_left_it_while_a_running_job_updates_the_page(page_farm, tab):
    key = make_key(page_farm)
    api = page_farm.client(key)
    job = running_job(page_farm, api, "Transport plan")
    sign_in(tab, page_farm, key)

    row = tab.get_by_role("table", name="Your jobs").get_by_role("row").filter(has_text="Transport plan")
    expect(row).to_contain_text("%", timeout=30_000)
    tab.get_by_role("link", name="Transport plan").focus()
    tab.evaluate("window.focusedBefore = document.activeElement")
    changed(row, row.inner_text())  # the list was swapped: the job's stage or progress moved
    assert tab.evaluate("!document.body.contains(window.focusedBefore)")  # a new copy of the link...
    expect(tab.get_by_role("link", name="Transport plan")).to_be_focused()  # ...has the focus, once settled

    tab.keyboard.press("Enter")  # the link still has focus: it opens the job
    expect(tab.get_by_role("heading", name="Video: Transport plan")).to_be_visible()
    progress = tab.locator("#job-status dd").nth(2)
    cancel = tab.get_by_role("button", name="Cancel this job")
    cancel.focus()
    changed(progress, progress.inner_text())
    expect(cancel).to_be_focused()

    pause = tab.get_by_role("button", name="Pause live updates")
    polls: list[str] = []
    tab.on("request", lambda request: polls.append(request.url) if "/status" in request.url else None)
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    time.sleep(2.5)  # a poll already on its way when Pause was pressed lands in this time
    polls.clear()
    held = progress.inner_text()
    time.sleep(6)  # three polls' time: none is sent, so nothing moves
    assert polls == [] and progress.inner_text() == held
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "false")
    changed(progress, held)

    cancel.focus()
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("status").filter(has_text="canceled").first).to_be_visible(timeout=30_000)
    assert page_farm.wait_job(api, job["id"], timeout_s=60)["status"] == "canceled"  # by the kept focus's Enter
