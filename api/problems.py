"""Every error leaves the API as ``application/problem+json`` (RFC 9457) with a
stable ``code``; the caller's mistakes are 4xx."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from api.request_bounds import upload_too_large
from api.schemas import BOUND_CODES
from domain.errors import ProblemError
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
            problem = upload_too_large(request.content_length) or ProblemError(
                "payload_too_large", body_over_the_cap(), status, title=exc.name
            )
        else:
            problem = ProblemError(
                _HTTP_CODES.get(status, "http_error"), exc.description or exc.name, status, title=exc.name
            )
        return problem_response(problem)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return problem_response(ProblemError("internal_error", "The server failed; the request was not applied.", 500))
