"""Who may see what, and how the page refuses: another tenant's job, operator
pages with a tenant key, a form without its CSRF token, a revoked key, the
one-time sign-in link; and the page's own checks before anything is sent."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.page.conftest import TINY, make_key, sign_in

pytestmark = pytest.mark.integration


def submit_quiet_job(farm, key: str) -> str:
    """A job of another tenant, canceled at once (nothing here needs it rendered)."""
    client = farm.client(key)
    job = client.post(
        "/v1/jobs",
        json={
            "script": "Another tenant's video.",
            "avatar": "astronaut",
            "params": {k: int(v) for k, v in TINY.items()},
        },
    ).json()
    client.post(f"/v1/jobs/{job['id']}/cancel")
    return job["id"]


def test_another_tenants_job_shows_not_found(page_farm, tab):
    theirs = submit_quiet_job(page_farm, make_key(page_farm))
    sign_in(tab, page_farm, make_key(page_farm))
    response = tab.goto(f"{page_farm.url}/jobs/{theirs}")
    assert response.status == 404
    expect(tab.get_by_role("heading", name="Not found")).to_be_visible()
    expect(tab.get_by_role("alert")).to_contain_text("job_not_found")
    expect(tab.get_by_text("Another tenant's video.")).to_have_count(0)


def test_a_tenant_key_cannot_open_operator_pages(page_farm, tab):
    sign_in(tab, page_farm, make_key(page_farm))
    expect(tab.get_by_role("link", name="Workers")).to_have_count(0)
    for path in ("/operator/workers", "/operator/usage", "/operator/keys"):
        response = tab.goto(page_farm.url + path)
        assert response.status == 403, path
        expect(tab.get_by_role("alert")).to_contain_text("forbidden_scope")


def test_an_operator_sees_pools_and_makes_and_revokes_a_key(page_farm, tab):
    sign_in(tab, page_farm, make_key(page_farm, scope="operator"))
    tab.get_by_role("link", name="Workers").click()
    expect(tab.get_by_role("rowheader", name="cpu", exact=True)).to_be_visible()
    expect(tab.get_by_role("region", name="Workers").get_by_text("Online")).to_be_visible()
    tab.get_by_role("link", name="API keys").click()
    tab.get_by_label("Tenant", exact=True).fill("page-made-tenant")
    tab.get_by_role("button", name="Make key").click()
    new_key = tab.get_by_label("New API key").input_value()
    assert new_key.startswith("tfk_")
    assert page_farm.client(new_key).get("/v1/jobs").status_code == 200
    tab.get_by_role("button", name=re.compile(r"Revoke key .* of page-made-tenant")).click()
    expect(tab.get_by_role("status").filter(has_text="is revoked")).to_be_visible()
    assert page_farm.client(new_key).get("/v1/jobs").status_code == 401


def test_a_form_posted_without_its_csrf_token_is_refused(page_farm, tab):
    sign_in(tab, page_farm, make_key(page_farm))
    tab.get_by_role("link", name="Webhooks").click()
    tab.get_by_label("URL").fill("http://127.0.0.1:9/hook")
    tab.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    tab.get_by_role("button", name="Add endpoint").click()
    expect(tab.get_by_role("alert")).to_contain_text("csrf_invalid")
    tab.get_by_role("link", name="Webhooks").click()
    expect(tab.get_by_text("No endpoints yet.")).to_be_visible()
    # and with its token the same form works
    tab.get_by_label("URL").fill("http://127.0.0.1:9/hook")
    tab.get_by_role("button", name="Add endpoint").click()
    assert tab.get_by_role("textbox", name="Signing secret").input_value().startswith("whsec_")


def test_a_revoked_key_is_signed_out_on_its_next_request(page_farm, tab):
    key = make_key(page_farm)
    sign_in(tab, page_farm, key)
    client = page_farm.client(key)
    mine = client.get("/v1/keys").json()["items"][0]
    assert client.post(f"/v1/keys/{mine['id']}/revoke").status_code == 200
    tab.get_by_role("link", name="New video", exact=True).click()
    expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(tab.get_by_role("alert")).to_contain_text("revoked")
    tab.goto(page_farm.url + "/jobs")
    expect(tab.get_by_role("heading", name="Sign in")).to_be_visible()


def test_the_one_time_sign_in_link_works_once(page_farm, browser):
    from api.web.session import issue_sign_in_link

    link = issue_sign_in_link(page_farm.settings, make_key(page_farm), page_farm.url)
    first = browser.new_context()
    try:
        tab = first.new_page()
        tab.goto(link)
        expect(tab.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    finally:
        first.close()
    second = browser.new_context()
    try:
        tab = second.new_page()
        assert tab.goto(link).status == 401
        expect(tab.locator('[data-code="sign_in_link_invalid"]')).to_be_visible()
    finally:
        second.close()


def test_bad_api_key_is_shown_next_to_the_field(page_farm, tab):
    tab.goto(page_farm.url + "/sign-in")
    tab.get_by_label("API key").fill("tfk_not-a-key")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_label("API key")).to_have_attribute("aria-invalid", "true")
    expect(tab.locator('[data-code="invalid_api_key"]')).to_be_visible()


def test_idle_polls_of_a_fragment_are_304(page_farm, tab):
    sign_in(tab, page_farm, make_key(page_farm))
    first = tab.request.get(page_farm.url + "/jobs/rows")
    assert first.status == 200 and first.headers["etag"]
    again = tab.request.get(page_farm.url + "/jobs/rows", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304


def test_the_jobs_list_polls_and_the_browser_revalidates_with_its_etag(page_farm, tab):
    """The browser asks with If-None-Match (the server's 304 then reaches the page as the cached 200;
    test_idle_polls_of_a_fragment_are_304 checks the 304 itself)."""
    sign_in(tab, page_farm, make_key(page_farm))
    polls = []
    tab.on("response", lambda r: polls.append(r) if "/jobs/rows" in r.url else None)
    tab.wait_for_timeout(7_000)  # the list polls every 3 s
    assert len(polls) >= 2
    etag = polls[0].headers["etag"]
    assert all(r.request.all_headers().get("if-none-match") == etag for r in polls[1:])


def test_the_script_counter_and_the_apis_refusal_next_to_the_script(page_farm, tab):
    sign_in(tab, page_farm, make_key(page_farm))
    tab.get_by_role("link", name="New video", exact=True).click()
    limit = page_farm.settings.max_script_chars
    tab.get_by_label("Script", exact=True).fill("a" * (limit + 5))
    expect(tab.get_by_text(f"{limit + 5} of {limit} characters: 5 over the limit")).to_be_visible()
    tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
    tab.get_by_role("button", name="Submit").click()
    expect(tab.get_by_label("Script", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(tab.locator('[data-code="script_too_long"]')).to_have_text(
        f"The script has {limit + 5} characters; the limit is {limit}."
    )
    # a script but no portrait: the API's refusal sits by the portrait
    tab.get_by_label("Script", exact=True).fill("Short.")
    tab.get_by_label("Or pick a preset portrait").select_option("")
    tab.get_by_role("button", name="Submit").click()
    expect(tab.get_by_role("group", name="Portrait").get_by_text("Choose a portrait or a preset.")).to_be_visible()


def test_a_too_large_portrait_is_stopped_before_it_is_sent(page_farm, tab, tmp_path):
    sign_in(tab, page_farm, make_key(page_farm))
    tab.get_by_role("link", name="New video", exact=True).click()
    # the size check is in a deferred script: a file chosen before it runs goes unchecked (and unsent)
    tab.wait_for_url("**/jobs/new", wait_until="domcontentloaded")
    big = tmp_path / "huge.png"
    with open(big, "wb") as fh:
        fh.truncate(page_farm.settings.max_asset_bytes + 1)
    sent = []
    tab.on("request", lambda r: sent.append(r.url) if "/portrait" in r.url else None)
    tab.get_by_label("Upload a portrait").set_input_files(str(big))
    expect(tab.get_by_text("It was not sent.")).to_be_visible()
    expect(tab.get_by_text("asset_too_large")).to_be_visible()
    tab.wait_for_timeout(500)
    assert sent == []


def test_cancel_a_running_job_and_retry_it_from_its_page(page_farm, tab):
    key = make_key(page_farm)
    sign_in(tab, page_farm, key)
    tab.get_by_role("link", name="New video", exact=True).click()
    # long enough to be caught running: words of its own (no cached speech) at full size; canceled below
    tab.get_by_label("Script", exact=True).fill(
        f"The council met today to discuss transport plan {key[-6:]} for the city. " * 12
    )
    tab.get_by_label("Or pick a preset portrait").select_option("astronaut")
    tab.get_by_label("Draft first", exact=False).uncheck()
    tab.get_by_role("button", name="Submit").click()
    tab.get_by_role("button", name="Cancel this job").click(timeout=30_000)
    expect(tab.get_by_role("status").filter(has_text="canceled")).to_have_count(1)
    tab.get_by_role("button", name="Retry this job").click()
    expect(tab.get_by_role("status").filter(has_text=re.compile("queued|running"))).to_have_count(1)
    job_id = tab.url.rsplit("/", 1)[1]
    client = page_farm.client(key)
    assert client.get(f"/v1/jobs/{job_id}").json()["status"] in ("queued", "running")
    client.post(f"/v1/jobs/{job_id}/cancel")  # keep the farm free for the other tests
    # a finished job offers no cancel; the API's refusal would show by the button, with its code
    tab.reload()
    expect(tab.get_by_role("button", name="Cancel this job")).to_have_count(0)
