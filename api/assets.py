"""/v1/assets: portraits, narration, backgrounds (images and videos), logos
and music, each uploaded with its ``purpose``. Inspected before anything is
stored: a file we cannot use for its purpose is refused with a code, and
leaves nothing behind. Videos are bounded from their header (api/asset_video).

A portrait is analysed here (its face landmarks) and cut out (its matte, kept
in storage under the key the worker's and the previews' matte cache read, and
named in ``info["matte"]``): the matte costs ~10 ms for a small photo and
~0.15 s of CPU for a 12-megapixel one, so the upload pays for it in the
request rather than a background task, and the composer's first preview of
the new portrait, and its first job, find it made.

A tenant's assets are bounded in bytes and number (api/asset_quota: 409 ``asset_quota_exceeded``, judged
before an upload is inspected or stored). ``DELETE /v1/assets/{id}`` removes one, its file and a portrait's
matte with it, unless a job in flight, a brand kit or a live template names it (api/asset_references: 409
``asset_in_use``). ``GET /v1/assets`` lists them, newest first, with what they take of that room, so a
client that lost track of its ids can find what to delete."""

from __future__ import annotations

import functools
import hashlib
import io
import logging

import sqlalchemy as sa
from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from PIL import Image

from api.asset_quota import hold_room, refuse_if_full, room
from api.asset_references import refuse_if_in_use
from api.asset_schemas import (
    AssetCreateSchema,
    AssetListQuerySchema,
    AssetListSchema,
    AssetSchema,
    purpose_problem,
)
from api.asset_video import check_video_bounds, looks_like_video, read_video_header, stream_kinds
from api.context import ctx
from api.file_kinds import file_kind
from api.ownership import owned
from api.preconditions import LOCATION_HEADER
from api.problems import PROBLEM_JSON
from api.request_bounds import upload_limit
from api.schemas import ProblemSchema
from domain.composition_rules import DEFAULT_PURPOSE, PURPOSE_KINDS
from domain.documents import asset_document
from domain.errors import ProblemError
from domain.ids import new_id
from domain.models import Asset, asset_content_key, asset_file_name
from domain.presets import PRESETS
from media.compose import MATTE_VERSION, matte_key, matte_png, portrait_matte
from media.font_files import inspect_font, looks_like_font
from media.images import check_image_size, read_image_header
from media.render import analyze_image, decode_portrait
from media.tts import NotAudio, check_narration, probe_audio
from storage import StorageUnavailable

blp = Blueprint("assets", __name__, url_prefix="/v1/assets", description="Portraits and audio")

log = logging.getLogger(__name__)

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _inspect(data: bytes, purpose: str | None) -> tuple[str, str, str, dict]:
    """(kind, purpose, content_type, info) or a 4xx naming what is wrong."""
    settings = ctx().settings
    if purpose == "font" or (purpose is None and looks_like_font(data)):
        _check_bytes(data, settings.max_asset_bytes)
        info = inspect_font(data)  # fontTools parses its tables, FreeType draws with it: else 422 font_invalid
        return "font", "font", "font/otf" if info["format"] == "otf" else "font/ttf", info
    if looks_like_font(data):
        _purpose_for("font", purpose)  # a font sent as a logo: refused for what it is
    header = read_image_header(data)  # raises image_too_many_pixels for a declared bomb
    if header is not None:
        purpose = _purpose_for("image", purpose)
        fmt = header.format
        if fmt not in IMAGE_TYPES:
            raise ProblemError("asset_unsupported_type", f"{fmt} images are not accepted; send JPEG, PNG or WebP.", 415)
        check_image_size(header)  # before any decode: too many pixels, too small, too thin
        _check_bytes(data, settings.max_asset_bytes)
        if purpose == "portrait":
            info = _portrait_info(data)  # raises avatar_unreadable / avatar_no_face
        else:  # a background or a logo: any picture that decodes, kept as sent (a logo's alpha too)
            info = _picture_info(data)
        return "image", purpose, IMAGE_TYPES[fmt], info

    if data[:6] in (b"GIF87a", b"GIF89a"):  # a GIF Pillow cannot read (cut short) FFmpeg would open as a video
        raise ProblemError("asset_unsupported_type", "GIF images are not accepted; send JPEG, PNG or WebP.", 415)
    moving, sound = stream_kinds(data)
    # a film with a sound track sent without a purpose is narration, as it was before purposes existed
    if moving and purpose not in ("narration", "music") and not (purpose is None and sound):
        purpose = _purpose_for("video", purpose)
        video = read_video_header(data)  # the header only: no frame is decoded
        check_video_bounds(video, settings)
        return "video", purpose, video.content_type, video.to_info()

    if purpose is not None and "audio" not in PURPOSE_KINDS[purpose]:
        if sound:
            _purpose_for("audio", purpose)  # music sent as a logo: refused for what it is
        if "video" in PURPOSE_KINDS[purpose] and looks_like_video(data):
            raise ProblemError("asset_unreadable", "The video does not open: it is cut short or damaged.", 422)
        # neither a picture nor a video (a PDF, a document): say what the purpose takes, not what FFmpeg made of it
        raise _purpose_refused(purpose, "this file is none of those")
    _check_bytes(data, settings.max_asset_bytes)
    try:
        duration_s = probe_audio(data)  # asset_unreadable for audio cut short or damaged
    except NotAudio:
        raise _not_audio(data, purpose, moving) from None
    purpose = _purpose_for("audio", purpose)
    if duration_s > settings.max_audio_s:
        raise ProblemError(
            "audio_too_long", f"The audio lasts {duration_s:.0f} s; the limit is {settings.max_audio_s:.0f} s.", 422
        )
    if duration_s < 0.2:
        raise ProblemError("audio_too_short", "The audio is shorter than 0.2 s.", 422)

    if purpose == "narration":
        check_narration(data)  # the worker's decode of the first seconds: refused now, not as a failed job later
    return "audio", purpose, _audio_content_type(data), {"duration_s": round(duration_s, 3)}


#: what each purpose takes, as a refusal says it
PURPOSE_TAKES = {
    "portrait": "A portrait is a JPEG, PNG or WebP photo of one face",
    "background": "A background is a JPEG, PNG or WebP image, or an MP4, MOV or WebM video",
    "logo": "A logo is a PNG, JPEG or WebP image",
    "music": "Music is audio (WAV, MP3, M4A, Ogg or FLAC)",
    "narration": "Narration is audio (WAV, MP3, M4A, Ogg or FLAC)",
    "font": "A font is a TTF or OTF file",
}
KIND_NOUNS = {"image": "an image", "video": "a video", "audio": "audio", "font": "a font"}
#: what an upload without a purpose may be, as a refusal says it
ANY_UPLOAD_TAKES = (
    "An upload without a purpose is a picture (JPEG, PNG or WebP), a video (MP4, MOV or WebM), "
    "audio (WAV, MP3, M4A, Ogg or FLAC) or a font (TTF or OTF)"
)


def _purpose_for(kind: str, asked: str | None) -> str:
    """The purpose an upload of ``kind`` gets: the one asked, if this kind can serve it, else the kind's default."""
    purpose = asked or DEFAULT_PURPOSE[kind]
    if kind not in PURPOSE_KINDS[purpose]:
        raise _purpose_refused(purpose, f"this file is {KIND_NOUNS[kind]}")
    return purpose


def _purpose_refused(purpose: str, found: str) -> ProblemError:
    """422 ``asset_purpose_invalid``: what the purpose takes, and what the file is instead."""
    return ProblemError(
        "asset_purpose_invalid",
        f"{PURPOSE_TAKES[purpose]}; {found}.",
        422,
        errors={"purpose": [f"{PURPOSE_TAKES[purpose]}; {found}"]},
    )


def _not_audio(data: bytes, purpose: str | None, moving: bool) -> ProblemError:
    """A file tried as audio that is none (a PDF as narration, or sent with no purpose), refused saying what it
    is rather than what FFmpeg made of it: 422 ``asset_purpose_invalid`` for narration or music, 415
    ``asset_unsupported_type`` without a purpose (no purpose takes it)."""
    kind = "a video without sound" if moving else file_kind(data)
    found = f"this file is {kind}" if kind else "this file is none of those"
    if purpose is None:
        return ProblemError("asset_unsupported_type", f"{ANY_UPLOAD_TAKES}; {found}.", 415)
    return _purpose_refused(purpose, found)


def _check_bytes(data: bytes, limit: int) -> None:
    if len(data) > limit:
        raise ProblemError("asset_too_large", f"Images and audio may be at most {limit} bytes.", 413)


def _portrait_info(data: bytes) -> dict:
    """The portrait's face analysis, and its matte made and stored (``info["matte"]``) if this photo has none yet.

    The matte is a content-addressed cache entry (shared by every upload of the same photo, and by the worker):
    it is written once the face is found, and is left in place if the asset's row then fails."""
    rgb = decode_portrait(data)  # once, for both
    info = analyze_image(rgb).to_dict()
    storage = ctx().storage
    key = matte_key(hashlib.sha256(data).hexdigest())
    try:
        if not storage.exists(key):
            storage.put_bytes(key, matte_png(portrait_matte(rgb)), "image/png")
    except Exception:  # noqa: BLE001 — the matte is a head start: the preview or the worker makes it otherwise
        log.warning("portrait matte not made at upload", exc_info=True)
        return info
    return {**info, "matte": {"key": key, "version": MATTE_VERSION}}


def _picture_info(data: bytes) -> dict:
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
            return {
                "width": picture.width,
                "height": picture.height,
                "alpha": picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info,
            }
    except Exception as exc:  # noqa: BLE001 — any decoder's failure on hostile bytes is "unreadable"
        raise ProblemError("asset_unreadable", f"The picture does not decode ({type(exc).__name__}).", 422) from None


#: container format (as FFmpeg names it) -> content type
AUDIO_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4",
    "matroska,webm": "audio/webm",
    "aac": "audio/aac",
}


def _audio_content_type(data: bytes) -> str:
    import av

    with av.open(io.BytesIO(data)) as container:
        return AUDIO_TYPES.get(container.format.name, "application/octet-stream")


def _too_large(size: int | None = None) -> ProblemError:
    """The one refusal of an upload over the farm's limit (413 ``asset_too_large``), whatever its size."""
    sent = f"; this upload is {size} bytes" if size else ""
    return ProblemError("asset_too_large", f"Assets may be at most {_largest()} bytes{sent}.", 413)


def _largest() -> int:
    return max(ctx().settings.max_asset_bytes, ctx().settings.max_video_bytes)


# a body declared larger than any asset, or met over the server's cap, is refused as any asset too large
blp.record_once(lambda state: upload_limit(state.app, "assets.Assets", _largest, _too_large))


@blp.route("")
class Assets(MethodView):
    @blp.arguments(AssetCreateSchema, location="files")
    @blp.response(201, AssetSchema, description="Stored: a new asset.", headers=LOCATION_HEADER)
    @blp.alt_response(
        200,
        schema=AssetSchema,
        description="The tenant already has these bytes for this purpose: that asset, as it was stored (nothing new "
        "is stored, and its id serves as before).",
    )
    @blp.alt_response(
        409,
        schema=ProblemSchema,
        content_type=PROBLEM_JSON,
        description="`asset_quota_exceeded`: the tenant's assets would pass its limit of stored bytes or of assets "
        "(`errors.quota`: bytes and assets used, their limits, this upload's bytes). Nothing was stored; deleting "
        "assets frees room.",
    )
    @blp.alt_response(413, response="Problem")
    @blp.alt_response(415, response="Problem")
    @blp.alt_response(422, response="Problem")
    def post(self, files):
        """Upload a portrait (JPEG/PNG/WebP with one visible face), narration or music audio, a background (image,
        or MP4/MOV/WebM video within the farm's bounds of bytes, pixels, frame rate and length), a logo, or a font
        (TTF/OTF, purpose font, for brand kits and text; a file that does not parse and draw is 422 font_invalid).
        The same bytes uploaded again for the same purpose (the tenant's asset with that SHA-256) are answered with
        the existing asset and a 200, not stored again: a client may upload a file on every use. A tenant's assets
        may take TALKFARM_TENANT_MAX_ASSET_BYTES together (20 GiB) and number TALKFARM_TENANT_MAX_ASSETS (10,000):
        an upload past either is a 409 asset_quota_exceeded, refused before it is inspected or stored (an upload
        answered with an existing asset counts nothing)."""
        c = ctx()
        upload = files["file"]
        purpose = request.form.get("purpose")
        problem = purpose_problem(purpose)
        if problem:
            raise ProblemError("asset_purpose_invalid", problem, 422, errors={"purpose": [problem]})
        largest = max(c.settings.max_asset_bytes, c.settings.max_video_bytes)
        data = upload.read(largest + 1)
        if len(data) > largest:
            raise _too_large()
        if not data:
            raise ProblemError("asset_empty", "The uploaded file is empty.", 422)
        sha256 = hashlib.sha256(data).hexdigest()
        # these bytes were inspected for this purpose when first stored: no second face analysis or header read
        existing = _existing(purpose, sha256) if purpose else None
        if existing is not None:
            return existing, 200
        with c.sessions() as session:  # before the face analysis, the matte and the storage write
            maybe_stored = refuse_if_full(session, c.settings, g.tenant_id, len(data), sha256)
        kind, purpose, content_type, info = _inspect(data, purpose)
        existing = _existing(purpose, sha256)
        if existing is not None:
            return existing, 200
        if maybe_stored:  # the same bytes, held for another purpose: this upload is a new asset after all
            with c.sessions() as session:
                refuse_if_full(session, c.settings, g.tenant_id, len(data))
        asset_id = new_id("ast")
        key = f"assets/{g.tenant_id}/{asset_id}"
        c.storage.put_bytes(key, data, content_type)
        asset = Asset(
            id=asset_id,
            tenant_id=g.tenant_id,
            kind=kind,
            purpose=purpose,
            content_type=content_type,
            bytes=len(data),
            sha256=sha256,
            content_key=asset_content_key(purpose, sha256),
            storage_key=key,
            info=info,
            name=asset_file_name(upload.filename),
        )
        try:
            with c.sessions() as session, session.begin():
                hold_room(session, c.settings, asset)  # counted with its row: two uploads at once cannot both fit
        except Exception as exc:
            c.storage.delete(key)  # leave nothing half-written behind
            if isinstance(exc, sa.exc.IntegrityError):  # the same bytes stored by a request beside this one
                existing = _existing(purpose, sha256)
                if existing is not None:
                    return existing, 200
            raise
        return asset_document(asset), 201, {"Location": f"/v1/assets/{asset.id}"}

    @blp.arguments(AssetListQuerySchema, location="query")
    @blp.response(200, AssetListSchema)
    def get(self, query):
        """List the tenant's assets, newest first, with what they take of its room (`quota`); pass `next_cursor`
        back as `cursor` for the next page. `purpose` and `kind` narrow the list (the quota counts every asset)."""
        c = ctx()
        with c.sessions() as session:
            stmt = sa.select(Asset).where(Asset.tenant_id == g.tenant_id)
            if query["purpose"]:
                stmt = stmt.where(Asset.purpose == query["purpose"])
            if query["kind"]:
                stmt = stmt.where(Asset.kind == query["kind"])
            if query["cursor"]:
                stmt = stmt.where(Asset.id < query["cursor"])
            rows = session.scalars(stmt.order_by(Asset.id.desc()).limit(query["limit"] + 1)).all()
            items = [asset_document(a) for a in rows[: query["limit"]]]
            quota = room(session, c.settings, g.tenant_id)
        next_cursor = rows[query["limit"] - 1].id if len(rows) > query["limit"] else None
        return {"items": items, "next_cursor": next_cursor, "quota": quota}


def _existing(purpose: str, sha256: str) -> dict | None:
    """The tenant's asset of these bytes for this purpose, as its document; None if it has none."""
    with ctx().sessions() as session:
        asset = session.scalars(
            sa.select(Asset).where(
                Asset.tenant_id == g.tenant_id, Asset.content_key == asset_content_key(purpose, sha256)
            )
        ).one_or_none()
        return asset_document(asset) if asset is not None else None


@blp.route("/<asset_id>")
class AssetById(MethodView):
    @blp.response(200, AssetSchema)
    @blp.alt_response(404, response="Problem")
    def get(self, asset_id):
        """An asset's metadata."""
        with ctx().sessions() as session:
            return asset_document(owned(session, Asset, asset_id))

    @blp.response(204, description="Deleted: its stored file and its row (and a portrait's matte) are gone.")
    @blp.alt_response(404, response="Problem")
    @blp.alt_response(
        409,
        schema=ProblemSchema,
        content_type=PROBLEM_JSON,
        description="`asset_in_use`: a queued or running job, a brand kit or a live template names the asset "
        "(`errors.uses`: each with its kind, id, status or name, and the fields naming it).",
    )
    @blp.alt_response(
        503,
        schema=ProblemSchema,
        content_type=PROBLEM_JSON,
        description="`storage_unavailable`: storage could not be reached; the asset was not deleted, try again.",
    )
    def delete(self, asset_id):
        """Delete an asset: its stored file, its row, and (for a picture no other asset holds) its cached matte; the
        bytes it took count no more against the tenant's quota. Refused (409 asset_in_use, naming them) while a
        queued or running job, a brand kit or a live template names it. Finished jobs keep their outputs, and their
        spec keeps naming the id: retried or approved, such a job fails for want of it."""
        c = ctx()
        with c.sessions() as session, session.begin():
            asset = owned(session, Asset, asset_id)
            refuse_if_in_use(session, asset)
            keys = [*_caches_only_it_holds(session, asset), asset.storage_key]
            session.delete(asset)
            session.flush()
            try:  # before the commit: if storage fails, the row stays and the delete may be asked again
                for key in keys:
                    c.storage.delete(key)
            except StorageUnavailable:
                raise ProblemError(
                    "storage_unavailable", "Storage cannot be reached; the asset was not deleted. Try again.", 503
                ) from None
        return None


def _caches_only_it_holds(session, asset: Asset) -> list[str]:
    """The matte cached for a picture (``matte_key``, shared by every upload of the same photo, of any tenant, and
    by a preset's jobs), unless another asset or a preset is that photo: then it stays for them."""
    if asset.kind != "image" or asset.sha256 in _preset_hashes():
        return []
    shared = session.scalar(sa.select(Asset.id).where(Asset.sha256 == asset.sha256, Asset.id != asset.id).limit(1))
    if shared is not None:
        return []
    recorded = str(((asset.info or {}).get("matte") or {}).get("key") or "")
    return sorted({matte_key(asset.sha256), *([recorded] if recorded.startswith("cache/mattes/") else [])})


@functools.cache
def _preset_hashes() -> frozenset[str]:
    return frozenset(hashlib.sha256(path.read_bytes()).hexdigest() for path in PRESETS.values())
