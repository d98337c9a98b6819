"""Batches from a stored template: POST /v1/batches with ``template_id`` and
rows of values, as JSON ``{"rows": [...]}`` or an uploaded CSV whose columns
are the template's variables (GET /v1/templates/{id}/csv gives the header).

The version is parsed once and rendered for every row; every row is checked
before anything is created, and the refusals come back by row index, each
naming its variable. The jobs are admitted as any batch's are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import g, request
from marshmallow import ValidationError, fields, validate

from api import intake
from api.batch_rows import (
    MAX_ITEMS,
    create_jobs,
    form_defaults,
    refuse_rows,
    rows_and_header,
    webhook_checker,
    with_columns,
)
from api.context import ctx
from api.problems import validation_code
from api.schemas import Id, JsonDocument, StrictSchema
from api.template_render import TemplateRenderer, template_version
from domain.errors import ProblemError
from domain.models import Tenant
from media.errors import MediaError
from tasks.webhook_lookups import LookupBusy

#: a row's own job fields, beside its variables (a variable of the same name wins)
ROW_FIELDS = ("priority", "draft", "webhook_url", "title", "metadata")


class TemplateBatchCreateSchema(StrictSchema):
    template_id = Id(required=True)
    version = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "The template's version (default: its newest)."},
    )
    rows = fields.List(
        fields.Dict(),
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "One object per job: variable name → value (plus, optionally, priority, draft, "
            "webhook_url, title, metadata)."
        },
    )
    defaults = fields.Dict(
        load_default=dict,
        metadata={"description": "priority, draft, webhook_url, title or metadata every row shares; a row's own win."},
    )
    metadata = JsonDocument(load_default=dict, metadata={"description": "The batch's own metadata."})


def from_rows(payload: Mapping[str, Any]) -> dict[str, Any]:
    """JSON ``{template_id, version?, rows, defaults?, metadata?}``."""
    if isinstance(payload.get("rows"), list) and len(payload["rows"]) > MAX_ITEMS:  # before validating each
        raise ProblemError(
            "batch_too_large", f"A batch holds at most {MAX_ITEMS} jobs; this one has {len(payload['rows'])}.", 413
        )
    try:
        body = TemplateBatchCreateSchema().load(payload)
    except ValidationError as exc:
        raise ProblemError(validation_code(exc.messages), "The batch is not valid.", 422, errors=exc.messages) from None
    return _create(body["template_id"], body["version"], body["rows"], body["defaults"], body["metadata"], None)


def from_upload() -> dict[str, Any]:
    """Multipart: ``file`` (CSV or JSONL), ``template_id``, and optionally ``version`` and ``defaults`` (JSON)."""
    upload = request.files.get("file")
    if upload is None:
        raise ProblemError("batch_file_missing", "Send the CSV or JSONL as the multipart field `file`.", 422)
    version = request.form.get("version") or None
    if version is not None and not re.fullmatch(r"[1-9][0-9]{0,8}", version):
        raise ProblemError("validation_error", "`version` must be a version number.", 422)
    defaults = form_defaults(request.form)
    template_id = request.form["template_id"]
    rows, header = rows_and_header(upload)
    return _create(template_id, int(version) if version else None, rows, defaults, {}, header)


def _create(
    template_id: str,
    version: int | None,
    rows: list[dict[str, Any]],
    defaults: dict[str, Any],
    metadata: dict[str, Any],
    header: list[str] | None,
) -> dict[str, Any]:
    c = ctx()
    with c.sessions() as session:
        _, row = template_version(session, template_id, version)
        names = [v["name"] for v in row.variables]
        if header is not None:
            rows = with_columns(rows, _header_columns(header, row.variables, template_id, rows))
        if not rows:
            raise ProblemError("batch_empty", "The file has no rows.", 422)
        unknown_defaults = sorted(set(defaults) - set(ROW_FIELDS))
        if unknown_defaults:
            raise ProblemError(
                "validation_error",
                f"`defaults` may set {', '.join(ROW_FIELDS)}; not {unknown_defaults[0][:64]!r}.",
                422,
            )
        tenant = session.get(Tenant, g.tenant_id)
        assert tenant is not None
        renderer = TemplateRenderer.prepare(row, c.settings)
        check_webhook = webhook_checker(rows, defaults, tenant.id)
        errors: dict[str, Any] = {}
        checked: list[intake.Intake] = []
        for index, values in enumerate(rows):
            variables = {k: v for k, v in values.items() if k in names or k not in ROW_FIELDS}
            overrides = {**defaults, **{k: v for k, v in values.items() if k in ROW_FIELDS and k not in names}}
            try:
                checked.append(renderer.render(session, tenant, variables, overrides, check_webhook=check_webhook))
            except LookupBusy:
                raise  # the whole batch's 503, not this row's fault
            except (ProblemError, MediaError) as exc:
                errors[str(index)] = _row_error(exc)
        refuse_rows(errors, len(rows))
        return create_jobs(session, tenant, checked, metadata)


def _header_columns(
    header: list[str], variables: list[dict[str, Any]], template_id: str, rows: list[dict[str, Any]]
) -> dict[str, str]:
    """Each column of a CSV's header -> the variable or row field it fills (GET /v1/templates/{id}/csv gives
    the header). A column matches a name ignoring case and surrounding spaces, as spreadsheets written by
    people head them ("Script", " Headline "). The header is refused, once and before any row is read, for
    a column that is neither a variable nor a row field, two columns that then fill the same name, or a
    required variable (one without a default) it has no column for: a person fixes the header, not every row.
    A column with no heading and no cell filled (a spreadsheet's trailing comma) is left out."""
    names = [v["name"] for v in variables]
    filling: dict[str, list[str]] = {}  # name -> the columns that fill it
    unknown: list[str] = []
    for column in header:
        if not column.strip() and not any(column in row for row in rows):  # empty cells are not kept in a row
            continue
        name = _folded(column)
        if name in names or name in ROW_FIELDS:
            filling.setdefault(name, []).append(column)
        else:
            unknown.append(column)
    twice = {name: columns for name, columns in filling.items() if len(columns) > 1}
    missing = [v["name"] for v in variables if v["required"] and v["default"] is None and v["name"] not in filling]
    if not unknown and not twice and not missing and any(name in names for name in filling):
        return {columns[0]: name for name, columns in filling.items()}
    faults = []
    if unknown and not unknown[0].strip():
        faults.append(f"A column without a heading holds values: head it with one of ({', '.join(names)}).")
    elif unknown:
        faults.append(f"Column {unknown[0][:64]!r} is not a variable of this template ({', '.join(names)}).")
    for name, columns in twice.items():
        if len(set(columns)) == 1:
            faults.append(f"The column {columns[0][:64]!r} is there {len(columns)} times: keep one.")
        else:
            both = "both" if len(columns) == 2 else "all"
            faults.append(f"The {_listed([c[:64] for c in columns])} {both} fill {name!r}: keep one.")
    if missing:
        faults.append(f"The header lacks the {_listed(missing)} that every row needs (required, with no default).")
    if not faults:  # every variable optional, and none named
        faults.append(f"The header names none of this template's variables ({', '.join(names)}).")
    faults.append(f"GET /v1/templates/{template_id}/csv gives the header to fill.")
    errors: dict[str, Any] = {"variables": names, "columns": [c[:64] for c in header[:60]]}
    if unknown:
        errors["unknown_columns"] = [u[:64] for u in unknown[:20]]
    if twice:
        errors["duplicate_columns"] = {name: [c[:64] for c in columns] for name, columns in twice.items()}
    if missing:
        errors["missing_columns"] = missing
    raise ProblemError("batch_header_invalid", " ".join(faults), 422, errors=errors)


def _folded(column: str) -> str:
    """A column as the name it may spell: without surrounding spaces, and in lower case if it is ASCII (a
    variable name is; folding other letters could make one, as the Kelvin sign K lowers to k)."""
    column = column.strip()
    return column.lower() if column.isascii() else column


def _listed(names: list[str]) -> str:
    """'headline', or 'headline' and 'story', or 'a', 'b' and 'c' (columns, as a refusal names them)."""
    quoted = [repr(n) for n in names]
    noun = "column" if len(names) == 1 else "columns"
    return f"{noun} {quoted[0]}" if len(quoted) == 1 else f"{noun} {', '.join(quoted[:-1])} and {quoted[-1]}"


def _row_error(exc: ProblemError | MediaError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "detail": exc.detail}
    extra = getattr(exc, "errors", None)
    if isinstance(extra, dict) and "variable" in extra:
        error["variable"] = extra["variable"]
    elif extra is not None:
        error["fields"] = extra
    return error
