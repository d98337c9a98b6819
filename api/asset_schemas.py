"""The schemas of /v1/assets: an asset's document and the multipart upload with
its ``purpose``."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas import Cursor, StrictSchema
from domain.composition_rules import ASSET_PURPOSES

ASSET_KINDS = ("image", "audio", "video", "font")


class AssetSchema(Schema):
    id = fields.String()
    name = fields.String(
        allow_none=True,
        metadata={
            "description": "The file name the upload came with (its last path part, at most 255 characters), for "
            "people; null when it had none, or for assets stored before 2026-12-07."
        },
    )
    kind = fields.String(validate=validate.OneOf(ASSET_KINDS))
    purpose = fields.String(
        validate=validate.OneOf(ASSET_PURPOSES), metadata={"description": "What jobs may use it for (given at upload)."}
    )
    content_type = fields.String()
    bytes = fields.Integer()
    sha256 = fields.String()
    info = fields.Dict(
        metadata={
            "description": "What inspection found: an image's size and face box, an audio "
            "file's duration_s, a video's width, height, fps and duration_s."
        }
    )
    created_at = fields.String()


PURPOSE_DESCRIPTION = (
    "What the asset is for: portrait (an image showing one face; the default for images), background "
    "(an image, or an MP4/WebM/MOV video: the default for silent videos), logo (an image, alpha "
    "kept), music (audio), narration (audio; the default for audio, and for a video with sound, as "
    "before purposes existed), font (a TTF/OTF, checked with fontTools: font_invalid otherwise; for brand kits, text "
    "overlays and captions). A job may use it only for that."
)


def purpose_problem(value: str | None) -> str | None:
    """Why a ``purpose`` form field is refused, or None."""
    if value is None or value in ASSET_PURPOSES:
        return None
    return f"purpose must be one of {', '.join(ASSET_PURPOSES)}; got {value[:40]!r}."


class AssetCreateSchema(Schema):
    """The multipart body of POST /v1/assets. webargs loads it from the files; ``purpose`` is a plain form
    field, which the view reads and checks with ``purpose_problem`` (a second, `form` argument would split
    the one body in two in /openapi.json, which client generators refuse)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    purpose = fields.String(
        load_default=None, validate=validate.OneOf(ASSET_PURPOSES), metadata={"description": PURPOSE_DESCRIPTION}
    )


class AssetListQuerySchema(StrictSchema):
    purpose = fields.String(
        load_default=None,
        validate=validate.OneOf(ASSET_PURPOSES),
        metadata={"description": "Only the assets uploaded for this purpose."},
    )
    kind = fields.String(
        load_default=None, validate=validate.OneOf(ASSET_KINDS), metadata={"description": "Only assets of this kind."}
    )
    cursor = Cursor("ast", load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AssetRoomSchema(Schema):
    bytes_used = fields.Integer(metadata={"description": "What all the tenant's assets take together."})
    bytes_limit = fields.Integer(metadata={"description": "TALKFARM_TENANT_MAX_ASSET_BYTES"})
    assets_used = fields.Integer()
    assets_limit = fields.Integer(metadata={"description": "TALKFARM_TENANT_MAX_ASSETS"})


class AssetListSchema(Schema):
    items = fields.List(fields.Nested(AssetSchema))
    next_cursor = fields.String(allow_none=True)
    quota = fields.Nested(
        AssetRoomSchema,
        metadata={
            "description": "What the tenant's assets take of its room, over all of them (not only this page's "
            "or this filter's), as a 409 asset_quota_exceeded counts it."
        },
    )
