"""/v1/previews: the still of a job body's frame at a moment, as a PNG.

The body is checked exactly as POST /v1/jobs checks it (``intake.check_spec``:
the same 4xx with the same codes), nothing is stored and no job is made; then
``media.preview`` draws the frame from the checked ``spec["composition"]``. A
job without canvas (the square face video) previews as its framed portrait.

The work is CPU in the API's own process, so it is bounded before anything is
drawn: a canvas longer than 1920 px is drawn at 1920 and enlarged
(``media.preview.drawn_composition``; the PNG keeps the canvas's size, as the
page and the contract have it), a scene whose texts would take more than
``PREVIEW_TEXT_BUDGET`` to lay out is a 422 ``preview_too_much_text`` (20
titles of 480 characters at size 100 on 4K held a slot for 8.8 s), and one
whose pictures have more than ``PREVIEW_PICTURE_PIXELS`` a 422
``preview_too_many_pixels`` (20 logo overlays of a 40 MP logo: 16.7 s); POST
/v1/jobs still takes such a job, whose worker lays each text out once. The
previews drawn at once, ``PREVIEWS_AT_ONCE``, are shared fairly by the
tenants (``PreviewSlots``): one tenant's previews delay another's by at most
the rest of one preview, and its own excess waits briefly, then gets a 503
``preview_busy`` with Retry-After. The portrait's analysis and matte are kept
in memory by the photo's hash. An uploaded portrait brings both from its
upload (``info``, and the matte in storage under the key the worker's matte
cache uses); a preset's are made by ``preload_presets`` when a server process
starts (with mediapipe's import, most of a cold process's first preview), or
on its first preview, and kept for the process's life.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import tempfile
import threading
import time
from collections import Counter, OrderedDict
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
from domain.brand_kits import mark_fields
from domain.composition_checks import refuse
from domain.composition_rules import MAX_OVERLAY_TIME_S
from domain.errors import ProblemError
from domain.models import Asset, Tenant
from domain.presets import PRESETS, preset_path
from media.compose import mark_band, mark_inset, matte_from_png, matte_key, matte_png, portrait_matte
from media.errors import MediaError
from media.preview import (
    PREVIEW_MAX_SIDE,
    PREVIEW_TEXT_BUDGET,
    Portrait,
    drawn_composition,
    enlarged,
    first_frame,
    png_bytes,
    still,
    text_cost,
)
from media.render import FORMAT_VERSION, analyze_image, decode_portrait
from media.watermark import VisibleWatermark

blp = Blueprint(
    "previews", __name__, url_prefix="/v1/previews", description="Stills of a composed job, before it is made"
)

#: previews drawn at once in one API process, shared by its tenants (``PreviewSlots``); a request waits up to
#: BUSY_WAIT_S for one, then 503
PREVIEWS_AT_ONCE, BUSY_WAIT_S = 2, 5.0
#: a tenant's requests waiting for a slot, at most: more are a 503 at once (each waiting one holds an API thread)
PREVIEWS_WAITING_PER_TENANT = 2
#: photos whose decoded pixels, analysis and matte are kept in memory (a composer changes other fields)
PORTRAITS_KEPT = 8
#: the pixels of the pictures one preview decodes, at most: its background's and each logo overlay's (each is
#: decoded), as uploaded. About 30 ms of CPU a megapixel: the most one upload may have (40 MP) and a fifth more is
#: about 1.4 s; 20 logo overlays of one 40 MP logo took 16.7 s
PREVIEW_PICTURE_PIXELS = 48_000_000


class PreviewSlots:
    """The previews one API process draws at once, shared by its tenants.

    A slot freed goes to the waiting request whose tenant holds the fewest slots, the first come among equals. A
    tenant alone may use every slot; while another tenant waits, the next slot freed is the other's, so one
    tenant's previews delay another's by at most the rest of one preview (bounded by ``media.preview``'s
    budgets), never by a queue of its own. With one pool for all, six previews of one tenant held both slots and
    the queue, and another tenant's single preview got 503 after 5 s. A tenant's requests beyond
    ``waiting_per_tenant`` waiting are refused at once: its excess is its own 503, and holds no more API threads.
    """

    def __init__(self, slots: int, waiting_per_tenant: int):
        self.slots, self.waiting_per_tenant = slots, waiting_per_tenant
        self._changed = threading.Condition()
        self._held: Counter[str] = Counter()
        self._waiting: list[tuple[int, str]] = []  # (arrival, tenant), in arrival order
        self._arrivals = itertools.count()

    @contextlib.contextmanager
    def slot(self, tenant_id: str, wait_s: float) -> Iterator[None]:
        """Hold a slot for ``tenant_id`` while the block runs: a 503 ``preview_busy`` when none is its within
        ``wait_s``, or at once when the tenant already has ``waiting_per_tenant`` requests waiting."""
        if not self._acquire(tenant_id, wait_s):
            raise ProblemError(
                "preview_busy",
                "Other previews are being drawn; try again in a moment.",
                503,
                headers={"Retry-After": "2"},
            )
        try:
            yield
        finally:
            with self._changed:
                self._held[tenant_id] -= 1
                if self._held[tenant_id] <= 0:
                    del self._held[tenant_id]
                self._changed.notify_all()

    def held(self) -> dict[str, int]:
        """Slots held now, by tenant."""
        with self._changed:
            return dict(self._held)

    def waiting(self) -> list[str]:
        """The tenants of the requests waiting now, in arrival order."""
        with self._changed:
            return [tenant for _, tenant in self._waiting]

    def _acquire(self, tenant_id: str, wait_s: float) -> bool:
        deadline = time.monotonic() + wait_s
        with self._changed:
            if sum(1 for _, tenant in self._waiting if tenant == tenant_id) >= self.waiting_per_tenant:
                return False
            ticket = (next(self._arrivals), tenant_id)
            self._waiting.append(ticket)
            try:
                while self._next() != ticket:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._changed.wait(left)
                self._held[tenant_id] += 1
                return True
            finally:
                self._waiting.remove(ticket)
                self._changed.notify_all()  # the next in line may go now: a slot is left, or it is first now

    def _next(self) -> tuple[int, str] | None:
        """The waiting request a free slot goes to; None while every slot is held."""
        if not self._waiting or sum(self._held.values()) >= self.slots:
            return None
        return min(self._waiting, key=lambda ticket: (self._held[ticket[1]], ticket[0]))


_slots = PreviewSlots(PREVIEWS_AT_ONCE, PREVIEWS_WAITING_PER_TENANT)
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
        at = "" if body.get("scenes") is None else "scenes[0]."
        drawn = drawn_composition(composition)
        check_text_cost(drawn, f"{at}overlays")
        check_picture_pixels(scene, keys, f"{at}overlays")
        canvas = composition["canvas"]
        with _slots.slot(g.tenant_id, BUSY_WAIT_S):
            try:
                portrait = _portrait(scene["avatar"], keys, bool(scene["character"].get("matting")))
                frame = still(
                    drawn,
                    portrait,
                    spec["params"],
                    at_s,
                    lambda asset_id: _image_bytes(keys[asset_id]),
                    mark=_mark_room(spec, drawn, c.settings),
                )
            except MediaError as exc:
                raise ProblemError(exc.code, exc.detail, 422) from exc
            png = png_bytes(enlarged(frame, int(canvas["width"]), int(canvas["height"])))
        return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


def _mark_room(spec: dict[str, Any], drawn: dict[str, Any], settings: Any) -> tuple[int, int, int, int] | None:
    """The rows the job's visible mark takes on a vertical canvas (``media.compose.mark_band``), which the preview
    keeps its texts and captions clear of as the video does (the mark itself is not drawn); None elsewhere. Its
    rows depend on its size and corner only, so a logo beside its text changes nothing here."""
    mark = spec.get("watermark") or {}
    width, height = int(drawn["canvas"]["width"]), int(drawn["canvas"]["height"])
    inset = mark_inset(width, height)
    if mark.get("enabled") is False or inset is None or not spec.get("composition"):
        return None
    try:
        overlay = VisibleWatermark(**mark_fields(mark, settings)).overlay_for(width, height, inset)
    except MediaError:
        return None
    return mark_band(overlay.box, width, height)


def check_text_cost(drawn: dict[str, Any], path: str) -> None:
    """A 422 ``preview_too_much_text`` naming the first scene's overlays (``path``) when laying out their texts would
    cost more than ``PREVIEW_TEXT_BUDGET`` (``media.preview.text_cost``, on the canvas the preview is drawn on):
    worked out from the request before it waits for a slot, so such a preview costs next to nothing."""
    cost = text_cost(drawn)
    if cost > PREVIEW_TEXT_BUDGET:
        refuse(
            "preview_too_much_text",
            path,
            f"The first scene's texts are too much to preview at once: {cost:,} of at most {PREVIEW_TEXT_BUDGET:,} "
            f"(characters times size in pixels on a canvas at most {PREVIEW_MAX_SIDE} px long, a wide character "
            "counted twice). Shorten them, make them smaller or use fewer; POST /v1/jobs takes the job as it is.",
        )


def check_picture_pixels(scene: dict[str, Any], keys: dict[str, tuple[str, str, Any]], path: str) -> None:
    """A 422 ``preview_too_many_pixels`` naming the first scene's overlays (``path``) when the pictures it would
    decode, its background and each logo overlay, have more than ``PREVIEW_PICTURE_PIXELS`` as uploaded (their
    ``info``): worked out before the request waits for a slot. One picture has at most 40 MP, so only logos take a
    scene past it."""
    ids = [(scene.get("background") or {}).get("asset_id")]
    ids += [o.get("asset_id") for o in scene.get("overlays") or [] if o["type"] != "text"]
    pixels = 0
    for asset_id in filter(None, ids):
        info = keys[asset_id][2] if isinstance(keys[asset_id][2], dict) else {}
        pixels += int(info.get("width") or 0) * int(info.get("height") or 0)
    if pixels > PREVIEW_PICTURE_PIXELS:
        refuse(
            "preview_too_many_pixels",
            path,
            f"The first scene's pictures are too large to preview at once: {pixels:,} pixels of at most "
            f"{PREVIEW_PICTURE_PIXELS:,} (the background's and each logo overlay's, as uploaded). Use fewer or "
            "smaller logos; POST /v1/jobs takes the job as it is.",
        )


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
