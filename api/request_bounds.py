"""The edge, before any handler or parser: a JSON body is refused for its size
and nesting *before* it is parsed (so a RecursionError can never happen
further in), then parsed strictly once (no NaN, no Infinity, no number
beyond 64 bits, no string a database cannot hold). Path ids, query values,
form fields and the Idempotency-Key carry no NUL, lone surrogate or control
character. Everything refused here is a 4xx problem with its own code; the
limits themselves are declared in api/schemas.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from flask import Flask, current_app, request

from api.schemas import (
    IDEMPOTENCY_KEY_MAX_CHARS,
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_JSON_INT,
    json_problem,
    text_problem,
    unknown_name_hint,
)
from domain.errors import ProblemError

#: a JSON string literal, escapes included (unrolled, so long strings cost no backtracking)
_STRING_LITERAL = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_OPEN, _CLOSE = np.frombuffer(b"[{", np.uint8), np.frombuffer(b"]}", np.uint8)
#: the media types a form is sent as: a route that takes multipart/form-data takes a form without files too
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
#: where ``learn_body_types`` keeps, per route, the media types its request body may have
_BODY_TYPES = "talkfarm_body_types"
#: the paths of signed download links (``api.files``), whose query strings take what else a client adds
SIGNED_LINKS = "/v1/files/"
#: where ``upload_limit`` keeps, per endpoint, its upload's limit and the refusal of a body over it
_UPLOAD_LIMITS = "talkfarm_upload_limits"
#: where ``learn_body_types`` keeps, per /v1 route (path, method), the query parameters it takes
_QUERY_NAMES = "talkfarm_query_names"
_RULE_PARAMETER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
#: the longest path parameter any route takes (worker ids are host names; storage keys have their own check)
MAX_PATH_PARAM_CHARS = 200


def nesting_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in JSON text, without parsing it
    (brackets inside strings do not count). Linear, no recursion."""
    stripped = np.frombuffer(_STRING_LITERAL.sub(b'""', data), np.uint8)
    if stripped.size == 0:
        return 0
    steps = np.isin(stripped, _OPEN).astype(np.int32) - np.isin(stripped, _CLOSE).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def _reject_constant(name: str):
    raise ProblemError("json_number_invalid", f"{name} is not a JSON number; send finite numbers only.", 400)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        _reject_constant(text)
    return value


def _int(text: str) -> int:
    if len(text) > 20:  # more digits than 2**63 has: refused before int() spends time on it
        raise ProblemError("json_number_invalid", "Integers must fit in 64 bits.", 400)
    value = int(text)
    if abs(value) > MAX_JSON_INT:
        raise ProblemError("json_number_invalid", "Integers must fit in 64 bits.", 400)
    return value


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads' object hook: a key given twice in one object is refused, not silently the last one
    (a caller who sent two scripts meant one of them). One set per object: linear in its keys."""
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ProblemError(
                    "duplicate_key", f"{key!r} is given twice in one JSON object; give each key once.", 422
                )
            seen.add(key)
    return value


def loads_bounded(
    data: bytes | str, *, what: str = "The JSON body", max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse JSON from a caller, within bounds; every refusal is a ProblemError
    (``json_too_large`` 413, ``json_too_deep``/``json_number_invalid``/``json_invalid`` 400,
    ``text_invalid_character``/``duplicate_key`` 422)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise ProblemError("json_too_large", f"{what} is {len(raw)} bytes; at most {max_bytes} are accepted.", 413)
    depth = nesting_depth(raw)
    if depth > max_depth:
        raise ProblemError("json_too_deep", f"{what} nests {depth} levels deep; at most {max_depth} are accepted.", 400)
    try:
        text = raw.decode("utf-8")
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_float,
            parse_int=_int,
            object_pairs_hook=_object_without_duplicates,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProblemError("json_invalid", f"{what} is not valid UTF-8 JSON: {exc}", 400) from None
    except RecursionError:  # cannot happen below MAX_JSON_DEPTH; kept as a 4xx should the limit be raised
        raise ProblemError("json_too_deep", f"{what} nests too deeply.", 400) from None
    problem = json_problem(value, max_depth=max_depth)
    if problem:
        code, _, message = problem.partition(": ")
        raise ProblemError(code, f"{what}: {message}", 400 if code.startswith("json_") else 422)
    return value


def _check_text(where: str, value: str, problem: str | None) -> None:
    if problem:
        code, _, message = problem.partition(": ")
        raise ProblemError(code, f"{where}: {message}", 422)


#: what a multipart body may hold beyond its file's bytes (boundaries, part headers, the file's name, a purpose)
MULTIPART_SLACK_BYTES = 64 * 1024


def upload_limit(
    app: Flask, endpoint: str, limit: Callable[[], int], too_large: Callable[[int | None], ProblemError]
) -> None:
    """An upload route's own limit (``POST /v1/assets``, ``POST /v1/verify``): a body declared larger than
    ``limit()`` bytes and ``MULTIPART_SLACK_BYTES`` is refused with ``too_large(its length)`` before any of it is
    read (the shared bounds below parse a form whole, files and all), and so is one met over the server's own cap
    while it is read (``api.problems``, instead of ``payload_too_large``): one refusal whatever the size."""
    app.extensions.setdefault(_UPLOAD_LIMITS, {})[endpoint] = (limit, too_large)


def upload_too_large(size: int | None) -> ProblemError | None:
    """The refusal the request's route gives an upload over its limit (``upload_limit``); None for other routes."""
    limits = current_app.extensions.get(_UPLOAD_LIMITS, {}).get(request.endpoint)
    return limits[1](size) if limits is not None else None


def check_request() -> None:
    """before_request: the bounds every route shares. The web page runs them itself, after its
    sign-in check (api/web/session.py), so a signed-out client's body is never parsed."""
    limits = current_app.extensions.get(_UPLOAD_LIMITS, {}).get(request.endpoint)
    if limits is not None and (request.content_length or 0) > limits[0]() + MULTIPART_SLACK_BYTES:
        raise limits[1](request.content_length)
    if request.blueprint == "page":
        return
    check_media_type()
    check_bounds()
    check_query_names()


def check_bounds() -> None:
    """The bounds every route shares: path parameters, query, Idempotency-Key, JSON and form bodies."""
    for name, value in (request.view_args or {}).items():
        if name == "key":  # a storage key behind a signed link: the signature check refuses it
            _check_text(name, value, text_problem(value))
            continue
        if len(value) > MAX_PATH_PARAM_CHARS or text_problem(value):
            raise ProblemError("id_invalid", f"{name} is not an id: too long or holds a control character.", 400)
    for name, value in request.args.items(multi=True):
        _check_text(f"query {name}", value, text_problem(value))
    key = request.headers.get("Idempotency-Key")
    if key is not None and (len(key) > IDEMPOTENCY_KEY_MAX_CHARS or text_problem(key)):
        raise ProblemError(
            "idempotency_key_invalid",
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX_CHARS} printable characters.",
            400,
        )
    if request.is_json and request.method in ("POST", "PUT", "PATCH"):
        data = _json_body()
        if data:
            loads_bounded(data)
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in request.form.items(multi=True):
            _check_text(f"form field {name}", value, text_problem(value, free_text=True))


def _json_body() -> bytes:
    """The request's JSON body, read once and kept on the request for ``get_data`` and ``get_json``; refused
    (413 ``json_too_large``) past MAX_JSON_BYTES before more is read. A declared length is checked before any byte
    is read; a body of unknown length (chunked) is read to MAX_JSON_BYTES + 1 bytes at most, not whole: read by
    ``get_data``, it would be taken up to the server's cap (MAX_CONTENT_LENGTH, tens of MiB) and cut there."""
    if request.content_length is not None:
        if request.content_length > MAX_JSON_BYTES:
            raise ProblemError("json_too_large", f"JSON bodies may be at most {MAX_JSON_BYTES} bytes.", 413)
        return request.get_data(cache=True)
    stream, data = request.stream, bytearray()
    while len(data) <= MAX_JSON_BYTES:
        chunk = stream.read(MAX_JSON_BYTES + 1 - len(data))
        if not chunk:
            break
        data += chunk
    if len(data) > MAX_JSON_BYTES:  # its size is not known, and the rest is not read to learn it
        raise ProblemError(
            "json_too_large",
            f"The JSON body is over {MAX_JSON_BYTES} bytes, the most a JSON body may be.",
            413,
        )
    # where werkzeug's get_data (and so Flask's get_json and webargs) looks first: the stream is read already
    request._cached_data = bytes(data)
    return request._cached_data


def _perhaps(name: str, taken: tuple[str, ...]) -> str:
    """`` (perhaps `status`?)`` after a name close to one the route takes; else empty."""
    hint = unknown_name_hint(name, taken).strip()
    return f" ({hint[0].lower()}{hint[1:]})" if hint else ""


def learn_body_types(app: Flask, spec: dict[str, Any]) -> None:
    """Remember, per route and method, the media types of the request body the spec (``/openapi.json``) says it
    takes, for ``check_media_type``, and the query parameters, for ``check_query_names``: the spec and the checks
    cannot differ."""
    types: dict[tuple[str, str], tuple[str, ...]] = {}
    queries: dict[tuple[str, str], tuple[str, ...]] = {}
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            content = operation.get("requestBody", {}).get("content")
            if content:
                types[(path, method.upper())] = tuple(content)
            # a signed download link is a link, not a call: a CMS or a mail client may add its own parameters to it
            # (utm_source, download=1), as to an object store's presigned URL, and the file is still served
            if path.startswith("/v1/") and not path.startswith(SIGNED_LINKS):
                names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
                queries[(path, method.upper())] = tuple(sorted(names))
    app.extensions[_BODY_TYPES] = types
    app.extensions[_QUERY_NAMES] = queries


def check_query_names() -> None:
    """A query parameter a /v1 route does not take is refused, never silently ignored: ``GET /v1/jobs?stauts=failed``
    listed every job, ``GET /v1/jobs/{id}?fields=id`` answered the whole job. A 422 names it, with the one it
    perhaps meant and what the route takes. The names come from the spec, so the check and ``/openapi.json``
    cannot differ (``api.arguments`` refuses a single-valued one given twice)."""
    if not request.args or request.url_rule is None:
        return
    path = _RULE_PARAMETER.sub(r"{\1}", request.url_rule.rule)
    method = "GET" if request.method == "HEAD" else request.method
    taken = current_app.extensions.get(_QUERY_NAMES, {}).get((path, method))
    unknown = sorted(name for name in request.args if taken is not None and name not in taken)
    if not unknown:
        return
    listed = f"This route takes: {', '.join(taken)}." if taken else "This route takes no query parameters."
    named = "; ".join(f"`{name}`{_perhaps(name, taken or ())}" for name in unknown)
    raise ProblemError(
        "unknown_parameter", f"Not a parameter of this route, and nothing was applied: {named}. {listed}", 422
    )


def _takes(mimetype: str, accepted: tuple[str, ...]) -> bool:
    if "application/json" in accepted and (mimetype == "application/json" or mimetype.endswith("+json")):
        return True
    return mimetype in accepted or ("multipart/form-data" in accepted and mimetype in _FORM_TYPES)


def check_media_type() -> None:
    """A body the route would not read (JSON sent as text/plain, or with no Content-Type) is a 415, not the
    fields it holds reported missing. An empty body, or a body to a route that takes none, is left to the route."""
    if request.method not in ("POST", "PUT", "PATCH") or request.url_rule is None:
        return
    path = _RULE_PARAMETER.sub(r"{\1}", request.url_rule.rule)
    accepted = current_app.extensions.get(_BODY_TYPES, {}).get((path, request.method))
    if not accepted or _takes(request.mimetype, accepted):
        return
    # a body of unknown length (chunked) is asked for one byte, not read whole: any byte makes it a 415
    if not request.content_length and not request.stream.read(1):
        return
    ways = []
    if "application/json" in accepted:
        ways.append("JSON with `Content-Type: application/json`")
    if "multipart/form-data" in accepted:
        ways.append("a file upload as `Content-Type: multipart/form-data`")
    ways += [f"`Content-Type: {t}`" for t in accepted if t not in ("application/json", "multipart/form-data")]
    given = f"`{request.mimetype}`" if request.mimetype else "no Content-Type"
    raise ProblemError(
        "unsupported_media_type",
        f"The body was sent with {given}, which this route does not read: send it as {' or '.join(ways)}.",
        415,
    )


def install(app: Flask) -> None:
    app.before_request(check_request)
