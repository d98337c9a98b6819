"""/v1/keys: list, create and revoke API keys.

A tenant key sees, makes and revokes its own tenant's *tenant* keys only;
operator keys are the operator's to see and manage. An operator key sees,
makes and revokes every tenant's. A key may carry an expiry; a key minted by
another key never outlives it, a tenant holds at most MAX_LIVE_KEYS_PER_TENANT
live keys, and revoking a key revokes every key it minted (unless ``cascade=false``); a tenant key may not revoke
the keys it was minted from.
The functions above the routes are what the web page calls too.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy.orm import Session

from api.arguments import Blueprint
from api.auth import Principal, current_principal, require_operator
from api.context import ctx
from api.schemas import StrictSchema, Text
from domain import tenants
from domain.documents import key_document
from domain.errors import ProblemError, not_found
from domain.models import ApiKey, Tenant
from domain.timeutil import iso, utcnow

blp = Blueprint("keys", __name__, url_prefix="/v1/keys", description="API keys")


class ApiKeySchema(Schema):
    id = fields.String()
    prefix = fields.String(metadata={"description": "The key's first characters, to tell keys apart."})
    tenant_id = fields.String()
    tenant = fields.String(metadata={"description": "The tenant's name."})
    scope = fields.String(validate=validate.OneOf(tenants.SCOPES))
    created_at = fields.String()
    revoked_at = fields.String(allow_none=True)
    expires_at = fields.String(allow_none=True, metadata={"description": "After this the key is refused; null: never."})
    minted_by = fields.String(allow_none=True, metadata={"description": "The key that made this one, if any."})


#: live (unrevoked, unexpired) keys a tenant may hold: a leaked key cannot mint keys without end
MAX_LIVE_KEYS_PER_TENANT = 100


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(metadata={"description": "The key itself; shown this once, never again."})


class ApiKeyListSchema(Schema):
    items = fields.List(fields.Nested(ApiKeySchema))


#: a tenant name in a query string: short enough that any name fits a request line (gunicorn takes 4 KB)
TENANT_QUERY_MAX_CHARS = 100


class ApiKeyListQuerySchema(StrictSchema):
    tenant = Text(
        max_length=TENANT_QUERY_MAX_CHARS,
        min_length=1,
        load_default=None,
        metadata={"description": "Operator only: one tenant's keys, by name."},
    )
    include_revoked = fields.Boolean(load_default=True)


class ApiKeyCreateSchema(StrictSchema):
    tenant = Text(
        max_length=200,
        min_length=1,
        load_default=None,
        metadata={"description": "Operator only: the tenant (created if new). Default: the caller's."},
    )
    scope = fields.String(
        load_default="tenant",
        validate=validate.OneOf(tenants.SCOPES),
        metadata={"description": "`operator` needs an operator key."},
    )
    expires_at = fields.AwareDateTime(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "When the key stops working (ISO 8601 with a zone). "
            "Never later than the expiry of the key that makes it."
        },
    )

    @validates("expires_at")
    def _in_the_future(self, value, **_):
        if value is not None and value <= utcnow():
            raise ValidationError("Must be in the future.")


class ApiKeyRevokeQuerySchema(StrictSchema):
    cascade = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "By default the keys this key minted for its own tenant, and theirs, are revoked with it, "
            "so the keys a leaked key made die with it (the keys an operator's key made for other tenants stay); "
            "`true` revokes every key it minted, of any tenant, and sweeps a key already revoked again (200 instead "
            "of 409 `key_revoked`); `false` revokes this key alone. The key making the request is never revoked "
            "by a cascade."
        },
    )


# --- service functions (the API and the page) -------------------------------------------
def _tenant_named(session: Session, name: str) -> Tenant:
    tenant = session.scalars(sa.select(Tenant).where(Tenant.name == name)).one_or_none()
    if tenant is None:
        raise not_found("tenant")
    return tenant


def list_keys(
    session: Session, principal: Principal, *, tenant: str | None = None, include_revoked: bool = True
) -> list[dict]:
    """The keys this caller may see, newest first."""
    tenant_id: str | None
    if tenant is not None:
        require_operator(principal)
        tenant_id = _tenant_named(session, tenant).id
    else:
        tenant_id = None if principal.is_operator else principal.tenant_id
    rows = tenants.keys_of(session, tenant_id)
    return [key_document(k) for k in rows if (include_revoked or k.revoked_at is None) and _manages(principal, k)]


def _manages(principal: Principal, key: ApiKey) -> bool:
    """An operator key manages every key; a tenant key only its own tenant's tenant-scope keys."""
    return principal.is_operator or (key.tenant_id == principal.tenant_id and key.scope == "tenant")


def visible_key(session: Session, principal: Principal, key_id: str) -> ApiKey:
    """A key the caller may act on; 404 ``key_not_found`` for another tenant's, or for an operator key
    asked about with a tenant key (nothing leaks)."""
    key = session.get(ApiKey, key_id)
    if key is None or not _manages(principal, key):
        raise not_found("key")
    return key


def revoke_key(session: Session, principal: Principal, key_id: str, *, cascade: bool | None = None) -> dict:
    """Revoke a key at once (the next request with it is refused), and every key it minted unless ``cascade`` is
    False; 409 ``key_revoked`` if it already was (unless ``cascade`` is asked for: the keys it minted are swept
    again). A tenant key may not revoke the keys it was minted from (403 ``key_revoke_forbidden``): a leaked key
    could otherwise lock out the newsroom's own."""
    key = visible_key(session, principal, key_id)
    if not principal.is_operator and key.id != principal.key_id and key.id in _minters(session, principal.key_id):
        raise ProblemError(
            "key_revoke_forbidden",
            "A key may not revoke the key it was minted from, nor that key's minters; revoke it with one of them or "
            "an operator key.",
            403,
        )
    # by default the keys it minted for its own tenant (what a leaked key made), never the caller's own key;
    # `cascade=true` every key it minted, of any tenant, as before
    revoked = tenants.revoke(
        session, key, cascade=cascade is not False, same_tenant=cascade is None, spare=principal.key_id
    )
    if not revoked and not cascade:
        raise ProblemError("key_revoked", f"The key was already revoked at {iso(key.revoked_at)}.", 409)
    return key_document(key)


def _minters(session: Session, key_id: str) -> set[str]:
    """The keys ``key_id`` was minted from: its minter, that key's, and so on."""
    found: set[str] = set()
    current = session.get(ApiKey, key_id)
    while current is not None and current.minted_by and current.minted_by not in found:
        found.add(current.minted_by)
        current = session.get(ApiKey, current.minted_by)
    return found


def create_key(
    session: Session, principal: Principal, *, tenant: str | None = None, scope: str = "tenant", expires_at=None
) -> dict:
    """A new key, returned with the key itself (shown this once). Tenant keys make tenant keys for their own
    tenant. The new key records the key that made it and never outlives it."""
    if scope not in tenants.SCOPES:
        raise ProblemError("validation_error", f"scope must be one of {', '.join(tenants.SCOPES)}.", 422)
    if scope == "operator" or (tenant is not None and tenant != principal.tenant_name):
        require_operator(principal)
    owner = tenants.get_or_create_tenant(session, tenant) if tenant else session.get_one(Tenant, principal.tenant_id)
    if tenants.live_keys_count(session, owner.id) >= MAX_LIVE_KEYS_PER_TENANT:
        raise ProblemError(
            "too_many_keys", f"A tenant holds at most {MAX_LIVE_KEYS_PER_TENANT} live keys; revoke some first.", 409
        )
    minter = session.get(ApiKey, principal.key_id)
    if minter is not None and minter.expires_at is not None:
        expires_at = minter.expires_at if expires_at is None else min(expires_at, minter.expires_at)
    secret = tenants.create_key(session, owner, scope, expires_at=expires_at, minted_by=principal.key_id)
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
            return {
                "items": list_keys(
                    session, current_principal(), tenant=query["tenant"], include_revoked=query["include_revoked"]
                )
            }

    @blp.arguments(ApiKeyCreateSchema)
    @blp.response(201, ApiKeyCreatedSchema)
    @blp.alt_response(403, response="Problem")
    def post(self, body):
        """Make a key. The response carries the key itself, this once."""
        with ctx().sessions() as session, session.begin():
            return create_key(
                session, current_principal(), tenant=body["tenant"], scope=body["scope"], expires_at=body["expires_at"]
            )


@blp.route("/<key_id>/revoke", methods=["POST"])
@blp.arguments(ApiKeyRevokeQuerySchema, location="query")
@blp.response(200, ApiKeySchema)
@blp.alt_response(403, response="Problem")
@blp.alt_response(404, response="Problem")
@blp.alt_response(409, response="Problem")
def revoke(query, key_id):
    """Revoke a key: every request with it, and with every key it minted (and theirs), is refused from now on
    (401 invalid_api_key). `?cascade=false` revokes this key alone. A tenant key may not revoke its own minters."""
    with ctx().sessions() as session, session.begin():
        return revoke_key(session, current_principal(), key_id, cascade=query["cascade"])
