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
from api.batch_header import listed, match_header
from api.batch_rows import (
    BATCH_LOOK_UPS,
    MAX_ITEMS,
    create_jobs,
    form_defaults,
    refuse_rows,
    rows_and_header,
    webhook_checker,
    with_columns,
)
from api.context import ctx
from api.problems import validation_code, validation_detail
from api.schemas import Id, JsonDocument, StrictSchema
from api.template_render import MAX_TEMPLATE_VERSION, VERSION_RANGE, TemplateRenderer, template_version
from domain.errors import ProblemError
from domain.models import Tenant
from media.errors import MediaError
from media.tts import look_up_budget
from tasks.webhook_lookups import LookupBusy

#: a row's own job fields, beside its variables (a variable of the same name wins)
ROW_FIELDS = ("priority", "draft", "webhook_url", "title", "metadata")


class TemplateBatchCreateSchema(StrictSchema):
    template_id = Id(required=True)
    version = fields.Integer(
        load_default=None,
        validate=VERSION_RANGE,
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
        raise ProblemError(
            validation_code(exc.messages), validation_detail(exc.messages), 422, errors=exc.messages
        ) from None
    return _create(body["template_id"], body["version"], body["rows"], body["defaults"], body["metadata"], None)


def from_upload() -> dict[str, Any]:
    """Multipart: ``file`` (CSV or JSONL), ``template_id``, and optionally ``version`` and ``defaults`` (JSON)."""
    upload = request.files.get("file")
    if upload is None:
        raise ProblemError("batch_file_missing", "Send the CSV or JSONL as the multipart field `file`.", 422)
    version = request.form.get("version") or None
    if version is not None and not (re.fullmatch(r"[1-9][0-9]{0,9}", version) and int(version) <= MAX_TEMPLATE_VERSION):
        raise ProblemError("validation_error", f"`version` must be a version number, 1 to {MAX_TEMPLATE_VERSION}.", 422)
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
        with look_up_budget(BATCH_LOOK_UPS):
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
    the header), matched as people head spreadsheets (api/batch_header.py). The header is refused, once and
    before any row is read, for a column that is neither a variable nor a row field, two columns that fill
    the same name, or a required variable (one without a default) it has no column for: a person fixes the
    header, not every row."""
    names = [v["name"] for v in variables]
    match = match_header(header, [*names, *ROW_FIELDS], rows)
    missing = [v["name"] for v in variables if v["required"] and v["default"] is None and v["name"] not in match.filled]
    if not match.unknown and not match.twice and not missing and match.filled & set(names):
        return match.columns
    faults = []
    unknown = match.unknown
    if unknown and not unknown[0].strip():
        faults.append(f"A column without a heading holds values: head it with one of ({', '.join(names)}).")
    elif unknown:
        faults.append(f"Column {unknown[0][:64]!r} is not a variable of this template ({', '.join(names)}).")
    faults.extend(match.twice_faults())
    if missing:
        faults.append(f"The header lacks the {listed(missing)} that every row needs (required, with no default).")
    if not faults:  # every variable optional, and none named
        faults.append(f"The header names none of this template's variables ({', '.join(names)}).")
    faults.append(f"GET /v1/templates/{template_id}/csv gives the header to fill.")
    errors: dict[str, Any] = {"variables": names}
    if unknown:
        errors["unknown_columns"] = [u[:64] for u in unknown[:20]]
    if missing:
        errors["missing_columns"] = missing
    raise match.refused(faults, errors)


def _row_error(exc: ProblemError | MediaError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "detail": exc.detail}
    extra = getattr(exc, "errors", None)
    if isinstance(extra, dict) and "variable" in extra:
        error["variable"] = extra["variable"]
    elif extra is not None:
        error["fields"] = extra
    return error
