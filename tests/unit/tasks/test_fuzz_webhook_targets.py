"""Property-based fuzzing of the webhook URL checker: any text, and URLs
built from hostile parts (ports out of range, hosts IDNA cannot encode,
credentials, control characters), is either a usable (scheme, ASCII host,
port) or a ``webhook_url_invalid``/``webhook_url_forbidden`` 422; never an
exception of another kind. DNS is stubbed: these run offline."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ProblemError
from tests.fuzz_budget import fuzz_settings

any_text = st.text(st.characters(exclude_categories=()), max_size=60)
hosts = st.one_of(
    any_text,
    st.sampled_from(
        [
            "example.com",
            "127.0.0.1",
            "[::1]",
            "ä" * 60 + ".de",
            "a..b",
            "xn--",
            "169.254.169.254",
            "metadata",
            "[fe80::1%eth0]",
            "." * 5,
        ]
    ),
    st.from_regex(r"[a-z0-9\-\.]{1,300}", fullmatch=True),
)
ports = st.one_of(st.integers(-10, 10**6).map(str), any_text, st.just(""))
urls = st.one_of(
    any_text,
    st.builds(
        lambda scheme, user, host, port, path: (
            f"{scheme}://{user}{host}{':' + port if port is not None else ''}/{path}"
        ),
        st.sampled_from(["http", "https", "ftp", "HTTP", ""]),
        st.sampled_from(["", "u:p@", "@", "u@"]),
        hosts,
        st.none() | ports,
        any_text,
    ),
)


@fuzz_settings(300)
@given(url=urls)
def test_webhook_url_parser_gives_a_usable_target_or_a_422(url):
    from tasks.webhook_targets import parse_webhook_url

    try:
        scheme, host, port = parse_webhook_url(url)
    except ProblemError as exc:
        assert exc.code == "webhook_url_invalid" and exc.status == 422
        return
    assert scheme in ("http", "https") and host.isascii() and 1 <= port <= 65535
    assert len(url) <= 2000


@fuzz_settings(200)
@given(url=urls)
def test_webhook_url_checker_refuses_with_its_codes_only(url, monkeypatch):
    from domain.config import Settings
    from tasks import webhook_targets

    monkeypatch.setattr(webhook_targets, "resolve", lambda host, port: [ipaddress.ip_address("93.184.216.34")])
    try:
        webhook_targets.check_webhook_url(url, Settings.from_env({}))
    except ProblemError as exc:
        assert exc.code in {"webhook_url_invalid", "webhook_url_forbidden"} and exc.status == 422


@fuzz_settings(200)
@given(url=urls)
def test_schema_url_field_and_checker_agree_on_what_is_a_url(url):
    """What the schema's WebhookUrl field lets through, the checker parses without an unexpected error."""
    from marshmallow import ValidationError

    from api.schemas import WebhookUrl
    from tasks.webhook_targets import parse_webhook_url

    try:
        value = WebhookUrl().deserialize(url)
    except ValidationError:
        return
    try:
        parse_webhook_url(value)
    except ProblemError as exc:
        assert exc.code == "webhook_url_invalid"
