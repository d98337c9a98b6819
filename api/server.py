"""Run the API under gunicorn from `talkfarm api` (the same server as in production)."""

from __future__ import annotations

import json

from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.http import errors as http_errors
from gunicorn.workers.gthread import ThreadWorker

from api.app import create_app
from api.previews import preload_presets
from api.problems import PROBLEM_JSON
from domain.config import Settings
from domain.errors import ProblemError
from domain.structured_logs import json_dict_config
from media.tts import preload_language_detector


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints (no py.typed)
    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app(self.settings)
        # in each server process before it takes requests: the first job without a
        # `language` would otherwise wait for the language detector's model
        preload_language_detector()
        # and the composer's first preview of a preset would wait for mediapipe's import and the presets' analyses
        preload_presets()
        return app


class ProblemWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's threaded worker, answering what it refuses before the app
    (a request line over 4 KB, too many or too large headers, a request it
    cannot parse) as ``application/problem+json`` with a stable code, like
    every other refusal of the API. Its own answer is a text/html page."""

    def handle_error(self, req, client, addr, exc):
        refusal = server_refusal(exc, self.cfg.limit_request_line)
        if refusal is None:  # not the caller's doing: gunicorn's 500, logged with its traceback
            return super().handle_error(req, client, addr, exc)
        status, reason, body = refusal
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        head = (
            f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_JSON}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        try:
            gunicorn_util.write_nonblock(client, head.encode("latin-1") + body)
        except Exception:  # the client has gone: nothing to tell it
            self.log.debug("Failed to send error message.")


def server_refusal(exc: BaseException, limit_request_line: int) -> tuple[int, str, bytes] | None:
    """Status, reason and problem document for a request gunicorn refused to
    parse; None when the fault is not the caller's (a response header the app
    made, a server misconfiguration)."""
    if not isinstance(exc, http_errors.ParseException) or isinstance(
        exc,
        (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName, http_errors.ConfigurationProblem),
    ):
        return None
    if isinstance(exc, http_errors.LimitRequestLine):
        status, reason, code = 414, "URI Too Long", "uri_too_long"
        detail = (
            f"The request line (method, path and query) is over {limit_request_line} bytes. "
            "Send long values in a JSON body, or page through a listing with its cursor."
        )
    elif isinstance(exc, http_errors.LimitRequestHeaders):
        status, reason, code = 431, "Request Header Fields Too Large", "headers_too_large"
        detail = f"The request's headers are too many or too large: {exc}."
    elif isinstance(exc, http_errors.ExpectationFailed):
        status, reason, code = 417, "Expectation Failed", "expectation_failed"
        detail = f"{exc}."
    elif isinstance(exc, http_errors.ForbiddenProxyRequest):
        status, reason, code = 403, "Forbidden", "forbidden"
        detail = "Requests through this proxy are not allowed."
    else:  # a malformed request line, method, version, header, chunk or transfer coding
        status, reason, code = 400, "Bad Request", "bad_request"
        detail = f"The HTTP request is malformed: {type(exc).__name__}: {exc}"[:1000]
    return status, reason, json.dumps(ProblemError(code, detail, status, title=reason).to_dict()).encode()


def serve(settings: Settings, host: str, port: int, processes: int = 2, threads: int = 8) -> None:
    _Gunicorn(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": processes,
            # threads let a slow upload not block polls on the same process
            "worker_class": ProblemWorker,
            "threads": threads,
            "timeout": 120,
            "graceful_timeout": 20,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            **_json_logs(settings),
        },
    ).run()


def _json_logs(settings: Settings) -> dict:
    """TALKFARM_LOG_FORMAT=json: gunicorn's own lines as JSON too (it configures its loggers itself)."""
    if settings.log_format != "json":
        return {}

    return {"logconfig_dict": json_dict_config(("gunicorn.error",))}  # no access log, as in text
