"""Run the API under gunicorn from `talkfarm api` (the same server as in production)."""

from __future__ import annotations

import time
from typing import Any

from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from api.app import create_app
from api.previews import preload_presets
from api.problems import PROBLEM_JSON, RequestTooSlow, server_refusal
from domain.config import Settings
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


class ReadPace:
    """The socket a request is read from, read at a pace: within ``grace_s`` of the request's start, then at
    ``min_bytes_per_s`` on average. gunicorn's thread blocks on a request until it is whole, with no deadline
    of its own, so sixteen clients trickling a byte every few seconds held every thread of the API (2026-12-08).
    A read that would pass the pace raises ``RequestTooSlow``. Only the request is paced (``start`` to
    ``stop``): a body left unread after the answer is drained under gunicorn's own deadline."""

    def __init__(self, sock: Any, grace_s: float, min_bytes_per_s: int):
        self._sock, self.grace_s, self.min_bytes_per_s = sock, grace_s, min_bytes_per_s
        self.start()

    def start(self) -> None:
        """A request begins: its clock starts."""
        self._started, self._read, self._paced = time.monotonic(), 0, True

    def stop(self) -> None:
        """The answer is made: reads from here on (a drain) are not paced."""
        self._paced = False

    def recv(self, size: int) -> bytes:
        if not self._paced:
            return self._sock.recv(size)
        left = self._started + self.grace_s + self._read / self.min_bytes_per_s - time.monotonic()
        if left <= 0:
            raise RequestTooSlow(self.grace_s, self.min_bytes_per_s)
        before = self._sock.gettimeout()
        self._sock.settimeout(left if before is None else min(left, before))
        try:
            data = self._sock.recv(size)
        except TimeoutError:
            if before is not None and before < left:
                raise  # the caller's own, shorter timeout
            raise RequestTooSlow(self.grace_s, self.min_bytes_per_s) from None
        finally:
            self._sock.settimeout(before)
        self._read += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _PacedConn(TConn):  # type: ignore[misc]  # gunicorn ships no type hints
    """A connection whose HTTP/1 requests are read through ``ReadPace``."""

    pace: ReadPace | None = None
    grace_s: float  # set by ProblemWorker.enqueue_req
    min_bytes_per_s: int

    def init(self) -> None:
        super().init()
        if self.pace is None and not self.is_http2 and self.parser is not None:
            self.pace = ReadPace(self.parser.unreader.sock, self.grace_s, self.min_bytes_per_s)
            self.parser.unreader.sock = self.pace


class ProblemWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's threaded worker, answering what it refuses before the app
    (a request line over 4 KB, too many or too large headers, a request it
    cannot parse) as ``application/problem+json`` with a stable code, like
    every other refusal of the API. Its own answer is a text/html page.

    Each request is read at a pace (``ReadPace``): within ``read_grace_s``, then ``read_min_bytes_per_s``;
    a slower client is answered 408 ``request_timeout`` and let go."""

    #: from TALKFARM_API_READ_GRACE_S and TALKFARM_API_READ_MIN_BYTES_PER_S: ``serve`` makes the worker class with them
    read_grace_s: float
    read_min_bytes_per_s: int

    def enqueue_req(self, conn):
        if type(conn) is TConn:  # a new connection: read its requests at a pace
            conn.__class__ = _PacedConn
            conn.grace_s, conn.min_bytes_per_s = self.read_grace_s, self.read_min_bytes_per_s
        super().enqueue_req(conn)

    def handle(self, conn):
        if getattr(conn, "pace", None) is not None:
            conn.pace.start()  # the next request on a kept-alive connection
        return super().handle(conn)

    def handle_request(self, req, conn):
        try:
            return super().handle_request(req, conn)
        finally:
            if getattr(conn, "pace", None) is not None:
                conn.pace.stop()

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


def serve(settings: Settings, host: str, port: int, processes: int = 2, threads: int = 8) -> None:
    worker = type(
        "ProblemWorker",
        (ProblemWorker,),
        {"read_grace_s": settings.api_read_grace_s, "read_min_bytes_per_s": settings.api_read_min_bytes_per_s},
    )
    _Gunicorn(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": processes,
            # threads let a slow upload not block polls on the same process
            "worker_class": worker,
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
