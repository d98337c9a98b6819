"""Settings that cannot work are refused at start with a ConfigError naming the
variable (the CLI prints it as ``config_invalid``); a TALKFARM_ variable that is
no setting is a warning, not a refusal."""

import dataclasses
import logging

import pytest

from domain.config import ConfigError, Settings, warn_of_unknown_variables


def settings_from(tmp_path, **variables):
    environ = {"TALKFARM_DATA_DIR": str(tmp_path), **{f"TALKFARM_{k}": v for k, v in variables.items()}}
    return Settings.from_env(environ)


@pytest.mark.parametrize(
    "name, value, complaint",
    [
        ("DRAIN_GRACE_S", "-5", "must be at least 0"),
        ("HEARTBEAT_INTERVAL_S", "0", "must be more than 0"),
        ("HEARTBEAT_INTERVAL_S", "nan", "must be a finite number"),
        ("WORKER_DEAD_AFTER_S", "inf", "must be a finite number"),
        ("JOB_MAX_FAILURES", "0", "must be at least 1"),
        ("OUTPUT_URL_EXPIRY_S", "-1", "must be more than 0 and at most 604800"),
        ("OUTPUT_URL_EXPIRY_S", "0", "must be more than 0"),
        ("OUTPUT_URL_EXPIRY_S", "864000", "must be at most 604800"),  # S3 signs links for a week at most
        ("S3_MAX_ATTEMPTS", "0", "must be at least 1"),
        ("MAX_SCRIPT_CHARS", "-1", "must be at least 1"),
        ("QUEUED_RESEND_AFTER_S", "0", "must be more than 0"),
        ("DB_CONNECT_TIMEOUT_S", "0", "must be at least 1"),
        ("DB_STATEMENT_TIMEOUT_S", "-1", "must be at least 0"),
        ("RENDER_MAX_BATCH_SIZE", "0", "must be at least 1"),
        ("WEBHOOK_BREAKER_FAILURES", "0", "must be at least 1"),
        ("TENANT_MAX_IN_FLIGHT", "0", "must be at least 1"),
        ("API_READ_GRACE_S", "0", "must be more than 0 and at most 300"),
        ("API_READ_GRACE_S", "301", "must be at most 300"),
        ("API_READ_MIN_BYTES_PER_S", "1000", "must be at least 1024"),
    ],
)
def test_a_number_outside_its_range_is_refused_naming_the_variable(tmp_path, name, value, complaint):
    with pytest.raises(ConfigError, match=complaint) as caught:
        settings_from(tmp_path, **{name: value})
    assert str(caught.value).startswith(f"TALKFARM_{name} ")


def test_every_number_has_a_range_or_a_check_of_its_own(tmp_path):
    checked_elsewhere = {  # resolved() holds these to ranges of their own, with their own messages
        "work_retention_h",
        "loudness_target_lufs",
        "true_peak_ceiling_dbtp",
        "watermark_opacity",
        "webhook_timeout_s",
        "webhook_lookup_timeout_s",
        "webhook_lookup_per_tenant",
    }
    unbounded = [
        f.name
        for f in dataclasses.fields(Settings)
        if f.type in ("int", "float")
        and f.name not in checked_elsewhere
        and not any(bound is not None for bound in f.metadata["bounds"].values())
    ]
    assert unbounded == []


def test_the_lease_must_last_at_least_two_heartbeats(tmp_path):
    with pytest.raises(ConfigError, match="WORKER_DEAD_AFTER_S .* at least two TALKFARM_HEARTBEAT_INTERVAL_S"):
        settings_from(tmp_path, HEARTBEAT_INTERVAL_S="5", WORKER_DEAD_AFTER_S="9")
    settings = settings_from(tmp_path, HEARTBEAT_INTERVAL_S="5", WORKER_DEAD_AFTER_S="10")
    assert settings.worker_dead_after_s == 10.0


@pytest.mark.parametrize("value", ["not-a-cidr", "127.0.0.0/8,10.0.0.300", "::1,example.org"])
def test_metrics_allow_from_must_be_addresses_or_cidrs(tmp_path, value):
    with pytest.raises(ConfigError, match="TALKFARM_METRICS_ALLOW_FROM: .* is not an address or a CIDR"):
        settings_from(tmp_path, METRICS_ALLOW_FROM=value)


def test_metrics_allow_from_takes_addresses_and_cidrs_as_the_metrics_route_reads_them(tmp_path):
    settings = settings_from(tmp_path, METRICS_ALLOW_FROM="127.0.0.0/8, ::1, 10.42.0.0/16, 192.168.1.7, 10.1.2.3/16")
    assert settings.metrics_allow_from[-1] == "10.1.2.3/16"  # host bits set: read with strict=False, as api/metrics.py


@pytest.mark.parametrize("value", ["a,b", "5,0,60", "5,-1", "5,nan", "inf"])
def test_the_webhook_retry_schedule_is_read_at_start(tmp_path, value):
    with pytest.raises(ConfigError, match="TALKFARM_WEBHOOK_RETRY_SCHEDULE: .* is not a positive number of seconds"):
        settings_from(tmp_path, WEBHOOK_RETRY_SCHEDULE=value)


def test_a_webhook_retry_schedule_of_positive_seconds_is_taken(tmp_path):
    assert settings_from(tmp_path, WEBHOOK_RETRY_SCHEDULE="1, 2.5,60").retry_schedule() == [1.0, 2.5, 60.0]


@pytest.mark.parametrize("url", ["mysql://x/y", "mariadb+pymysql://x/y", "oracle://x", "postgres://x/y", "nonsense"])
def test_a_database_the_farm_does_not_run_on_is_refused(tmp_path, url):
    with pytest.raises(ConfigError, match="TALKFARM_DATABASE_URL: .* is not a database the farm runs on"):
        settings_from(tmp_path, DATABASE_URL=url)


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://postgres@127.0.0.1:5432/farm", "postgresql://u@h/db", "sqlite:////tmp/x.db"]
)
def test_postgresql_and_sqlite_databases_are_taken(tmp_path, url):
    assert settings_from(tmp_path, DATABASE_URL=url).database_url == url


def test_the_defaults_pass(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path)
    assert settings.database_url.startswith("sqlite:///")


def test_an_unknown_talkfarm_variable_is_a_warning_naming_the_setting_it_perhaps_meant(tmp_path, caplog):
    environ = {
        "TALKFARM_DATA_DIR": str(tmp_path),
        "TALKFARM_LOG_FROMAT": "json",
        "TALKFARM_BUILD": "v1.2",  # the image's build, read by `talkfarm --version`: not a typo
        "TALKFARM_TEST_REDIS_DB": "3",  # the tests' own
        "OTHER_LOG_FROMAT": "json",
    }
    assert Settings.from_env(environ).log_format == "text"  # still starts
    with caplog.at_level(logging.WARNING, logger="domain.config"):
        assert warn_of_unknown_variables(environ) == ["TALKFARM_LOG_FROMAT"]
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "TALKFARM_LOG_FROMAT (did you mean TALKFARM_LOG_FORMAT?)" in record.getMessage()


def test_known_variables_warn_of_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="domain.config"):
        assert warn_of_unknown_variables({"TALKFARM_LOG_FORMAT": "json", "TALKFARM_POOLS": "cpu"}) == []
    assert caplog.records == []
