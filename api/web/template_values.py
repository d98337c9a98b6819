"""A template's "Make one video" form refused: which of its value fields the refusal concerns, and what to
say there.

The API names a variable itself when it refuses a value (``errors.variable``); the checks the filled job
then goes through name a field of the job instead (``overlays[0].text``, or only a code such as
``voice_language_mismatch``). The template's body says which variable stands in that field, so the
sentence goes beside that variable's input. A path is never shown: it is the program's word for the field.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from api.web.job_form import FIELD_OF_CODE as JOB_FIELD_OF_CODE
from api.web.messages import value_sentence
from api.web.public_api import ApiRefused
from domain.templates import ParsedBody, path_text

#: the job body's field a new-video form field stands for, where a refusal names only its code
BODY_PATH_OF_FIELD = {
    "script": "script",
    "voice": "voice",
    "transcript": "transcript",
    "lower_third": "overlays[0].text",
}
#: "overlays[0].text: " or "Variable 'script': " at the start of a detail written for programs
_NAMED_PREFIX = re.compile(r"^(?:Variable '[a-z0-9_]+': |[A-Za-z_][\w.\[\]]*\[\d+\][\w.\[\]]*: )")


def value_errors(refused: ApiRefused, template: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """{``var.<name>``: {code, message}} for the variable the refusal concerns, else {``render``: …}."""
    variables = {v["name"]: v for v in template.get("variables") or []}
    name = _variable_of(refused, template.get("body") or {}, variables)
    detail = _NAMED_PREFIX.sub("", refused.detail)
    if name is None:
        return {"render": {"code": refused.code, "message": value_sentence(refused.code, None, detail)}}
    return {f"var.{name}": {"code": refused.code, "message": value_sentence(refused.code, variables[name], detail)}}


def _variable_of(refused: ApiRefused, body: Mapping[str, Any], variables: Mapping[str, Any]) -> str | None:
    errors = refused.errors if isinstance(refused.errors, dict) else {}
    if errors.get("variable") in variables:
        return str(errors["variable"])
    paths = _paths(errors)
    if refused.code in JOB_FIELD_OF_CODE and JOB_FIELD_OF_CODE[refused.code] in BODY_PATH_OF_FIELD:
        paths.append(BODY_PATH_OF_FIELD[JOB_FIELD_OF_CODE[refused.code]])
    # the stored body passed the bound on its size when it was saved: here it is only read for its slots
    slots = {path_text(path): slot for path, slot in ParsedBody.parse(body, sys.maxsize).slots.items()}
    for path in paths:
        names = [n for n in (slots[path].uses if path in slots else ()) if n in variables]
        if names:
            return names[0]
    return None


def _paths(errors: Mapping[str, Any], at: tuple[str | int, ...] = ()) -> list[str]:
    """The fields an ``errors`` map names, as paths: its flat keys (``overlays[0].text``), and a schema's nested
    ones (``{"overlays": {"0": {"text": […]}}}``)."""
    found = []
    for key, value in errors.items():
        path = (*at, int(key) if str(key).isdigit() else str(key))
        found.append(path_text(path))
        if isinstance(value, Mapping):
            found.extend(_paths(value, path))
    return found
