"""A CMS integrator who opens the Webhooks page before any listing learns the secret that signs deliveries to a
job's own webhook_url (the page used to throw it away), and can make a new one, shown once, the old one signing
beside it for the overlap."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.page.conftest import make_key, sign_in

pytestmark = pytest.mark.integration


def stored(farm, key: str) -> tuple[str | None, str | None]:
    from domain.models import ApiKey, Tenant
    from domain.tenants import hash_key

    with farm.sessions() as session:
        tenant = session.scalars(
            sa.select(Tenant).join(ApiKey, ApiKey.tenant_id == Tenant.id).where(ApiKey.key_hash == hash_key(key))
        ).one()
        return tenant.webhook_secret, tenant.previous_webhook_secret


def test_the_per_job_secret_is_shown_by_the_first_visit_and_made_anew_by_the_button(page_farm, tab):
    key = make_key(page_farm)
    sign_in(tab, page_farm, key)
    tab.get_by_role("link", name="Webhooks").click()
    expect(tab.get_by_role("alert")).to_contain_text("Shown once: copy it now")
    first = tab.get_by_role("textbox", name="Per-job webhook secret").input_value()
    assert first.startswith("whsec_") and stored(page_farm, key) == (first, None)

    tab.get_by_role("link", name="Webhooks").click()  # shown once: not on the next visit
    expect(tab.get_by_role("textbox", name="Per-job webhook secret")).to_have_count(0)

    tab.get_by_role("button", name="New signing secret for per-job webhook URLs").click()
    expect(tab.get_by_role("heading", name="A new per-job webhook secret")).to_be_visible()
    expect(tab.get_by_role("alert")).to_contain_text("The previous secret keeps signing beside it until")
    second = tab.get_by_role("textbox", name="Per-job webhook secret").input_value()
    assert second.startswith("whsec_") and second != first
    assert stored(page_farm, key) == (second, first)
