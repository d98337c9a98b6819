"""/v1/brand-kits: a tenant's looks. Each tenant has one default kit (made on
first use from its visible-watermark settings) and may keep named others; a
job or template names one with ``brand_kit_id`` or follows the default, and
its own fields override the kit (api/intake.py lays the kit under the job).

Tenant keys manage their own tenant's kits; operator keys any tenant's (by id,
and with ``?tenant=NAME`` for the list and for making one). The body is
checked by domain/brand_kits, each refusal with its code and the field's path;
the schemas here document it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.api_keys import TENANT_QUERY_MAX_CHARS
from api.arguments import Blueprint
from api.auth import current_principal, require_operator
from api.brand_kit_store import default_kit, delete_kit, kit_document, save_kit, visible_kit
from api.composition_schemas import (
    CaptionsSchema,
    CheckedNested,
    MusicSchema,
    TransitionSchema,
    image_anchor,
    image_scale,
)
from api.context import ctx
from api.preconditions import CREATED_HEADERS, IF_MATCH_PARAMETER, stale, version_etag
from api.schemas import Cursor, StrictSchema, Text, json_problem
from domain import composition_rules as R
from domain.brand_kits import WATERMARK_POSITIONS, normalise_kit
from domain.errors import ProblemError, not_found
from domain.models import BrandKit, Tenant

blp = Blueprint(
    "brand_kits",
    __name__,
    url_prefix="/v1/brand-kits",
    description="Brand kits: a tenant's logo, colours, fonts, styles, intro, outro, music and watermark",
)

_FONT = (
    "A font the farm ships (GET /v1/catalog: " + ", ".join(R.FONT_NAMES) + ") or the id of a TTF/OTF uploaded "
    "with purpose=font."
)


def _colour(description: str) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"),
        metadata={"description": description + ' As "#rrggbb" or "#rgb".'},
    )


class KitLogoSchema(Schema):
    anchor = image_anchor()
    scale = image_scale(
        "Its height as a share of the canvas height (on a portrait canvas, of 1.25 times its width), as an "
        "image overlay's."
    )


class KitColorsSchema(Schema):
    primary = _colour("A lower third's bar.")
    secondary = _colour("The spoken word of word captions.")
    text = _colour("The letters of text overlays and captions.")
    background = _colour("A scene's background when the job gives none.")


class KitFontsSchema(Schema):
    title = fields.String(allow_none=True, metadata={"description": "Title overlays. " + _FONT})
    body = fields.String(allow_none=True, metadata={"description": "Lower thirds, labels and captions. " + _FONT})


class KitLowerThirdSchema(Schema):
    font = fields.String(allow_none=True, metadata={"description": _FONT})
    size = fields.Integer(allow_none=True, validate=validate.Range(min=R.TEXT_SIZE_MIN, max=R.TEXT_SIZE_MAX))
    color = _colour("The letters.")
    background_color = _colour("The bar (above colors.primary).")
    position = fields.String(allow_none=True, validate=validate.OneOf(R.TEXT_POSITIONS))


class KitWatermarkSchema(Schema):
    text = fields.String(allow_none=True, validate=validate.Length(min=1, max=80))
    position = fields.String(allow_none=True, validate=validate.OneOf(WATERMARK_POSITIONS))
    opacity = fields.Float(allow_none=True, validate=validate.Range(min=0.05, max=1.0))
    size = fields.Float(allow_none=True, validate=validate.Range(min=0.02, max=0.2))
    logo_asset_id = fields.String(allow_none=True, metadata={"description": "An asset of purpose logo."})
    enabled = fields.Boolean(allow_none=True, metadata={"description": "false only if the tenant may turn it off."})


def _checked(schema: Any, description: str) -> CheckedNested:
    field = CheckedNested(schema, allow_none=True, metadata={"description": description})
    field.json_check = json_problem
    return field


def _asset_id(description: str) -> Text:
    """An optional asset id the kit names; domain/brand_kits checks its purpose."""
    return Text(max_length=64, load_default=None, allow_none=True, metadata={"description": description})


class BrandKitRequestSchema(StrictSchema):
    """POST and PUT /v1/brand-kits: the whole kit (PUT replaces it). Checked by domain/brand_kits: a mistake is
    a 422 ``brand_kit_invalid`` (``font_unknown`` for a font name) naming the field."""

    # an empty name is refused by domain/brand_kits, as a blank one is: brand_kit_invalid, "A kit needs a name."
    name = Text(max_length=100, required=True)
    default = fields.Boolean(
        load_default=False,
        metadata={"description": "Make this the tenant's default kit (the one jobs follow when they name none)."},
    )
    logo_asset_id = _asset_id("An asset of purpose logo (alpha kept), on every scene.")
    logo = _checked(KitLogoSchema, "Where the logo goes.")
    colors = _checked(KitColorsSchema, "The house colours.")
    fonts = _checked(KitFontsSchema, "The house fonts.")
    lower_third = _checked(KitLowerThirdSchema, "Style of lower_third text overlays (above colours and fonts).")
    captions = _checked(CaptionsSchema, "Caption style; only the fields given are the kit's.")
    intro_asset_id = _asset_id("A video of purpose background, played before the job.")
    outro_asset_id = _asset_id("A video of purpose background, played after the job.")
    transition = _checked(TransitionSchema, "How intro and outro are joined (default a 0.5 s crossfade).")
    music = _checked(MusicSchema, "Music for jobs that give none.")
    watermark = _checked(KitWatermarkSchema, "The visible watermark every job of the tenant starts from.")


class BrandKitSchema(Schema):
    id = fields.String()
    tenant_id = fields.String()
    name = fields.String()
    default = fields.Boolean()
    version = fields.Integer(metadata={"description": "Bumped by every change; a job records the one it used."})
    logo_asset_id = fields.String(allow_none=True)
    logo = fields.Nested(KitLogoSchema)
    colors = fields.Nested(KitColorsSchema)
    fonts = fields.Nested(KitFontsSchema)
    lower_third = fields.Nested(KitLowerThirdSchema)
    captions = fields.Dict(allow_none=True)
    intro_asset_id = fields.String(allow_none=True)
    outro_asset_id = fields.String(allow_none=True)
    transition = fields.Nested(TransitionSchema)
    music = fields.Nested(MusicSchema, allow_none=True)
    watermark = fields.Nested(KitWatermarkSchema)
    created_at = fields.String()
    updated_at = fields.String()


class BrandKitListSchema(Schema):
    items = fields.List(fields.Nested(BrandKitSchema))
    next_cursor = fields.String(allow_none=True)


class TenantQuerySchema(StrictSchema):
    tenant = Text(
        max_length=TENANT_QUERY_MAX_CHARS,
        min_length=1,
        load_default=None,
        metadata={"description": "Operator only: another tenant's kits, by its name."},
    )


class BrandKitListQuerySchema(TenantQuerySchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Cursor("bkt", load_default=None)


def _tenant(session, name: str | None) -> Tenant:
    """The caller's tenant, or (operator keys only) the one named."""
    principal = current_principal()
    if name is None or name == principal.tenant_name:
        return session.get_one(Tenant, principal.tenant_id)
    require_operator(principal)
    tenant = session.scalars(sa.select(Tenant).where(Tenant.name == name)).one_or_none()
    if tenant is None:
        raise not_found("tenant")
    return tenant


def _visible(session, kit_id: str) -> BrandKit:
    """The kit if the caller may see it: its own tenant's, or any for an operator key; else a 404."""
    return visible_kit(session, kit_id, g.tenant_id, current_principal().is_operator)


def _tagged(row: BrandKit, status: int = 200) -> tuple[dict[str, Any], int, dict[str, str]]:
    headers = {"ETag": version_etag(row.version)}
    if status == 201:
        headers["Location"] = f"/v1/brand-kits/{row.id}"
    return kit_document(row), status, headers


def _check_if_match(session, row: BrandKit) -> None:
    """A PUT with ``If-Match`` replaces the kit only if it is still the version the caller read: two editors saving
    one kit no longer lose the first one's change without a word. The version is claimed in the same statement
    that checks it (a conditional UPDATE), so two saves of one version cannot both pass. Without ``If-Match``
    the last save wins, as before."""
    if not request.headers.get("If-Match"):
        return
    claimed = session.execute(
        sa.update(BrandKit)
        .where(BrandKit.id == row.id, BrandKit.version == row.version)
        .values(version=BrandKit.version)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed or stale(row.version):
        raise ProblemError(
            "brand_kit_changed",
            f"The kit changed since it was read: it is now version {row.version} (ETag {version_etag(row.version)}), and "
            "If-Match named another. Read it again, apply the change to what it holds now, and save with its ETag.",
            412,
        )


def _checked_body(body: dict[str, Any]) -> dict[str, Any]:
    return normalise_kit({key: value for key, value in body.items() if value is not None})


@blp.route("")
class BrandKits(MethodView):
    @blp.arguments(BrandKitListQuerySchema, location="query")
    @blp.response(200, BrandKitListSchema)
    @blp.alt_response(403, response="Problem")
    @blp.alt_response(404, response="Problem")
    def get(self, query):
        """The tenant's kits, default first then by name (`?tenant=NAME`: an operator's look at another tenant)."""
        with ctx().sessions() as session, session.begin():
            tenant = _tenant(session, query["tenant"])
            default_kit(session, tenant)  # made on first use, so the list always shows it
            stmt = sa.select(BrandKit).where(BrandKit.tenant_id == tenant.id)
            if query["cursor"]:
                stmt = stmt.where(BrandKit.id > query["cursor"])
            rows = session.scalars(stmt.order_by(BrandKit.id).limit(query["limit"] + 1)).all()
            page = rows[: query["limit"]]
            items = [kit_document(row) for row in sorted(page, key=lambda r: (not r.is_default, r.name))]
        return {"items": items, "next_cursor": page[-1].id if len(rows) > query["limit"] else None}

    @blp.arguments(TenantQuerySchema, location="query")
    @blp.arguments(BrandKitRequestSchema)
    @blp.response(201, BrandKitSchema, headers=CREATED_HEADERS)
    @blp.alt_response(403, response="Problem")
    @blp.alt_response(404, response="Problem")
    @blp.alt_response(409, response="Problem")
    @blp.alt_response(422, response="Problem")
    def post(self, query, body):
        """Make a kit. Assets it names must be the tenant's, of their purpose (asset_purpose_mismatch)."""
        kit = _checked_body(body)
        with ctx().sessions() as session, session.begin():
            return _tagged(save_kit(session, _tenant(session, query["tenant"]), kit), 201)


@blp.route("/<kit_id>")
class BrandKitById(MethodView):
    @blp.response(200, BrandKitSchema, headers={"ETag": {"description": "The kit's version, for If-Match."}})
    @blp.alt_response(404, response="Problem")
    def get(self, kit_id):
        """A kit; another tenant's is a 404 unless the key is an operator's. Its ETag is its version."""
        with ctx().sessions() as session:
            return _tagged(_visible(session, kit_id))

    @blp.arguments(BrandKitRequestSchema)
    @blp.response(200, BrandKitSchema, headers={"ETag": {"description": "The new version's, for the next If-Match."}})
    @blp.alt_response(404, response="Problem")
    @blp.alt_response(409, response="Problem")
    @blp.alt_response(412, response="Problem")
    @blp.alt_response(422, response="Problem")
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    def put(self, body, kit_id):
        """Replace a kit (a new version). Jobs already made keep what they were made with. With ``If-Match``, only
        if the kit is still the version read (else 412 ``brand_kit_changed``)."""
        kit = _checked_body(body)
        with ctx().sessions() as session, session.begin():
            row = _visible(session, kit_id)
            _check_if_match(session, row)
            return _tagged(save_kit(session, session.get_one(Tenant, row.tenant_id), kit, row))

    @blp.response(204)
    @blp.alt_response(404, response="Problem")
    @blp.alt_response(409, response="Problem")
    def delete(self, kit_id):
        """Delete a named kit (the default cannot be: make another the default first). Jobs naming it are then
        refused with brand_kit_not_found; jobs already made keep its values."""
        with ctx().sessions() as session, session.begin():
            delete_kit(session, _visible(session, kit_id))
        return None
