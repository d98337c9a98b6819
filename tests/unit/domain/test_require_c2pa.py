"""A farm that must not publish without content credentials says so once, in TALKFARM_REQUIRE_C2PA: then no
process starts without the signing certificate and key. A compliance review found that on the defaults every job
succeeded unsigned, the only trace a worker's log line, and the job's document the same signed or not (it now says
``content_credentials``: ``embedded``, ``sidecar`` or ``none``)."""

from __future__ import annotations

import pytest

from domain.config import ConfigError, Settings


def test_requiring_credentials_without_a_key_is_refused_naming_what_to_give(tmp_path):
    with pytest.raises(ConfigError, match="TALKFARM_REQUIRE_C2PA is set, but TALKFARM_C2PA_CERT and TALKFARM_C2PA_KEY"):
        Settings.from_env({"TALKFARM_REQUIRE_C2PA": "true"}, data_dir=tmp_path)
    with pytest.raises(ConfigError, match="REQUIRE_C2PA"):
        Settings.from_env({"TALKFARM_REQUIRE_C2PA": "1", "TALKFARM_C2PA_CERT": "chain.pem"}, data_dir=tmp_path)


def test_requiring_credentials_with_a_key_and_not_requiring_them_both_start(tmp_path):
    signed = Settings.from_env(
        {"TALKFARM_REQUIRE_C2PA": "true", "TALKFARM_C2PA_CERT": "chain.pem", "TALKFARM_C2PA_KEY": "key.pem"},
        data_dir=tmp_path,
    )
    assert signed.require_c2pa and signed.c2pa_key == "key.pem"
    assert not Settings.from_env({}, data_dir=tmp_path).require_c2pa  # the defaults: unsigned, and documented so
