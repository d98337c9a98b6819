"""flask-smorest's Blueprint, reading query strings strictly: a parameter the route does not take, or one given
twice where it takes one value, is refused (422) rather than ignored. webargs loads every query with
``unknown=EXCLUDE`` whatever the schema says, so ``?stauts=failed`` would list every job; and it keeps the first
of repeated values, so ``?status=queued&status=canceled`` would list the queued ones only."""

from __future__ import annotations

from typing import Any

import flask_smorest
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser

from api.schemas import refusal, unknown_name_hint


class StrictQueryParser(FlaskParser):
    def load_querystring(self, req, schema: Schema) -> Any:
        args = self._makeproxy(req.args, schema)
        taken = [field.data_key or name for name, field in schema.load_fields.items()]
        errors: dict[str, list[str]] = {}
        for name in req.args:
            if name not in taken:
                listed = ", ".join(sorted(taken)) or "none"
                errors[name] = [
                    refusal(
                        "unknown_parameter",
                        f"Not a parameter of this route; it was not applied.{unknown_name_hint(name, taken)} "
                        f"This route takes: {listed}.",
                    )
                ]
            elif name not in args.multiple_keys and len(given := req.args.getlist(name)) > 1:
                errors[name] = [refusal("parameter_repeated", f"Given {len(given)} times; give it once.")]
        if errors:
            raise ValidationError(errors)
        return args


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # flask-smorest ships no type hints
    """Every /v1 blueprint with query arguments is one of these (tests/unit/api/test_strict_requests.py)."""

    ARGUMENTS_PARSER = StrictQueryParser()
