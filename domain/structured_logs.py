"""Logs an operator can search: with TALKFARM_LOG_FORMAT=json every event is
one JSON object on one line, carrying the job, tenant, attempt and worker it
happened in; plain text (the default) reads as it always has.

The ids come from two places: the job an attempt is running binds them for
everything logged while it runs (``job_context``), and a single call can name
them itself with ``extra={"job_id": …, "code": …}``.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

#: the fields a record may carry, in the order a JSON line lists them
CONTEXT_FIELDS = ("job_id", "tenant_id", "attempt", "worker_id", "pool", "code")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: read-only: job_context sets a new mapping rather than changing the one in place
_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "talkfarm_log_context", default=MappingProxyType({})
)


@contextlib.contextmanager
def job_context(**fields: Any) -> Iterator[None]:
    """Everything logged in this block (this thread or task) carries these ids."""
    token = _context.set({**_context.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context ids, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        bound = _context.get()
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is None:
                value = bound.get(name)
            if value is not None:
                event[name] = value
        if record.exc_info:
            event["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            event["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            event["stack"] = self.formatStack(record.stack_info)
        event["process"] = record.process
        return json.dumps(event, default=str, ensure_ascii=False)


def configure_logging(log_format: str = "text", *, verbose: bool = False) -> None:
    """Root logging for a talkfarm process: text (default) or JSON lines on stderr."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {log_format!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])


def json_dict_config(loggers: tuple[str, ...] = (), level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that writes JSON lines to stderr, for servers that
    configure logging themselves (gunicorn's ``logconfig_dict``): root and ``loggers`` alike."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json_stderr": handler},
        "root": {"handlers": ["json_stderr"], "level": level},
        "loggers": {name: {"handlers": ["json_stderr"], "level": level, "propagate": False} for name in loggers},
    }
