"""A farm process that cannot work with its settings ends at start with one line,
``Error: config_invalid: …``, and exit 1, before it starts anything: a storage URL
it cannot use included. What it can work with but should not go unnoticed (a
TALKFARM_ variable that is no setting) is a warning in its log."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner

from cli.main import main


class Started(Exception):
    """The command got past its checks and started its process."""


def _start(*_args, **_kwargs):
    raise Started


@pytest.fixture
def farm(monkeypatch, tmp_path):
    """``talkfarm`` with the processes it would start replaced by a stub that says it started."""
    import api.server
    import cli.up
    import tasks.reconcile
    import tasks.worker_process

    monkeypatch.setattr(api.server, "serve", _start)
    monkeypatch.setattr(tasks.worker_process, "run_render_worker", _start)
    monkeypatch.setattr(tasks.worker_process, "run_webhook_worker", _start)
    monkeypatch.setattr(tasks.reconcile, "run_forever", _start)
    monkeypatch.setattr(cli.up, "run_up", _start)

    def run(*args: str, **variables: str):
        env = {"TALKFARM_DATA_DIR": str(tmp_path / "data"), **{f"TALKFARM_{k}": v for k, v in variables.items()}}
        return CliRunner().invoke(main, list(args), env=env)

    return run


COMMANDS = [
    ("worker", "--tag", "cpu"),
    ("worker", "--webhooks"),
    ("scheduler",),
    ("api",),
    ("up",),
    ("storage", "init"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    "storage_url, complaint",
    [
        ("ftp://x", "TALKFARM_STORAGE_URL: unsupported scheme 'ftp' (use one of file://, s3://, memory://)"),
        ("memory://", "TALKFARM_STORAGE_URL: memory:// keeps files inside one process"),
    ],
    ids=["ftp", "memory"],
)
def test_a_storage_url_the_farm_cannot_use_is_config_invalid_not_a_traceback(farm, command, storage_url, complaint):
    result = farm(*command, STORAGE_URL=storage_url)
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.output
    assert f"Error: config_invalid: {complaint}" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_storage_folder_that_cannot_be_made_is_config_invalid(farm, tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    url = (blocker / "storage").as_uri()
    result = farm(*command, STORAGE_URL=url)
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert line.startswith(f"Error: config_invalid: TALKFARM_STORAGE_URL: cannot use {url}: ")
    assert "Not a directory" in line


def test_a_usable_storage_url_starts_the_process(farm, tmp_path):
    result = farm("scheduler", STORAGE_URL=(tmp_path / "objects").as_uri())
    assert isinstance(result.exception, Started)
    assert (tmp_path / "objects").is_dir()


def test_a_setting_out_of_range_is_config_invalid_too(farm):
    result = farm("scheduler", HEARTBEAT_INTERVAL_S="0")
    assert result.exit_code == 1
    assert "Error: config_invalid: TALKFARM_HEARTBEAT_INTERVAL_S must be more than 0, not 0.0" in result.output


@pytest.mark.parametrize("command", [("worker", "--tag", "cpu"), ("scheduler",), ("api",)], ids=" ".join)
def test_a_misspelt_variable_is_a_warning_as_the_process_starts(farm, command, caplog):
    with caplog.at_level(logging.WARNING, logger="domain.config"):
        result = farm(*command, LOG_FROMAT="json")
    assert isinstance(result.exception, Started)  # a warning, not a refusal
    (warning,) = [r for r in caplog.records if r.name == "domain.config"]
    assert "TALKFARM_LOG_FROMAT (did you mean TALKFARM_LOG_FORMAT?)" in warning.getMessage()
