"""Every error leaves the API as ``application/problem+json`` (RFC 9457) with a
stable ``code``; the caller's mistakes are 4xx."""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, json, request
from gunicorn.http import errors as http_errors
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from api.context import ctx
from api.request_bounds import upload_too_large
from api.schemas import BOUND_CODES
from domain.errors import ProblemError
from domain.schema_revision import SchemaRevision, SchemaState, schema_revision
from media.errors import MediaError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

#: generic codes for errors raised by Flask or webargs rather than by us
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}


def problem_response(problem: ProblemError) -> Response:
    response = Response(json.dumps(problem.to_dict()), status=problem.status, mimetype=PROBLEM_JSON)
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def validation_code(messages) -> str:
    """Name the kind of mistake: a bound (its own code, api/schemas.BOUND_CODES),
    an unknown field, a render param out of range, or other."""
    flat = json.dumps(messages)
    for code in BOUND_CODES:
        if f'"{code}: ' in flat:
            return code
    if "Unknown field." in flat:
        return "unknown_field"
    if isinstance(messages, dict):
        body = messages.get("json", messages)
        if isinstance(body, dict) and set(body) == {"params"}:
            return "param_out_of_range"
    return "validation_error"


def _without_code(message: str) -> str:
    """A message as a person reads it: the code it starts with (``field_too_long: At most…``) is the problem's
    ``code`` already."""
    code, separator, rest = message.partition(": ")
    return rest if separator and code in BOUND_CODES else message


def validation_detail(messages) -> str:
    """Every field that is wrong and why, ``field: message; …``, without the codes the messages carry."""
    parts = []

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            parts.append(f"{prefix}: {' '.join(_without_code(v) for v in value)}")
        else:
            parts.append(f"{prefix}: {_without_code(value) if isinstance(value, str) else value}")

    walk("", messages)
    return "; ".join(parts)[:1000] or "The request is not valid."


def body_over_the_cap() -> str:
    """What a body over the server's cap (MAX_CONTENT_LENGTH) is told, in our words rather than werkzeug's
    ("The data value transmitted exceeds the capacity limit"). Routes that take an upload say more of their
    own (POST /v1/verify: ``asset_too_large``, what to send instead)."""
    cap = current_app.config.get("MAX_CONTENT_LENGTH")
    return (
        f"The request's body is over {cap} bytes, the most this server reads of one request; nothing was "
        "stored. Uploads have smaller limits of their own (GET /v1/catalog: max_asset_bytes)."
    )


class RequestTooSlow(http_errors.ParseException):  # type: ignore[misc]  # gunicorn ships no type hints
    """A client sent its request slower than the server reads one (``api.server.ReadPace``): a slowloris, or a
    connection too poor to upload on. Answered 408 ``request_timeout`` and the connection closed, so the thread
    it held serves others."""

    def __init__(self, grace_s: float, min_bytes_per_s: int):
        super().__init__()
        self.grace_s, self.min_bytes_per_s = grace_s, min_bytes_per_s

    def __str__(self) -> str:
        return (
            f"The request arrived too slowly: this server waits {self.grace_s:g} s for a request's head, then reads "
            f"at least {self.min_bytes_per_s} bytes a second on average. Send it again over a better connection."
        )


def server_refusal(exc: BaseException, limit_request_line: int) -> tuple[int, str, bytes] | None:
    """Status, reason and problem document for a request the server refused to read: gunicorn could not parse it
    (before the app, or while the app read its body: a bad chunk), or it came too slowly (``RequestTooSlow``).
    None when the fault is not the caller's (a response header the app made, a server misconfiguration)."""
    if not isinstance(exc, http_errors.ParseException) or isinstance(
        exc,
        (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName, http_errors.ConfigurationProblem),
    ):
        return None
    if isinstance(exc, RequestTooSlow):
        status, reason, code, detail = 408, "Request Timeout", "request_timeout", str(exc)
    elif isinstance(exc, http_errors.LimitRequestLine):
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


def _form_refusal() -> ProblemError | None:
    """What a form werkzeug refused for its shape, not its size, is told: a multipart body within every size limit
    with more parts than ``max_form_parts``, or a text field over ``max_form_memory_size`` (werkzeug raises the
    same RequestEntityTooLarge for both as for a body over the cap). None for a body over a size limit."""
    size, cap = request.content_length, current_app.config.get("MAX_CONTENT_LENGTH")
    if request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded") or size is None:
        return None
    if cap is not None and size > cap:
        return None
    return ProblemError(
        "form_too_complex",
        f"The form has more than {request.max_form_parts} parts, or a text field over "
        f"{request.max_form_memory_size} bytes. Send the file as one part and the other fields short; nothing was "
        "stored.",
        413,
        title="Content Too Large",
    )


#: Retry-After while the database does not answer (a restart, a failover): the pool reconnects within seconds
DATABASE_RETRY_AFTER_S = 5
#: Retry-After while the schema is not this release's: a rolling upgrade's migrations take a while
SCHEMA_RETRY_AFTER_S = 30


def database_unavailable(exc: BaseException) -> ProblemError:
    return ProblemError(
        "database_unavailable",
        f"The database cannot be reached or is busy just now ({type(exc).__name__}); try again in a few seconds.",
        503,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


def schema_not_current(revision: SchemaRevision) -> ProblemError:
    """503 ``database_schema_behind``, ``_ahead`` or ``_unknown``: the database is there, its schema is not the one
    this release was written for."""
    return ProblemError(revision.problem_code, revision.detail, 503, headers={"Retry-After": str(SCHEMA_RETRY_AFTER_S)})


#: SQLite's result codes for a file another process holds or that cannot be read just now; its OperationalError
#: also means a missing table or a syntax error (SQLITE_ERROR), which waiting does not mend
_SQLITE_BUSY_CODES = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN}
)


def _database_did_not_answer(exc: sa_exc.SQLAlchemyError) -> bool:
    """The database was unreachable, dropped the connection, or gave up on the statement (PostgreSQL's
    OperationalError: refused, shut down, timed out, deadlocked; SQLite's "database is locked"), as opposed to
    refusing the statement itself."""
    if isinstance(exc, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):  # TimeoutError: the pool had no connection
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
        return True
    if isinstance(exc.orig, sqlite3.Error):
        code = getattr(exc.orig, "sqlite_errorcode", None)  # set on what sqlite3 raises, not on a hand-made one
        return isinstance(exc, sa_exc.OperationalError) and code is not None and code & 0xFF in _SQLITE_BUSY_CODES
    return isinstance(exc, sa_exc.OperationalError)


def _current_schema() -> SchemaRevision | None:
    try:
        with ctx().sessions() as session:
            return schema_revision(session)
    except Exception:  # the database went away meanwhile: the error the request met says enough
        return None


def database_problem(exc: sa_exc.SQLAlchemyError) -> ProblemError | None:
    """What a request that failed on the database is told: 503 ``database_unavailable`` (with Retry-After) when
    the database did not answer or was busy (SQLite's "database is locked"), 503 ``database_schema_*`` when a
    statement failed because the schema is not this release's; None for anything else, a programming error (500)."""
    if _database_did_not_answer(exc):
        return database_unavailable(exc)
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    revision = _current_schema()  # one more query, on a failure only: a missing table or column is the schema's
    if revision is not None and revision.state is not SchemaState.CURRENT:
        return schema_not_current(revision)
    return None


class QuietOutageLog:
    """During an outage every request fails the same way: one warning line (no traceback) per ``every_s`` that
    says how many more there were, rather than a traceback per request."""

    def __init__(self, every_s: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.every_s = every_s
        self._clock = clock
        self._lock = threading.Lock()
        self._last = -math.inf
        self._quiet = 0

    def failed(self, problem: ProblemError, exc: BaseException) -> None:
        with self._lock:
            now = self._clock()
            if now - self._last < self.every_s:
                self._quiet += 1
                return
            quiet, self._quiet, self._last = self._quiet, 0, now
        cause = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
        first_line = (str(cause).strip().splitlines() or [""])[0][:300]
        log.warning(
            "%s %s answered %d %s: %s: %s%s",
            request.method,
            request.path,
            problem.status,
            problem.code,
            type(exc).__name__,
            first_line,
            f" ({quiet} more since the last such line)" if quiet else "",
            extra={"code": problem.code},
        )


def install(app: Flask) -> None:
    @app.errorhandler(ProblemError)
    def _problem(exc: ProblemError):
        return problem_response(exc)

    @app.errorhandler(MediaError)
    def _media(exc: MediaError):
        return problem_response(ProblemError(exc.code, exc.detail, 422))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        if messages is not None:
            # webargs / flask-smorest validation: name every field that is wrong
            body = messages.get("json", messages.get("query", messages.get("files", messages.get("form", messages))))
            problem = ProblemError(validation_code(messages), validation_detail(body), status, errors=body)
        elif isinstance(exc, RequestEntityTooLarge):
            problem = (
                _form_refusal()
                or upload_too_large(request.content_length)
                or ProblemError("payload_too_large", body_over_the_cap(), status, title=exc.name)
            )
        else:
            problem = ProblemError(
                _HTTP_CODES.get(status, "http_error"), exc.description or exc.name, status, title=exc.name
            )
        return problem_response(problem)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        refusal = server_refusal(exc, 0)  # a body the server could not read: a bad chunk, or it came too slowly
        if refusal is not None:
            status, _, body = refusal
            log.info("request body refused (%s): %s", type(exc).__name__, exc)
            response = Response(body, status=status, mimetype=PROBLEM_JSON)
            response.headers["Connection"] = "close"  # where the next request starts on this connection is unknown
            return response
        if isinstance(exc, http_errors.NoMoreData):  # the client went away before its body ended: no one to tell
            log.info("request body ended early: %s", exc)
            return problem_response(ProblemError("bad_request", "The request's body ended before its length.", 400))
        log.exception("unhandled error")
        return problem_response(ProblemError("internal_error", "The server failed; the request was not applied.", 500))

    outage_log = QuietOutageLog()

    @app.errorhandler(sa_exc.SQLAlchemyError)
    def _database(exc: sa_exc.SQLAlchemyError):
        problem = database_problem(exc)
        if problem is None:
            return _unexpected(exc)
        outage_log.failed(problem, exc)
        return problem_response(problem)
