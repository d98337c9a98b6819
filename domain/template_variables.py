"""A template's declared variables, and the values a render gives them.

A variable has a name (``^[a-z][a-z0-9_]{0,63}$``), a type (``text``,
``image``, ``video``, ``audio``, ``voice``, ``color``), whether it is
required, and an optional default. Where a placeholder may stand is decided
by the field that holds it: text fields take text, asset fields take assets,
``voice`` a voice, colour fields a colour; an asset, voice or colour
placeholder is the whole field (``"avatar": "{{face}}"``, never
``"ast_{{n}}"``), because half an id names nothing.

Every refusal of a value names the variable: ``variable_missing``,
``variable_unknown``, ``variable_type``. What needs the database (an
asset's purpose) or media (a voice in the catalogue, a text's fit) is
checked above, in ``api/template_checks.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from domain.errors import ProblemError
from domain.templates import ParsedBody, Path, path_text, template_invalid

VARIABLE_TYPES = ("text", "image", "video", "audio", "voice", "color")
VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_VARIABLES = 50
#: the longest text value: a script's limit bounds the script itself; an overlay's is far shorter
MAX_TEXT_VALUE_CHARS = 20_000
_COLOUR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_ASSET_ID = re.compile(r"ast_[0-9a-z]{1,60}")

#: the field (a string's key) a placeholder may stand in -> the variable types it takes
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "script": ("text",),
    "transcript": ("text",),
    "text": ("text",),
    "language": ("text",),
    "title": ("text",),
    "voice": ("voice",),
    "avatar": ("image",),
    "audio_asset_id": ("audio",),
    "logo_asset_id": ("image",),
    "asset_id": ("image", "video", "audio"),
    "color": ("color",),
    "background_color": ("color",),
    "highlight_color": ("color",),
}
#: types whose placeholder must be the whole field
WHOLE_FIELD_TYPES = ("image", "video", "audio", "voice", "color")


def may_hold_placeholder(path: Path) -> bool:
    """A string field of the job contract: its key is one of FIELD_TYPES (not a list item, not metadata)."""
    return bool(path) and isinstance(path[-1], str) and path[-1] in FIELD_TYPES and path[0] != "metadata"


def check_declaration(body: Any, variables: Any, max_chars: int) -> tuple[ParsedBody, list[dict[str, Any]]]:
    """The template's body parsed, and its variables as stored, each against the other: 422 ``template_invalid`` for a bad
    declaration or a placeholder where none may stand, ``template_variable_unknown`` for a placeholder
    not declared, ``template_variable_unused`` for a variable no placeholder uses."""
    if not isinstance(body, Mapping):
        raise template_invalid("body", "must be a job body (a JSON object).")
    declared = normalise_declaration(variables)
    parsed = ParsedBody.parse(body, max_chars, may_hold_placeholder)
    by_name = {v["name"]: v for v in declared}
    for path, slot in parsed.slots.items():
        field = str(path[-1])
        for name in slot.uses:
            if name not in by_name:
                raise ProblemError(
                    "template_variable_unknown",
                    f"{path_text(path)}: {{{{{name}}}}} is not declared in `variables`.",
                    422,
                    errors={"variable": name},
                )
            kind = by_name[name]["type"]
            if kind not in FIELD_TYPES[field]:
                raise template_invalid(
                    path, f"{{{{{name}}}}} is a {kind} variable; {field} takes {' or '.join(FIELD_TYPES[field])}."
                )
            if kind in WHOLE_FIELD_TYPES and (len(slot.names) != 1 or any(slot.pieces)):
                raise template_invalid(path, f"a {kind} placeholder must be the whole field ({{{{{name}}}}}).")
    used = parsed.names
    unused = [v["name"] for v in declared if v["name"] not in used]
    if unused:
        raise ProblemError(
            "template_variable_unused",
            f"Variable {unused[0]!r} is declared but no placeholder uses it.",
            422,
            errors={"variable": unused[0]},
        )
    return parsed, declared


def normalise_declaration(variables: Any) -> list[dict[str, Any]]:
    """The declared variables as stored: name, type, required, default (None: none), label."""
    if not isinstance(variables, list) or len(variables) > MAX_VARIABLES:
        raise template_invalid("variables", f"must be a list of at most {MAX_VARIABLES} variables.")
    out: list[dict[str, Any]] = []
    for index, raw in enumerate(variables):
        where = f"variables[{index}]"
        if not isinstance(raw, Mapping) or set(raw) - {"name", "type", "required", "default", "label"}:
            raise template_invalid(where, "a variable is {name, type, required, default?, label?}.")
        name = raw.get("name")
        if not isinstance(name, str) or not VARIABLE_NAME.fullmatch(name):
            shown = (
                repr(name[:40]) + ("…" if len(name) > 40 else "")
                if isinstance(name, str)
                else repr(type(name).__name__)
            )
            raise template_invalid(
                f"{where}.name", f"{shown} is not a variable name: 1 to 64 of a-z, 0-9 and _, starting with a letter."
            )
        if any(v["name"] == name for v in out):
            raise template_invalid(f"{where}.name", f"{name!r} is declared twice.")
        kind = raw.get("type")
        if kind not in VARIABLE_TYPES:
            raise template_invalid(f"{where}.type", f"must be one of {', '.join(VARIABLE_TYPES)}.")
        required = raw.get("required", True)
        if not isinstance(required, bool):
            raise template_invalid(f"{where}.required", "must be true or false.")
        label = raw.get("label")
        if label is not None and (not isinstance(label, str) or len(label) > 200):
            raise template_invalid(f"{where}.label", "must be a string of at most 200 characters.")
        variable = {"name": name, "type": kind, "required": required, "default": None, "label": label}
        if raw.get("default") is not None:
            try:
                variable["default"] = check_value(variable, raw["default"])
            except ProblemError as refused:
                raise template_invalid(f"{where}.default", refused.detail) from None
        out.append(variable)
    return out


def check_value(variable: Mapping[str, Any], value: Any) -> str:
    """A value's shape for its type (422 ``variable_type`` naming the variable); returned as text."""
    name, kind = variable["name"], variable["type"]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and kind == "text":
        value = str(value)
    if not isinstance(value, str):
        raise variable_problem("variable_type", name, f"a {kind} variable takes a string, not {type(value).__name__}.")
    if kind == "text" and len(value) > MAX_TEXT_VALUE_CHARS:
        raise variable_problem("variable_type", name, f"at most {MAX_TEXT_VALUE_CHARS} characters; got {len(value)}.")
    if kind == "color" and not _COLOUR.fullmatch(value):
        raise variable_problem("variable_type", name, f'a color is "#rrggbb" or "#rgb"; got {value[:40]!r}.')
    if kind in ("image", "video", "audio") and not _ASSET_ID.fullmatch(value):
        raise variable_problem(
            "variable_type", name, f"an {kind} variable takes an asset id (ast_…); got {value[:40]!r}."
        )
    if kind == "voice" and not (0 < len(value) <= 100):
        raise variable_problem("variable_type", name, "a voice is a name from GET /v1/catalog.")
    return value


def resolve_values(declared: list[Mapping[str, Any]], given: Any) -> dict[str, str]:
    """Every variable's value: the one given, else its default. 422 ``variable_unknown`` for a name not
    declared, ``variable_missing`` for a required one with neither, ``variable_type`` for a bad shape."""
    if not isinstance(given, Mapping):
        raise ProblemError("validation_error", "`variables` must be a JSON object.", 422)
    by_name = {v["name"]: v for v in declared}
    unknown = [name for name in given if name not in by_name]
    if unknown:
        raise variable_problem(
            "variable_unknown", str(unknown[0])[:64], f"this template's variables are {', '.join(by_name) or 'none'}."
        )
    values: dict[str, str] = {}
    for variable in declared:
        name = variable["name"]
        if given.get(name) is not None:
            values[name] = check_value(variable, given[name])
        elif variable["default"] is not None:
            values[name] = variable["default"]
        elif variable["required"]:
            raise variable_problem("variable_missing", name, "required, and it has no default.")
        else:  # optional without a default: its placeholders become empty text
            values[name] = ""
    return values


def variable_problem(code: str, name: str, detail: str, status: int = 422, **extra: Any) -> ProblemError:
    """A refusal that names the variable: in ``detail`` and as ``errors.variable``."""
    return ProblemError(code, f"Variable {name!r}: {detail}", status, errors={"variable": name, **extra})


def csv_header(declared: list[Mapping[str, Any]]) -> list[str]:
    """The columns a batch's CSV fills: required variables first, each group in declared order."""
    return [v["name"] for v in declared if v["required"]] + [v["name"] for v in declared if not v["required"]]
