"""/v1/templates: job bodies with ``{{variables}}``, saved, versioned and rendered.

A template is a job body (the compositions contract) whose text, asset,
voice and colour fields may hold ``{{name}}`` placeholders, and the
variables it declares. Every save is a new version; a job records the
template id, version and values it was made from, and any version renders
again. Deleting a template hides it (no list, no render) and keeps its
versions, which the jobs made from them name.
"""

from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa
from flask import g, jsonify, make_response
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from api import intake
from api.arguments import Blueprint
from api.brand_kit_store import kit_for_job
from api.context import ctx
from api.jobs import job_view
from api.preconditions import CREATED_HEADERS, IF_MATCH_PARAMETER, stale, version_etag
from api.schemas import Cursor, Id, JobSchema, JsonDocument, StrictSchema, Text, WebhookUrl
from api.template_render import OVERRIDES, VERSION_RANGE, TemplateRenderer, filled_max_chars, template_version
from domain.errors import ProblemError
from domain.models import Template, TemplateVersion, Tenant
from domain.template_variables import VARIABLE_TYPES, check_declaration, csv_header
from domain.timeutil import iso, utcnow
from tasks.webhook_lookups import BUSY_DOC

blp = Blueprint("templates", __name__, url_prefix="/v1/templates", description="Job bodies with variables")

#: a template's body as stored: a job of 50 scenes with 20 overlays each fits with room to spare
MAX_TEMPLATE_BODY_BYTES = 256 * 1024


class VariableSchema(StrictSchema):
    name = fields.String(required=True, metadata={"description": "`^[a-z][a-z0-9_]{0,63}$`; `{{name}}` in the body."})
    type = fields.String(required=True, validate=validate.OneOf(VARIABLE_TYPES))
    required = fields.Boolean(load_default=True)
    default = fields.String(load_default=None, allow_none=True)
    label = fields.String(load_default=None, allow_none=True, metadata={"description": "What a form calls it."})


class TemplateCreateSchema(StrictSchema):
    name = Text(max_length=200, min_length=1, required=True)
    description = Text(max_length=2000, free_text=True, load_default=None, allow_none=True)
    body = fields.Dict(
        required=True,
        metadata={
            "description": "A job body (as POST /v1/jobs takes) whose script, transcript, overlay text, title, language, "
            "voice, asset id and colour fields may hold `{{name}}` placeholders."
        },
    )
    # declared loosely here: domain/template_variables checks each and names the one at fault (template_invalid)
    variables = fields.List(
        fields.Dict(),
        required=True,
        metadata={"description": "[{name, type (text|image|video|audio|voice|color), required, default?, label?}]"},
    )
    brand_kit_id = Id(load_default=None, allow_none=True)


class TemplateSchema(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    version = fields.Integer()
    body = fields.Dict()
    variables = fields.List(fields.Nested(VariableSchema))
    brand_kit_id = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class TemplateListSchema(Schema):
    items = fields.List(fields.Nested(TemplateSchema))
    next_cursor = fields.String(allow_none=True)


class TemplateListQuerySchema(StrictSchema):
    cursor = Cursor("tpl", load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class TemplateVersionQuerySchema(StrictSchema):
    version = fields.Integer(load_default=None, validate=VERSION_RANGE)


class TemplateVersionsSchema(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "[{version, created_at}], oldest first."})


class TemplateJobRequestSchema(StrictSchema):
    variables = fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": "name → value."})
    version = fields.Integer(
        load_default=None,
        validate=VERSION_RANGE,
        metadata={"description": "Render this version (default: the newest)."},
    )
    draft = fields.Boolean(load_default=None, allow_none=True)
    priority = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0, max=9))
    metadata = JsonDocument(load_default=None, allow_none=True)
    webhook_url = WebhookUrl(load_default=None, allow_none=True)
    title = Text(max_length=200, load_default=None, allow_none=True)


def template_document(template: Template, row: TemplateVersion) -> dict:
    return {
        "id": template.id,
        "name": row.name,
        "description": row.description,
        "version": row.version,
        "body": row.body,
        "variables": row.variables,
        "brand_kit_id": row.brand_kit_id,
        "created_at": iso(template.created_at),
        "updated_at": iso(row.created_at),
    }


def _new_version(session: Session, template: Template, number: int, body: dict) -> TemplateVersion:
    """The request's template, checked whole before anything is written."""
    if body["brand_kit_id"] is not None:  # the jobs it makes follow this kit: it must be the tenant's
        tenant = session.get(Tenant, g.tenant_id)
        assert tenant is not None
        kit_for_job(session, tenant, body["brand_kit_id"])
    size = len(json.dumps(body["body"], separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_TEMPLATE_BODY_BYTES:
        raise ProblemError(
            "template_too_large",
            f"A template's body is at most {MAX_TEMPLATE_BODY_BYTES} bytes of JSON; this one is {size}.",
            422,
        )
    _, declared = check_declaration(body["body"], body["variables"], filled_max_chars(ctx().settings))
    return TemplateVersion(
        template_id=template.id,
        version=number,
        name=body["name"],
        description=body["description"],
        body=body["body"],
        variables=declared,
        brand_kit_id=body["brand_kit_id"],
    )


@blp.route("")
class Templates(MethodView):
    @blp.arguments(TemplateCreateSchema)
    @blp.response(201, TemplateSchema, headers=CREATED_HEADERS)
    @blp.alt_response(
        422,
        response="Problem",
        description="`template_invalid`, `template_variable_unknown`, `template_variable_unused`, `template_too_large`",
    )
    def post(self, body):
        """Save a template (version 1)."""
        with ctx().sessions() as session:
            template = Template(tenant_id=g.tenant_id, version=1)
            session.add(template)
            session.flush()
            row = _new_version(session, template, 1, body)
            session.add(row)
            session.commit()
            location = f"/v1/templates/{template.id}"
            return template_document(template, row), 201, {"ETag": version_etag(row.version), "Location": location}

    @blp.arguments(TemplateListQuerySchema, location="query")
    @blp.response(200, TemplateListSchema)
    def get(self, query):
        """The tenant's templates, newest first (their newest versions); pass `next_cursor` back as `cursor`."""
        with ctx().sessions() as session:
            stmt = sa.select(Template).where(Template.tenant_id == g.tenant_id, Template.deleted_at.is_(None))
            if query["cursor"]:
                stmt = stmt.where(Template.id < query["cursor"])
            rows = list(session.scalars(stmt.order_by(Template.id.desc()).limit(query["limit"] + 1)))
            page = rows[: query["limit"]]
            versions = (
                {
                    (v.template_id, v.version): v
                    for v in session.scalars(
                        sa.select(TemplateVersion).where(
                            sa.tuple_(TemplateVersion.template_id, TemplateVersion.version).in_(
                                [(t.id, t.version) for t in page]
                            )
                        )
                    )
                }
                if page
                else {}
            )
            items = [template_document(t, versions[(t.id, t.version)]) for t in page]
        return {"items": items, "next_cursor": page[-1].id if len(rows) > query["limit"] else None}


@blp.route("/<template_id>")
class OneTemplate(MethodView):
    @blp.arguments(TemplateVersionQuerySchema, location="query")
    @blp.response(200, TemplateSchema)
    @blp.alt_response(404, response="Problem")
    def get(self, query, template_id):
        """A template: its newest version, or `?version=N`; its ETag names that version, for If-Match."""
        with ctx().sessions() as session:
            template, row = template_version(session, template_id, query["version"])
            return template_document(template, row), 200, {"ETag": version_etag(row.version)}

    @blp.arguments(TemplateCreateSchema)
    @blp.response(200, TemplateSchema)
    @blp.alt_response(404, response="Problem")
    @blp.alt_response(412, response="Problem")
    @blp.alt_response(422, response="Problem")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    def put(self, body, template_id):
        """Save a new version of a template (the same body as POST); jobs keep naming the version they came from.
        With ``If-Match``, only if the newest version is still the one read (else 412 ``template_changed``)."""
        with ctx().sessions() as session:
            template, _ = template_version(session, template_id)
            # the row lock orders two saves of one template on PostgreSQL; SQLite has one writer at a time
            session.refresh(template, with_for_update=True)
            if stale(template.version):
                raise ProblemError(
                    "template_changed",
                    f"The template changed since it was read: its newest version is {template.version} (ETag "
                    f"{version_etag(template.version)}), and If-Match named another. Read it again, apply the change "
                    "to what it holds now, and save with its ETag.",
                    412,
                )
            row = _new_version(session, template, template.version + 1, body)
            template.version, template.updated_at = row.version, utcnow()
            session.add(row)
            session.commit()
            return template_document(template, row), 200, {"ETag": version_etag(row.version)}

    @blp.response(204)
    @blp.alt_response(404, response="Problem")
    def delete(self, template_id):
        """Delete a template: it no longer lists or renders; its versions stay for the jobs that name them,
        and jobs already made from it (a running batch's) finish, carrying their filled bodies."""
        with ctx().sessions() as session:
            template, _ = template_version(session, template_id)
            template.deleted_at = utcnow()
            session.commit()
        return None


@blp.route("/<template_id>/versions")
@blp.response(200, TemplateVersionsSchema)
@blp.alt_response(404, response="Problem")
def template_versions(template_id):
    """Every saved version of a template, oldest first."""
    with ctx().sessions() as session:
        template, _ = template_version(session, template_id)
        rows = session.execute(
            sa.select(TemplateVersion.version, TemplateVersion.created_at)
            .where(TemplateVersion.template_id == template.id)
            .order_by(TemplateVersion.version)
        )
        return {"items": [{"version": number, "created_at": iso(at)} for number, at in rows]}


@blp.route("/<template_id>/csv")
@blp.response(200, description="A header row of the variable names, required first.", content_type="text/csv")
@blp.alt_response(404, response="Problem")
def template_csv(template_id):
    """The CSV to fill for a batch (POST /v1/batches with `template_id`): one header row."""
    with ctx().sessions() as session:
        template, row = template_version(session, template_id)
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(csv_header(row.variables))
    response = make_response(out.getvalue(), 200)
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{template.id}.csv"'
    return response


@blp.route("/<template_id>/jobs", methods=["POST"])
@blp.arguments(TemplateJobRequestSchema)
@blp.response(202, JobSchema)
@blp.alt_response(404, response="Problem")
@blp.alt_response(
    422,
    response="Problem",
    description="`variable_missing`, `variable_unknown`, `variable_type`, "
    "`asset_purpose_mismatch`, `text_overflow` (each naming the variable in `errors.variable`), "
    "or any refusal of POST /v1/jobs",
)
@blp.alt_response(429, response="Problem")
@blp.alt_response(503, response="Problem", description=BUSY_DOC)
def render_template(body, template_id):
    """Render a template with values: one job, made and admitted as POST /v1/jobs makes one. Values are data:
    a `{{` inside a value stays as it is."""
    c = ctx()
    admission = c.admission()
    with c.sessions() as session:
        _, row = template_version(session, template_id, body["version"])
        tenant = session.get(Tenant, g.tenant_id)
        assert tenant is not None
        checked = TemplateRenderer.prepare(row, c.settings).render(
            session, tenant, body["variables"], {k: body.get(k) for k in OVERRIDES}
        )
        intake.check_in_flight_limit(session, c.settings, tenant)
        job = intake.new_job(session, c.settings, tenant, checked)
        admission.admit(session, job.pool)
        session.commit()
        document = job_view(job)
    admission.send()
    response = make_response(jsonify(document), 202)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return response
