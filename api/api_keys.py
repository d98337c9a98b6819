"""/v1/keys: list, create and revoke API keys.

A tenant key sees and revokes its own tenant's keys, and may make more
tenant keys for its tenant; an operator key sees, makes and revokes every
tenant's. The functions above the routes are what the web page calls too.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from api.auth import Principal, current_principal, require_operator
from api.context import ctx
from api.schemas import StrictSchema, Text
from domain import tenants
from domain.documents import key_document
from domain.errors import ProblemError, not_found
from domain.models import ApiKey, Tenant
from domain.timeutil import iso

blp = Blueprint("keys", __name__, url_prefix="/v1/keys", description="API keys")


class ApiKeySchema(Schema):
    id = fields.String()
    prefix = fields.String(metadata={"description": "The key's first characters, to tell keys apart."})
    tenant_id = fields.String()
    tenant = fields.String(metadata={"description": "The tenant's name."})
    scope = fields.String(validate=validate.OneOf(tenants.SCOPES))
    created_at = fields.String()
    revoked_at = fields.String(allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(metadata={"description": "The key itself; shown this once, never again."})


class ApiKeyListSchema(Schema):
    items = fields.List(fields.Nested(ApiKeySchema))


#: a tenant name in a query string: short enough that any name fits a request line (gunicorn takes 4 KB)
TENANT_QUERY_MAX_CHARS = 100


class ApiKeyListQuerySchema(StrictSchema):
    tenant = Text(max_length=TENANT_QUERY_MAX_CHARS, min_length=1, load_default=None,
                  metadata={"description": "Operator only: one tenant's keys, by name."})
    include_revoked = fields.Boolean(load_default=True)


class ApiKeyCreateSchema(StrictSchema):
    tenant = Text(max_length=200, min_length=1, load_default=None,
                  metadata={"description": "Operator only: the tenant (created if new). Default: the caller's."})
    scope = fields.String(load_default="tenant", validate=validate.OneOf(tenants.SCOPES),
                          metadata={"description": "`operator` needs an operator key."})


# --- service functions (the API and the page) -------------------------------------------
def _tenant_named(session: Session, name: str) -> Tenant:
    tenant = session.scalars(sa.select(Tenant).where(Tenant.name == name)).one_or_none()
    if tenant is None:
        raise not_found("tenant")
    return tenant


def list_keys(session: Session, principal: Principal, *, tenant: str | None = None,
              include_revoked: bool = True) -> list[dict]:
    """The keys this caller may see, newest first."""
    tenant_id: str | None
    if tenant is not None:
        require_operator(principal)
        tenant_id = _tenant_named(session, tenant).id
    else:
        tenant_id = None if principal.is_operator else principal.tenant_id
    rows = tenants.keys_of(session, tenant_id)
    return [key_document(k) for k in rows if include_revoked or k.revoked_at is None]


def visible_key(session: Session, principal: Principal, key_id: str) -> ApiKey:
    """A key the caller may act on; 404 ``key_not_found`` for another tenant's (nothing leaks)."""
    key = session.get(ApiKey, key_id)
    if key is None or not (principal.is_operator or key.tenant_id == principal.tenant_id):
        raise not_found("key")
    return key


def revoke_key(session: Session, principal: Principal, key_id: str) -> dict:
    """Revoke a key at once (the next request with it is refused); 409 ``key_revoked`` if it already was."""
    key = visible_key(session, principal, key_id)
    if not tenants.revoke(session, key):
        raise ProblemError("key_revoked", f"The key was already revoked at {iso(key.revoked_at)}.", 409)
    return key_document(key)


def create_key(session: Session, principal: Principal, *, tenant: str | None = None, scope: str = "tenant") -> dict:
    """A new key, returned with the key itself (shown this once). Tenant keys make tenant keys for their own tenant."""
    if scope not in tenants.SCOPES:
        raise ProblemError("validation_error", f"scope must be one of {', '.join(tenants.SCOPES)}.", 422)
    if scope == "operator" or (tenant is not None and tenant != principal.tenant_name):
        require_operator(principal)
    owner = tenants.get_or_create_tenant(session, tenant) if tenant else session.get_one(Tenant, principal.tenant_id)
    secret = tenants.create_key(session, owner, scope)
    key = session.scalars(sa.select(ApiKey).where(ApiKey.key_hash == tenants.hash_key(secret))).one()
    return {**key_document(key, owner.name), "key": secret}


# --- routes ---------------------------------------------------------------------------------
@blp.route("")
class Keys(MethodView):
    @blp.arguments(ApiKeyListQuerySchema, location="query")
    @blp.response(200, ApiKeyListSchema)
    @blp.alt_response(403, response="Problem")
    @blp.alt_response(404, response="Problem")
    def get(self, query):
        """Keys: the tenant's own, or every tenant's for an operator key."""
        with ctx().sessions() as session:
            return {"items": list_keys(session, current_principal(), tenant=query["tenant"],
                                       include_revoked=query["include_revoked"])}

    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    @blp.alt_response(403, response="Problem")
    def post(self, body):
        """Make a key. The response carries the key itself, this once."""
        with ctx().sessions() as session, session.begin():
            return create_key(session, current_principal(), tenant=body["tenant"], scope=body["scope"])


@blp.route("/<key_id>/revoke", methods=["POST"])
@blp.response(200, ApiKeySchema)
@blp.alt_response(404, response="Problem")
@blp.alt_response(409, response="Problem")
def revoke(key_id):
    """Revoke a key: every request with it is refused from now on (401 invalid_api_key)."""
    with ctx().sessions() as session, session.begin():
        return revoke_key(session, current_principal(), key_id)
