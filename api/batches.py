"""/v1/batches: many jobs at once, all or nothing.

A batch arrives as JSON (``{"jobs": [...]}``) or as an uploaded CSV or JSONL
file of rows with shared settings. Every item is checked before anything is
created; one bad item refuses the whole batch, with the errors listed by
item index. A ``template`` with ``{{variables}}`` fills each row's script.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import sqlalchemy as sa
from flask import g, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from api import intake
from api.context import ctx
from api.ownership import owned
from api.problems import validation_code
from api.request_bounds import loads_bounded
from api.schemas import Id, JobSpecSchema, JsonDocument, StrictSchema, Text
from domain.documents import batch_document, batch_summaries
from domain.errors import ProblemError
from domain.models import Batch, Tenant
from domain.templates import ParsedTemplate
from media.errors import MediaError
from tasks.webhook_targets import check_webhook_url, parse_webhook_url

blp = Blueprint("batches", __name__, url_prefix="/v1/batches", description="Many jobs at once")

MAX_ITEMS = 1000
#: distinct webhook hosts one batch may name: each is resolved (synchronously, inside the request) once
MAX_WEBHOOK_HOSTS = 5


class BatchCreateSchema(StrictSchema):
    jobs = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1),
                       metadata={"description": "Job specs (as POST /v1/jobs takes), or rows of template variables."})
    defaults = fields.Dict(load_default=dict, metadata={"description": "Settings every item shares; an item's own win."})
    template = Text(max_length=None, free_text=True, load_default=None, allow_none=True,
                    metadata={"description": "Script with {{variables}} filled from each item's `variables`."})
    metadata = JsonDocument(load_default=dict)


class BatchSchema(Schema):
    id = fields.String()
    size = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    job_ids = fields.List(fields.String())
    metadata = fields.Dict()
    created_at = fields.String()
    completed_at = fields.String(allow_none=True)


def _rows_from_upload(upload) -> list[dict[str, Any]]:
    raw = upload.read(ctx().settings.max_asset_bytes + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProblemError("batch_unreadable", "The file must be UTF-8 CSV or JSONL.", 422) from None
    name = (upload.filename or "").lower()
    if name.endswith(".jsonl") or name.endswith(".ndjson") or text.lstrip().startswith("{"):
        rows: list[dict[str, Any]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            if len(rows) == MAX_ITEMS:
                raise _too_many()
            try:
                row = loads_bounded(line, what=f"line {number}")
            except ProblemError as exc:
                if exc.code != "json_invalid":
                    raise  # too deep, a number or a string no database holds: its own code
                raise ProblemError("batch_unreadable", f"line {number}: not JSON.", 422) from None
            if not isinstance(row, dict):
                raise ProblemError("batch_unreadable", f"line {number}: each line must be a JSON object.", 422)
            rows.append(row)
        return rows
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    try:
        if not reader.fieldnames:
            raise ProblemError("batch_unreadable", "The CSV has no header row.", 422)
        for row in reader:
            if len(rows) == MAX_ITEMS:
                raise _too_many()
            rows.append(_typed({k: v for k, v in row.items() if k is not None and v not in (None, "")}))
    except csv.Error as exc:
        # the csv module's own bound (csv.field_size_limit(), 128 KiB) is far above any usable cell
        if "field larger than field limit" in str(exc):
            raise ProblemError("batch_field_too_large", f"line {reader.line_num}: a cell is longer than "
                               f"{csv.field_size_limit()} characters.", 422) from None
        raise ProblemError("batch_unreadable", f"line {reader.line_num}: not CSV ({exc}).", 422) from None
    return rows


def _too_many() -> ProblemError:
    return ProblemError("batch_too_large", f"A batch holds at most {MAX_ITEMS} jobs; this file has more.", 413)


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """CSV cells are text; the one numeric job field is priority."""
    if "priority" in row:
        try:
            row["priority"] = int(row["priority"])
        except ValueError:
            pass  # left as text: the schema names it as the wrong type
    return row


def _as_item(row: dict[str, Any], template: str | None) -> dict[str, Any]:
    """A CSV/JSONL row: job fields stay fields; anything else is a template variable."""
    spec_fields = set(JobSpecSchema().fields)
    item = {k: v for k, v in row.items() if k in spec_fields}
    variables = row.get("variables") or {k: v for k, v in row.items() if k not in spec_fields}
    if template and variables:
        item["variables"] = variables
    return item


def _webhook_checker(items: list[dict[str, Any]], defaults: dict[str, Any]):
    """A webhook check for this batch's items that resolves each distinct host once, after refusing
    a batch that names more than MAX_WEBHOOK_HOSTS of them (each look-up may wait on a slow DNS server
    while it holds an API thread)."""
    hosts: set[tuple[str, int]] = set()
    for item in [defaults, *items]:
        url = item.get("webhook_url") if isinstance(item, dict) else None
        if isinstance(url, str) and url:
            try:
                _, host, port = parse_webhook_url(url)
            except ProblemError:
                continue  # the item's own check names it
            hosts.add((host.lower(), port))
    if len(hosts) > MAX_WEBHOOK_HOSTS:
        raise ProblemError("batch_webhook_hosts_too_many", f"A batch may send webhooks to at most {MAX_WEBHOOK_HOSTS} "
                           f"hosts; this one names {len(hosts)}. Register an endpoint (POST /v1/webhooks) instead.", 422)
    verdicts: dict[tuple[str, int], ProblemError | None] = {}

    def check(url: str, settings) -> None:
        _, host, port = parse_webhook_url(url)
        if (host.lower(), port) not in verdicts:
            try:
                check_webhook_url(url, settings)
                verdicts[(host.lower(), port)] = None
            except ProblemError as problem:
                verdicts[(host.lower(), port)] = problem
        verdict = verdicts[(host.lower(), port)]
        if verdict is not None:
            raise verdict

    return check


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
    cursor = Id(load_default=None)
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
@blp.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": "BatchCreate"},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "defaults": {"type": "string", "description": "JSON object of shared settings"},
        "template": {"type": "string"}}}},
}})
@blp.response(201, BatchSchema)
@blp.alt_response(413, response="Problem")
@blp.alt_response(422, response="Problem", description="Some items are invalid: `errors` lists them by index")
@blp.alt_response(429, response="Problem")
def create_batch():
    """Create up to 1,000 jobs at once. JSON body, or multipart `file` (CSV/JSONL) with form fields
    `defaults` (JSON) and `template`."""
    c = ctx()
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ProblemError("batch_file_missing", "Send the CSV or JSONL as the multipart field `file`.", 422)
        try:
            defaults = loads_bounded(request.form.get("defaults") or "{}", what="`defaults`")
        except ProblemError as exc:
            if exc.code != "json_invalid":
                raise
            raise ProblemError("validation_error", "`defaults` must be a JSON object.", 422) from None
        template = request.form.get("template") or None
        items = [_as_item(row, template) for row in _rows_from_upload(upload)]
        metadata = {}
        if not items:
            raise ProblemError("batch_empty", "The file has no rows.", 422)
    else:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            raise ProblemError("validation_error", "Send {\"jobs\": [...]} as JSON, or a CSV/JSONL file.", 422)
        if isinstance(payload.get("jobs"), list) and len(payload["jobs"]) > MAX_ITEMS:  # before validating each
            raise ProblemError("batch_too_large", f"A batch holds at most {MAX_ITEMS} jobs; this one has "
                               f"{len(payload['jobs'])}.", 413)
        try:
            body = BatchCreateSchema().load(payload)
        except ValidationError as exc:
            raise ProblemError("validation_error", "The batch is not valid.", 422, errors=exc.messages) from None
        items, defaults, template, metadata = body["jobs"], body["defaults"], body["template"], body["metadata"]
    if len(items) > MAX_ITEMS:
        raise ProblemError("batch_too_large", f"A batch holds at most {MAX_ITEMS} jobs; this one has {len(items)}.", 413)
    if not isinstance(defaults, dict):
        raise ProblemError("validation_error", "`defaults` must be a JSON object.", 422)

    # parsed once, and every item's filled length known before it is built (domain/templates.py)
    parsed = ParsedTemplate.parse(template, c.settings.max_script_chars) if template is not None else None
    check_webhook = _webhook_checker(items, defaults)
    errors: dict[str, Any] = {}
    checked: list[intake.Intake] = []
    schema = JobSpecSchema()
    with c.sessions() as session:
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
                    raise ProblemError("template_missing", "This item has variables but the batch has no template.", 422)
                spec = schema.load(_merge(defaults, item))
                checked.append(intake.check_spec(session, c.settings, tenant, spec, check_webhook=check_webhook))
            except ValidationError as exc:
                errors[str(index)] = {"code": validation_code(exc.messages), "fields": exc.messages}
            except (ProblemError, MediaError) as exc:
                errors[str(index)] = {"code": exc.code, "detail": exc.detail}
        if errors:
            first = min(errors, key=int)
            raise ProblemError("batch_invalid", f"{len(errors)} of {len(items)} items are invalid (first: item {first}); "
                               "nothing was created.", 422, errors=errors)
        intake.check_in_flight_limit(session, c.settings, tenant, adding=len(checked))
        batch = Batch(tenant_id=tenant.id, size=len(checked), metadata_=metadata)
        session.add(batch)
        session.flush()
        for spec in checked:
            intake.new_job(session, c.settings, tenant, spec, batch_id=batch.id)
        # admitted in the same transaction, as single jobs are; sent after the commit
        admission = c.admission()
        for pool in sorted({s.pool for s in checked}):
            admission.admit(session, pool)
        session.commit()
        document = batch_document(session, batch)
    admission.send()
    return document


@blp.route("/<batch_id>", methods=["GET"])
@blp.response(200, BatchSchema)
@blp.alt_response(404, response="Problem")
def get_batch(batch_id):
    """A batch's jobs and their counts by status."""
    with ctx().sessions() as session:
        return batch_document(session, owned(session, Batch, batch_id))
