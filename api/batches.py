"""/v1/batches: many jobs at once, all or nothing.

A batch arrives as JSON (``{"jobs": [...]}``) or as an uploaded CSV or JSONL
file of rows with shared settings. Every item is checked before anything is
created; one bad item refuses the whole batch, with the errors listed by
item index. A ``template`` with ``{{variables}}`` fills each row's script.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g, request
from marshmallow import Schema, ValidationError, fields, validate

from api import intake, template_batches
from api.arguments import Blueprint
from api.batch_rows import (
    BATCH_LOOK_UPS,
    MAX_ITEMS,
    create_jobs,
    form_defaults,
    named_rows,
    refuse_rows,
    webhook_checker,
)
from api.context import ctx
from api.ownership import owned
from api.preconditions import LOCATION_HEADER
from api.problems import validation_code, validation_detail
from api.schemas import Cursor, JobSpecSchema, JsonDocument, StrictSchema, Text
from domain.documents import batch_document, batch_summaries
from domain.errors import ProblemError
from domain.models import Batch, Tenant
from domain.templates import PLACEHOLDER, ParsedTemplate
from media.errors import MediaError
from media.tts import look_up_budget
from tasks.webhook_lookups import BUSY_DOC, LookupBusy

blp = Blueprint("batches", __name__, url_prefix="/v1/batches", description="Many jobs at once")


class BatchCreateSchema(StrictSchema):
    jobs = fields.List(
        fields.Dict(),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Job specs (as POST /v1/jobs takes), or rows of template variables."},
    )
    defaults = fields.Dict(
        load_default=dict, metadata={"description": "Settings every item shares; an item's own win."}
    )
    template = Text(
        max_length=None,
        free_text=True,
        load_default=None,
        allow_none=True,
        metadata={"description": "Script with {{variables}} filled from each item's `variables`."},
    )
    metadata = JsonDocument(load_default=dict)


class BatchSchema(Schema):
    id = fields.String()
    size = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    job_ids = fields.List(fields.String())
    metadata = fields.Dict()
    created_at = fields.String()
    completed_at = fields.String(allow_none=True)


def _as_item(row: dict[str, Any], template: str | None) -> dict[str, Any]:
    """A CSV/JSONL row: job fields stay fields; anything else is a template variable."""
    spec_fields = set(JobSpecSchema().fields)
    item = {k: v for k, v in row.items() if k in spec_fields}
    variables = row.get("variables") or {k: v for k, v in row.items() if k not in spec_fields}
    if template and variables:
        item["variables"] = variables
    return item


def _file_items(upload, template: str | None) -> list[dict[str, Any]]:
    """An uploaded file's rows as items, a CSV's columns matched to the job's fields and the template's
    placeholders as a template batch's are ("Script" and " Avatar " fill script and avatar)."""
    names = [*JobSpecSchema().fields, *PLACEHOLDER.findall(template or "")]
    return [_as_item(row, template) for row in named_rows(upload, names)]


def _merge(defaults: dict, item: dict) -> dict:
    merged = {**defaults, **item}
    if isinstance(defaults.get("params"), dict) and isinstance(item.get("params"), dict):
        merged["params"] = {**defaults["params"], **item["params"]}
    return merged


class BatchSummarySchema(Schema):
    id = fields.String()
    size = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    metadata = fields.Dict()
    created_at = fields.String()
    completed_at = fields.String(allow_none=True)


class BatchListSchema(Schema):
    items = fields.List(fields.Nested(BatchSummarySchema))
    next_cursor = fields.String(allow_none=True)


class BatchListQuerySchema(StrictSchema):
    cursor = Cursor("bat", load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@blp.route("", methods=["GET"])
@blp.arguments(BatchListQuerySchema, location="query")
@blp.response(200, BatchListSchema)
def list_batches(query):
    """List batches, newest first, with their jobs' counts by status; pass `next_cursor` back as `cursor`."""
    with ctx().sessions() as session:
        stmt = sa.select(Batch).where(Batch.tenant_id == g.tenant_id)
        if query["cursor"]:
            stmt = stmt.where(Batch.id < query["cursor"])
        rows = list(session.scalars(stmt.order_by(Batch.id.desc()).limit(query["limit"] + 1)))
        items = batch_summaries(session, rows[: query["limit"]])
    next_cursor = rows[query["limit"] - 1].id if len(rows) > query["limit"] else None
    return {"items": items, "next_cursor": next_cursor}


@blp.route("", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/BatchCreate"},
                        {"$ref": "#/components/schemas/TemplateBatchCreate"},
                    ]
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "defaults": {"type": "string", "description": "JSON object of shared settings"},
                        "template": {"type": "string"},
                        "template_id": {
                            "type": "string",
                            "description": "A stored template: the file's columns are its variables",
                        },
                        "version": {"type": "integer"},
                    },
                }
            },
        },
    }
)
@blp.response(201, BatchSchema, headers=LOCATION_HEADER)
@blp.alt_response(413, response="Problem")
@blp.alt_response(422, response="Problem", description="Some items are invalid: `errors` lists them by index")
@blp.alt_response(429, response="Problem")
@blp.alt_response(503, response="Problem", description=BUSY_DOC)
def create_batch():
    """Create up to 1,000 jobs at once. JSON body, or multipart `file` (CSV/JSONL) with form fields
    `defaults` (JSON) and `template`. From a stored template: JSON `{template_id, version?, rows}`, or the
    multipart `file` with form field `template_id`, its columns the template's variables."""
    document = _create_batch()
    return document, 201, {"Location": f"/v1/batches/{document['id']}"}


def _create_batch() -> dict[str, Any]:
    c = ctx()
    if request.mimetype == "multipart/form-data" and request.form.get("template_id"):
        return template_batches.from_upload()
    if (
        request.mimetype != "multipart/form-data"
        and isinstance(payload := request.get_json(silent=True), dict)
        and "template_id" in payload
    ):
        return template_batches.from_rows(payload)
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ProblemError("batch_file_missing", "Send the CSV or JSONL as the multipart field `file`.", 422)
        defaults = form_defaults(request.form)
        template = request.form.get("template") or None
        items = _file_items(upload, template)
        metadata = {}
        if not items:
            raise ProblemError("batch_empty", "The file has no rows.", 422)
    else:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            raise ProblemError("validation_error", 'Send {"jobs": [...]} as JSON, or a CSV/JSONL file.', 422)
        if isinstance(payload.get("jobs"), list) and len(payload["jobs"]) > MAX_ITEMS:  # before validating each
            raise ProblemError(
                "batch_too_large", f"A batch holds at most {MAX_ITEMS} jobs; this one has {len(payload['jobs'])}.", 413
            )
        try:
            body = BatchCreateSchema().load(payload)
        except ValidationError as exc:
            raise ProblemError(
                validation_code(exc.messages), validation_detail(exc.messages), 422, errors=exc.messages
            ) from None
        items, defaults, template, metadata = body["jobs"], body["defaults"], body["template"], body["metadata"]
    if len(items) > MAX_ITEMS:
        raise ProblemError(
            "batch_too_large", f"A batch holds at most {MAX_ITEMS} jobs; this one has {len(items)}.", 413
        )
    if not isinstance(defaults, dict):
        raise ProblemError("validation_error", "`defaults` must be a JSON object.", 422)

    # parsed once, and every item's filled length known before it is built (domain/templates.py)
    parsed = ParsedTemplate.parse(template, c.settings.max_script_chars) if template is not None else None
    check_webhook = webhook_checker(items, defaults, g.tenant_id)
    errors: dict[str, Any] = {}
    checked: list[intake.Intake] = []
    schema = JobSpecSchema()
    with c.sessions() as session, look_up_budget(BATCH_LOOK_UPS):
        tenant = session.get(Tenant, g.tenant_id)
        assert tenant is not None  # the tenant of the key this request was signed in with
        for index, item in enumerate(items):
            try:
                item = dict(item)
                variables = item.pop("variables", None)
                if variables is not None and not isinstance(variables, dict):
                    raise ProblemError("validation_error", "`variables` must be a JSON object.", 422)
                if parsed is not None:
                    if "script" not in item:
                        item["script"] = parsed.fill(variables or {})
                elif variables is not None:
                    raise ProblemError(
                        "template_missing", "This item has variables but the batch has no template.", 422
                    )
                spec = schema.load(_merge(defaults, item))
                checked.append(intake.check_spec(session, c.settings, tenant, spec, check_webhook=check_webhook))
            except ValidationError as exc:
                errors[str(index)] = {"code": validation_code(exc.messages), "fields": exc.messages}
            except LookupBusy:
                raise  # the whole batch's 503, not this item's fault
            except (ProblemError, MediaError) as exc:
                errors[str(index)] = {"code": exc.code, "detail": exc.detail}
        refuse_rows(errors, len(items))
        return create_jobs(session, tenant, checked, metadata)


@blp.route("/<batch_id>", methods=["GET"])
@blp.response(200, BatchSchema)
@blp.alt_response(404, response="Problem")
def get_batch(batch_id):
    """A batch's jobs and their counts by status."""
    with ctx().sessions() as session:
        return batch_document(session, owned(session, Batch, batch_id))
