"""TALKFARM_LOG_FORMAT=json: one JSON object per event, with the job, tenant,
attempt and worker it happened in; text stays the default."""

from __future__ import annotations

import io
import json
import logging

import pytest

from domain.config import ConfigError, Settings
from domain.structured_logs import TEXT_FORMAT, JsonFormatter, job_context


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("talkfarm.test.structured")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_event_inside_a_job_carries_its_ids_on_one_line(captured):
    logger, stream = captured
    with job_context(job_id="job_1", tenant_id="ten_1", attempt=2, worker_id="w-7", pool="cpu"):
        logger.warning("job_1 failed: tts_failed: line one\nline two", extra={"code": "tts_failed"})
    logger.info("outside")
    inside, outside = _lines(stream)
    assert inside["job_id"] == "job_1" and inside["tenant_id"] == "ten_1" and inside["attempt"] == 2
    assert inside["worker_id"] == "w-7" and inside["pool"] == "cpu" and inside["code"] == "tts_failed"
    assert inside["level"] == "warning" and inside["message"].endswith("line two")
    assert "job_id" not in outside  # the context ends with the block


def test_a_traceback_stays_inside_its_event(captured):
    logger, stream = captured
    try:
        raise ValueError("bad portrait info")
    except ValueError:
        with job_context(job_id="job_2"):
            logger.exception("job_2 failed: internal_error")
    [event] = _lines(stream)  # one line, traceback and all
    assert event["exc_type"] == "ValueError" and "bad portrait info" in event["exc"] and event["job_id"] == "job_2"


def test_text_is_the_default_and_other_formats_are_refused():
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"TALKFARM_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ConfigError):
        Settings.from_env({"TALKFARM_LOG_FORMAT": "xml"})
    assert "%(message)s" in TEXT_FORMAT
