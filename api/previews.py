"""/v1/previews: the still of a job body's frame at a moment, as a PNG.

The body is checked exactly as POST /v1/jobs checks it (``intake.check_spec``:
the same 4xx with the same codes), nothing is stored and no job is made; then
``media.preview`` draws the frame from the checked ``spec["composition"]``. A
job without canvas (the square face video) previews as its framed portrait.

The work is CPU in the API's own process, so it is bounded: the canvas by the
job limits (at most 3840×2160), and the previews drawn at once by
``PREVIEWS_AT_ONCE`` (another caller waits briefly, then gets a 503
``preview_busy`` with Retry-After). The portrait's analysis and matte are kept
in memory by the photo's hash. An uploaded portrait brings both from its
upload (``info``, and the matte in storage under the key the worker's matte
cache uses); a preset's are made by ``preload_presets`` when a server process
starts (with mediapipe's import, most of a cold process's first preview), or
on its first preview, and kept for the process's life.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api import intake
from api.context import ctx
from api.ownership import owned
from api.schemas import JobSpecSchema
from domain.composition_rules import MAX_OVERLAY_TIME_S
from domain.errors import ProblemError
from domain.models import Asset, Tenant
from domain.presets import PRESETS, preset_path
from media.compose import matte_from_png, matte_key, matte_png, portrait_matte
from media.errors import MediaError
from media.preview import Portrait, first_frame, png_bytes, still
from media.render import FORMAT_VERSION, analyze_image, decode_portrait

blp = Blueprint(
    "previews", __name__, url_prefix="/v1/previews", description="Stills of a composed job, before it is made"
)

#: previews drawn at once in one API process; more wait up to BUSY_WAIT_S, then 503
PREVIEWS_AT_ONCE, BUSY_WAIT_S = 2, 5.0
#: photos whose decoded pixels, analysis and matte are kept in memory (a composer changes other fields)
PORTRAITS_KEPT = 8

_slots = threading.BoundedSemaphore(PREVIEWS_AT_ONCE)
_portraits: OrderedDict[tuple[str, bool], Portrait] = OrderedDict()
_portraits_lock = threading.Lock()
#: the presets' portraits by (name, matting), made once per process (four small photos: never let go)
_presets: dict[tuple[str, bool], Portrait] = {}
#: locks for portraits being made, one per stripe of (photo hash or preset name, matting): bounded, and two photos
#: rarely share one
_making_locks = tuple(threading.Lock() for _ in range(16))


class PreviewRequestSchema(JobSpecSchema):
    at_s = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=0.0, max=MAX_OVERLAY_TIME_S),
        metadata={"description": "The moment shown, in seconds from the first scene's start: the overlays shown then."},
    )


def square_composition(spec: dict[str, Any]) -> dict[str, Any]:
    """A square job as a composition: the framed portrait filling a canvas of the render's resolution."""
    side = int(spec["params"]["resolution"])
    return {
        "canvas": {"width": side, "height": side},
        "captions": {},
        "scenes": [
            {
                "avatar": spec["avatar"],
                "script": spec.get("script"),
                "overlays": [],
                "background": {"type": "portrait"},
                "character": {"style": "normal", "scale": 2.0, "offset": {"x": 0.0, "y": 0.0}, "matting": False},
            }
        ],
    }


@blp.route("")
class Previews(MethodView):
    @blp.arguments(PreviewRequestSchema)
    @blp.response(200, description="The frame (PNG; with alpha on a transparent background)", content_type="image/png")
    @blp.alt_response(422, response="Problem")
    @blp.alt_response(503, response="Problem")
    def post(self, body):
        """The still of a job body's frame at `at_s`: presenter at rest, background, overlays, a sample caption."""
        at_s = float(body.pop("at_s"))
        c = ctx()
        with c.sessions() as session:
            tenant = session.get_one(Tenant, g.tenant_id)
            checked = intake.check_spec(session, c.settings, tenant, body)
            spec = checked.spec
            composition = spec.get("composition") or square_composition(spec)
            scene = composition["scenes"][0]
            keys = {a.id: (a.storage_key, a.kind, a.info) for a in _assets(session, composition)}
        if not _slots.acquire(timeout=BUSY_WAIT_S):
            raise ProblemError(
                "preview_busy",
                "Other previews are being drawn; try again in a moment.",
                503,
                headers={"Retry-After": "2"},
            )
        try:
            portrait = _portrait(scene["avatar"], keys, bool(scene["character"].get("matting")))
            frame = still(composition, portrait, spec["params"], at_s, lambda asset_id: _image_bytes(keys[asset_id]))
        except MediaError as exc:
            raise ProblemError(exc.code, exc.detail, 422) from exc
        finally:
            _slots.release()
        return Response(png_bytes(frame), mimetype="image/png", headers={"Cache-Control": "no-store"})


def _assets(session, composition: dict[str, Any]) -> list[Asset]:
    """The assets the first scene shows (checked for ownership and purpose by ``check_spec`` already)."""
    scene = composition["scenes"][0]
    ids = [
        scene["avatar"].get("asset_id"),
        (scene.get("background") or {}).get("asset_id"),
        *(o.get("asset_id") for o in scene.get("overlays") or []),
    ]
    return [owned(session, Asset, asset_id) for asset_id in ids if asset_id]


def _image_bytes(asset: tuple[str, str, Any]) -> bytes:
    key, kind, _ = asset
    data = ctx().storage.get_bytes(key)
    if kind != "video":
        return data
    with tempfile.NamedTemporaryFile(suffix=".video") as video:
        video.write(data)
        video.flush()
        return first_frame(video.name)


def preload_presets() -> None:
    """Analyse and cut out every preset portrait now (and import mediapipe with it), so that no caller's first
    preview waits for them: a server process runs this before it takes requests."""
    for name in PRESETS:
        _preset(name, True)


def _preset(name: str, matting: bool) -> Portrait:
    kept = _presets.get((name, matting))  # a dict read is atomic; entries are only ever added
    if kept is not None:
        return kept
    with _making((name, matting)):
        kept = _presets.get((name, matting))  # made while this thread waited
        if kept is not None:
            return kept
        image = preset_path(name).read_bytes()
        rgb = decode_portrait(image)
        info = analyze_image(rgb).to_dict()
        made = {False: Portrait.of(rgb, info, None), True: Portrait.of(rgb, info, portrait_matte(rgb))}
        with _portraits_lock:
            _presets[(name, False)], _presets[(name, True)] = made[False], made[True]
        return made[matting]


def _portrait(avatar: dict[str, Any], keys: dict[str, tuple[str, str, Any]], matting: bool) -> Portrait:
    if "preset" in avatar:
        return _preset(avatar["preset"], matting)
    key, _, stored = keys[avatar["asset_id"]]
    image = ctx().storage.get_bytes(key)
    digest = hashlib.sha256(image).hexdigest()
    kept = _kept((digest, matting))
    if kept is not None:
        return kept
    with _making((digest, matting)):
        kept = _kept((digest, matting))  # made while this thread waited
        if kept is not None:
            return kept
        rgb = decode_portrait(image)
        info = (
            stored
            if isinstance(stored, dict) and int(stored.get("version", 0)) == FORMAT_VERSION
            else analyze_image(rgb).to_dict()
        )
        portrait = Portrait.of(rgb, info, _matte(digest, rgb) if matting else None)
        with _portraits_lock:
            _portraits[(digest, matting)] = portrait
            while len(_portraits) > PORTRAITS_KEPT:
                _portraits.popitem(last=False)
        return portrait


def _kept(key: tuple[str, bool]) -> Portrait | None:
    with _portraits_lock:
        kept = _portraits.get(key)
        if kept is not None:
            _portraits.move_to_end(key)
        return kept


@contextlib.contextmanager
def _making(key: tuple[str, bool]) -> Iterator[None]:
    """One thread makes a portrait's analysis and matte; the composer's other previews of it, sent as a person
    changes field after field, wait for that one instead of each making it again (on a loaded machine, side by
    side, they took long enough to hold both slots past ``BUSY_WAIT_S``)."""
    with _making_locks[hash(key) % len(_making_locks)]:
        yield


def _matte(digest: str, rgb: np.ndarray) -> np.ndarray:
    """The photo's matte from storage (made at its upload, or by a worker), or made now and put there."""
    storage = ctx().storage
    key = matte_key(digest)
    if storage.exists(key):
        matte = matte_from_png(storage.get_bytes(key))
        if matte.shape == rgb.shape[:2]:
            return matte
    matte = portrait_matte(rgb)
    storage.put_bytes(key, matte_png(matte), "image/png")
    return matte
