"""Nullable nested objects in /openapi.json as ``allOf: [$ref] + nullable``.

apispec writes a nested schema that may be null as
``anyOf: [{type: object, nullable: true}, {$ref}]``. A client generator
(openapi-python-client, for one) then reads any object as the first, empty
variant, so ``job.output`` and ``job.error`` came back without their fields.
``{allOf: [{$ref}], nullable: true}`` says the same thing in the form those
generators read as "this object, or null".
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Api

_NULL_OBJECT = {"type": "object", "nullable": True}


def nullable_ref_as_all_of(self: Any, field: Any, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    variants = ret.get("anyOf")
    if not (getattr(field, "allow_none", False) and isinstance(variants, list) and _NULL_OBJECT in variants):
        return {}
    del ret["anyOf"]
    return {"allOf": [v for v in variants if v != _NULL_OBJECT], "nullable": True}


def install(api: Api) -> None:
    """Call before any blueprint is registered: the converter runs as schemas are documented."""
    api.ma_plugin.converter.add_attribute_function(nullable_ref_as_all_of)
