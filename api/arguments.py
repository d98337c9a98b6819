"""flask-smorest's Blueprint, reading query strings strictly: a single-valued parameter given twice is refused
(422) rather than read as its first value (``?status=queued&status=canceled`` would list the queued ones only). A
parameter a route does not take is refused before any route runs, by ``api.request_bounds.check_query_names``,
from the spec (webargs loads every query with ``unknown=EXCLUDE`` whatever the schema says)."""

from __future__ import annotations

from typing import Any

import flask_smorest
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser

from api.schemas import refusal


class StrictQueryParser(FlaskParser):
    def load_querystring(self, req, schema: Schema) -> Any:
        args = self._makeproxy(req.args, schema)
        errors: dict[str, list[str]] = {}
        for name in req.args:
            if name not in args.multiple_keys and len(given := req.args.getlist(name)) > 1:
                errors[name] = [refusal("parameter_repeated", f"Given {len(given)} times; give it once.")]
        if errors:
            raise ValidationError(errors)
        return args


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # flask-smorest ships no type hints
    """Every /v1 blueprint with query arguments is one of these (tests/unit/api/test_strict_requests.py)."""

    ARGUMENTS_PARSER = StrictQueryParser()
