"""The page's only way to the farm: the public JSON API, called in-process.

A call is a WSGI request to this same Flask app (no socket, no second
process), carrying the signed-in caller in the environ key
``talkfarm.principal``; only in-process code can set an environ key without
the ``HTTP_`` prefix, so the network cannot forge it. The API authenticates,
validates and answers as it does for curl, and its problem+json becomes an
``ApiRefused`` the page shows next to the field concerned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.test import Client
from werkzeug.wrappers import Response

from api.auth import PAGE_PRINCIPAL_ENVIRON as PRINCIPAL_ENVIRON


@dataclass
class ApiRefused(Exception):
    """A problem+json answer: status, stable code, detail, and per-field errors if any."""

    status: int
    code: str
    detail: str
    errors: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass
class ApiAnswer:
    status: int
    body: Any
    headers: dict[str, str]
    raw: bytes = b""  # the body's bytes, for an answer that is not JSON (a preview's PNG)


def _this_app() -> Flask:
    """The app behind the ``current_app`` proxy: the WSGI application the call goes to."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def call(
    method: str,
    path: str,
    *,
    json: Any = None,
    data: dict | None = None,
    query: dict | None = None,
    headers: dict[str, str] | None = None,
) -> ApiAnswer:
    """One API request as the signed-in caller; raises ``ApiRefused`` for any 4xx/5xx."""
    client = Client(_this_app(), Response, use_cookies=False)
    response = client.open(
        path,
        method=method,
        json=json,
        data=data,
        query_string=query,
        headers=headers or {},
        environ_overrides={PRINCIPAL_ENVIRON: g.page_principal},
    )
    body = response.get_json(silent=True) if response.data else None
    answer_headers = {k: v for k, v in response.headers.items()}
    if response.status_code >= 400:
        body = body if isinstance(body, dict) else {}
        raise ApiRefused(
            response.status_code,
            body.get("code") or "http_error",
            body.get("detail") or body.get("title") or "The request was refused.",
            body.get("errors"),
            answer_headers,
        )
    return ApiAnswer(response.status_code, body, answer_headers, response.data)


def get(path: str, **query: Any) -> Any:
    return call("GET", path, query={k: v for k, v in query.items() if v is not None}).body


def post(path: str, json: Any = None, **kwargs: Any) -> Any:
    return call("POST", path, json=json, **kwargs).body


def forward_upload(
    path: str, empty_message: str, field: str = "file", purpose: str | None = None
) -> tuple[Any, dict[str, str] | None]:
    """The browser's file in ``field`` POSTed on to the API at ``path`` (with the asset's ``purpose``, if
    given): (the API's document, None), or (None, the error to show: ``asset_empty`` with ``empty_message``
    when no file was chosen)."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None, {"code": "asset_empty", "message": empty_message}
    data: dict[str, Any] = {"file": (upload.stream, upload.filename, upload.mimetype)}
    if purpose:
        data["purpose"] = purpose
    try:
        return call("POST", path, data=data).body, None
    except ApiRefused as refused:
        return None, {"code": refused.code, "message": refused.detail}


def raw_get(path: str) -> Response:
    """A GET whose body is not JSON (a signed file link on this same host)."""
    client = Client(_this_app(), Response, use_cookies=False)
    return client.get(path, environ_overrides={PRINCIPAL_ENVIRON: g.page_principal})
