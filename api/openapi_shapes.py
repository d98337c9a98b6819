"""How /openapi.json says two things that apispec and flask-smorest leave to us.

Nullable nested objects: apispec writes a nested schema that may be null as
``anyOf: [{type: object, nullable: true}, {$ref}]``. A client generator
(openapi-python-client, for one) then reads any object as the first, empty
variant, so ``job.output`` and ``job.error`` came back without their fields.
``{allOf: [{$ref}], nullable: true}`` says the same thing in the form those
generators read as "this object, or null".

Refusals before the app: the HTTP server refuses a request line longer than
4 KB (414), too many or too large headers (431) and a request that arrives too
slowly (408) before Flask sees the request; it answers them as problem+json too (``api/server.ProblemWorker``).
Every operation documents those answers, so a client (and a contract test)
knows they can come; and every /v1 operation that takes no query parameters,
the 422 ``unknown_parameter`` a query string sent to it gets.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask_smorest import Api

_NULL_OBJECT = {"type": "object", "nullable": True}


def nullable_ref_as_all_of(self: Any, field: Any, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    variants = ret.get("anyOf")
    if not (getattr(field, "allow_none", False) and isinstance(variants, list) and _NULL_OBJECT in variants):
        return {}
    del ret["anyOf"]
    return {"allOf": [v for v in variants if v != _NULL_OBJECT], "nullable": True}


class ServerRefusals(BasePlugin):
    """Documents, on every operation, what gunicorn answers before the app does."""

    PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    RESPONSES = {
        "414": {
            "description": "`uri_too_long`: the request line (method, path and query) is over 4 KB; "
            "answered by the HTTP server.",
            "content": PROBLEM,
        },
        "408": {
            "description": "`request_timeout`: the request came slower than the server reads one (its head within "
            "TALKFARM_API_READ_GRACE_S, then TALKFARM_API_READ_MIN_BYTES_PER_S); answered by the HTTP server, "
            "the connection closed.",
            "content": PROBLEM,
        },
        "431": {
            "description": "`headers_too_large`: the request's headers are too many or too large; "
            "answered by the HTTP server.",
            "content": PROBLEM,
        },
    }

    NO_QUERY = {
        "description": "`unknown_parameter`: a query parameter was sent to a route that takes none "
        "(api.request_bounds.check_query_names).",
        "content": PROBLEM,
    }

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for status, response in self.RESPONSES.items():
                responses.setdefault(status, response)
            takes_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
            if (path or "").startswith("/v1/") and not takes_query:
                responses.setdefault("422", self.NO_QUERY)


def install(api: Api) -> None:
    """Call before any blueprint is registered: the converter runs as schemas are documented."""
    api.ma_plugin.converter.add_attribute_function(nullable_ref_as_all_of)
