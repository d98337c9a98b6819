"""A CMS integrator's webhooks: the signing secret is shown once, rotating
shows the new one, the delivery log lists what was sent, and a delivery can
be sent again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.page.conftest import TINY, make_key, sign_in

pytestmark = pytest.mark.integration


def test_webhook_secret_once_rotate_delivery_log_and_redeliver(page_farm, tab):
    key = make_key(page_farm)
    sign_in(tab, page_farm, key)
    tab.get_by_role("link", name="Webhooks").click()
    tab.get_by_label("URL").fill("http://127.0.0.1:9/cms-hook")
    tab.get_by_label("job.succeeded").check()
    tab.get_by_role("button", name="Add endpoint").click()
    first_secret = tab.get_by_role("textbox", name="Signing secret").input_value()
    assert first_secret.startswith("whsec_")
    tab.get_by_role("link", name="Webhooks").click()  # shown once: not on the next visit
    expect(tab.get_by_role("textbox", name="Signing secret")).to_have_count(0)
    expect(tab.get_by_text(first_secret)).to_have_count(0)

    tab.get_by_role("button", name="Rotate the secret of http://127.0.0.1:9/cms-hook").click()
    second_secret = tab.get_by_role("textbox", name="Signing secret").input_value()
    assert second_secret.startswith("whsec_") and second_secret != first_secret

    client = page_farm.client(key)
    job = client.post(
        "/v1/jobs",
        json={
            "script": "For the CMS.",
            "avatar": "astronaut",
            "draft": True,
            "params": {k: int(v) for k, v in TINY.items()},
        },
    ).json()
    assert page_farm.wait_job(client, job["id"], timeout_s=240)["status"] == "succeeded"
    tab.get_by_role("link", name="http://127.0.0.1:9/cms-hook").click()
    expect(tab.get_by_role("heading", name="Deliveries")).to_be_visible()
    for _ in range(60):  # the delivery row appears once the webhook worker has tried
        if tab.get_by_text("job.succeeded").count():
            break
        tab.wait_for_timeout(1000)
        tab.reload()
    expect(tab.get_by_text("job.succeeded")).to_be_visible()
    tab.get_by_role("button", name="Redeliver job.succeeded").click()
    expect(tab.get_by_role("status").filter(has_text="is being sent again")).to_be_visible()

    tab.get_by_role("link", name="All endpoints").click()
    tab.get_by_role("button", name="Delete http://127.0.0.1:9/cms-hook").click()
    expect(tab.get_by_text("No endpoints yet.")).to_be_visible()
