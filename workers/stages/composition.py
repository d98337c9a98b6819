"""A composed job's set-up: its cuts (the main canvas and each rendition), and
per scene the portrait, its matte, the face prepared once at the largest size
any cut shows it, and each cut's compositor.

A rendition is another canvas over the same speech and the same face frames:
the face is rendered once, at the largest box any cut gives it, and resized
for the others (so no cut shows a face scaled up, and the main cut's face is
drawn at the size it is shown).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from domain.composition import scene_text
from domain.drafts import DRAFT_LABEL, draft_canvas
from domain.errors import JobFailure
from domain.models import Asset
from domain.presets import cuts_out
from media.compose import (
    MATTE_VERSION,
    Background,
    FaceChanges,
    PhotoPerson,
    SceneCompositor,
    background_for,
    caption_band,
    caption_lines,
    face_on_canvas,
    mark_inset,
    matte_from_png,
    matte_key,
    matte_png,
    portrait_matte,
    presenter_box,
    presenter_colours,
    rendition_character,
    scene_layers,
)
from media.compose import mark_band as band_of_mark
from media.render import analyze_image, decode_portrait
from media.watermark import InvisibleWatermark, Payload, VisibleWatermark, tenant_code, watermark_key
from workers.attempt import Attempt
from workers.stages.frames import visible_overlay
from workers.stages.inputs import Portrait, load_portrait

#: the least a given text size is drawn at in a draft (a size of 12 on a 1920 canvas is 4 on its 640 draft)
MIN_DRAWN_SIZE = 8

#: scene keys that stand in for the job's own script/narration/avatar/voice/language
SCENE_KEYS = ("script", "audio_asset_id", "transcript", "avatar", "voice", "language")


@dataclass
class Cut:
    """One output file: the main canvas (``name`` "main") or a rendition ("r1", …)."""

    name: str
    width: int
    height: int
    characters: list[dict[str, Any]]  # per scene
    captions: dict[str, Any]
    visible: Any = None
    invisible: Any = None
    draft_mark: Any = None  # the DRAFT label of a preview
    #: a draft's size over its canvas's: the pixel sizes a request gives its texts and captions are drawn at this
    #: share of them, so a draft shows them as large, for its size, as the final will
    text_scale: float = 1.0

    def scaled(self, style: dict[str, Any]) -> dict[str, Any]:
        """A text overlay's or captions' style with its given ``size`` (pixels on the canvas) at this cut's scale."""
        if self.text_scale == 1.0 or not style.get("size"):
            return style
        return {**style, "size": max(MIN_DRAWN_SIZE, round(int(style["size"]) * self.text_scale))}

    def segment_name(self, index: int, output_format: str) -> str:
        """The file name of one segment of this cut: the main cut's keeps the square job's name, so resume logic is
        shared.
        """
        tail = "" if self.name == "main" else f".{self.name}"
        return f"seg-{index:04d}{tail}.{output_format}"


@dataclass
class Scene:
    index: int
    spec: dict[str, Any]  # the job's spec with this scene's script, avatar, voice… in place
    composition: dict[str, Any]  # the scene's own dict
    face_side: int = 0
    prepared: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    compositors: list[SceneCompositor] = field(default_factory=list)
    #: per cut, a draft's DRAFT label placed clear of this scene's overlays (empty for a final)
    draft_marks: list[Any] = field(default_factory=list)
    #: per cut, the lines of burned-in captions the overlays keep room for (``caption_lines``): no page takes more
    caption_lines: list[int] = field(default_factory=list)


def scene_specs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each scene as a job spec of its own (the pipeline's inputs read script, avatar, voice… from it)."""
    base = {k: v for k, v in spec.items() if k not in SCENE_KEYS and k != "composition"}
    return [{**base, **{k: scene.get(k) for k in SCENE_KEYS}} for scene in spec["composition"]["scenes"]]


def _uncut_where_asked(scene: dict[str, Any], character: dict[str, Any]) -> dict[str, Any]:
    """A rendition's ``character`` for ``scene``: not cut out where the scene's portrait cannot be
    (``domain.presets.cuts_out``), though the rendition's own character says ``matting`` for every scene."""
    return character if cuts_out(scene["avatar"]) else {**character, "matting": False}


def job_cuts(attempt: Attempt) -> list[Cut]:
    """The canvases this job renders, main first then each rendition, at draft scale for a draft; each carries its own
    characters and captions.
    """
    comp = attempt.spec["composition"]
    scenes = comp["scenes"]
    cuts = [
        Cut(
            "main",
            *_draft_size(attempt, comp["canvas"]),
            [s["character"] for s in scenes],
            with_font_file(attempt, comp["captions"]),
        )
    ]
    canvas = (comp["canvas"]["width"], comp["canvas"]["height"])
    for n, rendition in enumerate(comp.get("renditions") or [], start=1):
        size = (rendition["canvas"]["width"], rendition["canvas"]["height"])
        characters = [
            _uncut_where_asked(s, rendition.get("character") or rendition_character(s["character"], canvas, size))
            for s in scenes
        ]
        cuts.append(
            Cut(
                f"r{n}",
                *_draft_size(attempt, rendition["canvas"]),
                characters,
                with_font_file(attempt, rendition.get("captions") or comp["captions"]),
            )
        )
    key = watermark_key(attempt.settings)
    claim = attempt.claim
    payload = Payload(job_code=claim.wm_code or 0, tenant_code=tenant_code(claim.tenant_id, key))
    for cut, spec in zip(cuts, [comp, *(comp.get("renditions") or [])]):
        if attempt.spec.get("draft"):
            cut.text_scale = max(cut.width, cut.height) / max(spec["canvas"]["width"], spec["canvas"]["height"])
            cut.captions = cut.scaled(cut.captions)
            cut.draft_mark = draft_label(cut.width, cut.height, [])
        cut.visible = visible_overlay(attempt, cut.width, cut.height, mark_inset(cut.width, cut.height))
        cut.invisible = InvisibleWatermark(key).embedder(payload, cut.width, cut.height, attempt.fps)
    return cuts


#: the corners a DRAFT label may take, in the order tried (the farm's mark is bottom-right by default)
DRAFT_CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


def mark_band(cut: Cut) -> tuple[int, int, int, int] | None:
    """What the texts and captions keep clear of for the cut's visible mark (``media.compose.mark_band``)."""
    return band_of_mark(mark_box(cut.visible), cut.width, cut.height)


def mark_box(mark: Any) -> tuple[int, int, int, int] | None:
    """Where a visible mark (``PreparedOverlay``) is drawn, (x0, y0, x1, y1); None for none."""
    return None if mark is None else mark.box


def draft_label(width: int, height: int, layers: list[Any], taken: tuple[int, int, int, int] | None = None) -> Any:
    """A draft's DRAFT label on a ``width`` × ``height`` cut, in the first corner where it covers none of the
    scene's ``layers`` (logos, titles, lower thirds, labels) nor the farm's mark (``taken``); where every corner
    is covered, the one it covers least of. Before, it was always top-left, over a brand kit's top-left logo."""

    def covered(corner: str) -> tuple[int, Any]:
        mark = VisibleWatermark(text=DRAFT_LABEL, position=corner, size=0.12, opacity=0.85).overlay_for(width, height)
        x0, y0, x1, y1 = mark_box(mark) or (0, 0, 0, 0)
        boxes = [(p.x, p.y, p.x + p.pixels.shape[1], p.y + p.pixels.shape[0]) for p in layers]
        boxes += [taken] if taken is not None else []
        area = sum(max(0, min(x1, b[2]) - max(x0, b[0])) * max(0, min(y1, b[3]) - max(y0, b[1])) for b in boxes)
        return area, mark

    marks = [covered(corner) for corner in DRAFT_CORNERS]
    return min(marks, key=lambda m: m[0])[1]


def carries_alpha(attempt: Attempt, output_format: str) -> bool:
    """Whether the job's videos carry an alpha channel: a WebM or MOV with a scene on a transparent background.
    One setting for the whole job, so its segments join (a scene on an opaque background is then encoded with an
    opaque alpha plane), and its posters keep it (PNG)."""
    return output_format != "mp4" and any(
        s["background"].get("type") == "transparent" for s in attempt.spec["composition"]["scenes"]
    )


def encoder_preset(attempt: Attempt) -> str:
    """x264's preset: the draft's (fast) for a preview, veryfast for the final."""
    draft = attempt.spec.get("draft_render") if attempt.spec.get("draft") else None
    return str(draft["preset"]) if draft else "veryfast"


def _draft_size(attempt: Attempt, canvas: dict[str, Any]) -> tuple[int, int]:
    """A cut's size: its canvas's, or for a draft that records its canvas (``domain.drafts.draft_canvas``: 640 px on
    the longer side, even sides), the same rule applied to each cut, so the main cut is the canvas the spec
    records and a rendition keeps its shape. A draft recorded without one (before it was recorded) scales every
    cut by its face resolution over the final's."""
    draft = attempt.spec.get("draft_render") if attempt.spec.get("draft") else None
    if not draft:
        return int(canvas["width"]), int(canvas["height"])
    if draft.get("canvas"):
        size = draft_canvas(canvas)
        return size["width"], size["height"]
    scale = min(1.0, float(draft["resolution"]) / float(attempt.params["resolution"]))
    return (max(64, int(canvas["width"] * scale) // 2 * 2), max(64, int(canvas["height"] * scale) // 2 * 2))


def prepare_scene(attempt: Attempt, scene: Scene, cuts: list[Cut], decoded: dict[str, Background]) -> None:
    """The scene's portrait prepared at its largest shown size, and each cut's compositor (once per attempt)."""
    portrait = load_portrait(attempt, scene.spec)
    rgb = decode_portrait(portrait.image)
    boxes = [presenter_box(cut.characters[scene.index], cut.width, cut.height) for cut in cuts]
    scene.face_side = max(box.side for box in boxes)
    matting = any(bool(cut.characters[scene.index].get("matting")) for cut in cuts)
    matte = portrait_matte_cached(attempt, scene.spec["avatar"], portrait, rgb) if matting else None
    renderer = attempt.services.renderer(attempt.spec.get("model", "builtin"))
    scene.params = {**attempt.params, "resolution": scene.face_side}
    info = portrait.info or analyze_image(rgb).to_dict()
    # a cut-out presenter (not in a circle) is shown over the rest of its body, held still: the renderer keeps the
    # square's edges still to meet it
    body = matte is not None and any(
        cut.characters[scene.index].get("matting") and box.style != "circle" for cut, box in zip(cuts, boxes)
    )
    with attempt.clock.timed("prepare"):
        # a cut-out's edges in the person's own colours, the photo's background taken out of them (no halo); only
        # where every cut cuts the presenter out, as they share one render: a cut showing the photo whole would
        # show the unmixed colours over the photo's own background, as blotches around the person
        every_cut_matted = all(bool(cut.characters[scene.index].get("matting")) for cut in cuts)
        shown_rgb = presenter_colours(rgb, matte) if matte is not None and every_cut_matted else rgb
        scene.prepared = renderer.prepare(
            portrait.image, info, scene.params, matte=matte, still_body=body, photo=shown_rgb
        )
    framing = scene.prepared.framing
    person = PhotoPerson(shown_rgb, matte, (framing.left, framing.top, framing.side)) if matte is not None else None
    background = scene.composition["background"]
    face_changes = FaceChanges()  # the cuts draw the same face frames: where each changed is found once
    for cut, box in zip(cuts, boxes):
        character = cut.characters[scene.index]
        band = caption_band(cut.captions, cut.width, cut.height, scene_text(scene.spec))
        scene.caption_lines.append(caption_lines(cut.captions, cut.width, cut.height, scene_text(scene.spec)))
        face = face_on_canvas(scene.prepared.info.face_outline, (framing.left, framing.top, framing.side), box)
        compositor = SceneCompositor(
            width=cut.width,
            height=cut.height,
            background=_background(attempt, background, rgb, cut, decoded),
            box=box,
            matting=bool(character.get("matting")),
            circle_background=character.get("circle_background") or "#ffffff",
            person=person,
            face_changes=face_changes,
            face_area=face,
        )
        # a lower third's bar is chosen against the background with the presenter at rest over it
        compositor.layers = scene_layers(
            [cut.scaled(with_font_file(attempt, o)) for o in scene.composition.get("overlays") or []],
            cut.width,
            cut.height,
            lambda o: asset_bytes(attempt, o["asset_id"], "overlay image"),
            band,
            face,
            compositor.behind_overlays,
            [box for box in [mark_band(cut)] if box is not None],
            scene.spec.get("language"),
        )
        scene.compositors.append(compositor)
        if attempt.spec.get("draft"):
            scene.draft_marks.append(draft_label(cut.width, cut.height, compositor.layers, mark_box(cut.visible)))


def portrait_matte_cached(attempt: Attempt, avatar: dict[str, Any], portrait: Portrait, rgb: np.ndarray) -> np.ndarray:
    """The portrait's matte, made once per photo. It is stored under the photo's hash (so a preset,
    or the same photo uploaded twice, is segmented once) and, for an uploaded portrait, named in the
    asset's analysis (``info["matte"]``) beside its face landmarks, as the face analysis is kept."""
    recorded = (portrait.info or {}).get("matte") or {}
    key = matte_key(hashlib.sha256(portrait.image).hexdigest())
    if recorded.get("version") == MATTE_VERSION and recorded.get("key"):
        key = str(recorded["key"])
    storage = attempt.storage
    if attempt.storage_call(lambda: storage.exists(key), "reading the matte cache"):
        matte = matte_from_png(attempt.storage_call(lambda: storage.get_bytes(key), "reading the matte cache"))
        if matte.shape == rgb.shape[:2]:
            return matte
    with attempt.clock.timed("matte"):
        matte = portrait_matte(rgb)
    data = matte_png(matte)
    attempt.storage_call(lambda: storage.put_bytes(key, data, "image/png"), "storing the matte")
    asset_id = avatar.get("asset_id")
    if asset_id and recorded.get("key") != key:
        attempt.transaction(lambda s: _record_matte(s, str(asset_id), key))
    return matte


def _record_matte(session: Session, asset_id: str, key: str) -> None:
    asset = session.get(Asset, asset_id)
    if asset is not None:
        asset.info = {**dict(asset.info or {}), "matte": {"key": key, "version": MATTE_VERSION}}


def asset_bytes(attempt: Attempt, asset_id: str, what: str) -> bytes:
    """An asset's bytes from storage; ``asset_missing`` (the job cannot be done) when its row is gone."""
    with attempt.services.sessions() as session:
        asset = session.get(Asset, asset_id)
        if asset is None:
            raise JobFailure("asset_missing", f"the {what} asset {asset_id} no longer exists")
        key = asset.storage_key
    return attempt.storage_call(lambda: attempt.storage.get_bytes(key), f"reading the {what}")


def asset_file(attempt: Attempt, asset_id: str, what: str, dest: Path) -> Path:
    """An asset as a file in the attempt's scratch folder (ffmpeg and fonts want paths), fetched once per attempt."""
    if not dest.exists():
        dest.write_bytes(asset_bytes(attempt, asset_id, what))
    return dest


def with_font_file(attempt: Attempt, style: dict[str, Any]) -> dict[str, Any]:
    """A text's or captions' style with an uploaded font (an asset id, a brand kit's TTF/OTF) as the path of a
    local copy, which media draws with; a shipped font's name stays as it is."""
    font = style.get("font")
    if not (isinstance(font, str) and font.startswith("ast_")):
        return style
    path = asset_file(attempt, font, "font", attempt.tmp / f"font-{font}")
    return {**style, "font": str(path)}


def _background(
    attempt: Attempt, spec: dict[str, Any], rgb: np.ndarray, cut: Cut, decoded: dict[str, Background]
) -> Background:
    kind = spec.get("type", "portrait")
    if kind == "image":
        return background_for(
            spec,
            cut.width,
            cut.height,
            portrait_rgb=rgb,
            asset_bytes=asset_bytes(attempt, spec["asset_id"], "background image"),
        )
    if kind == "video":
        # decoded once per job and canvas: scenes sharing a video and canvas share the decode
        source = asset_file(attempt, spec["asset_id"], "background video", attempt.tmp / f"bg-{spec['asset_id']}")
        scratch = attempt.tmp / f"bg-{spec['asset_id']}-{cut.width}x{cut.height}-{spec.get('fit')}.rgb"
        cached = decoded.get(scratch.name)
        if cached is None:
            cached = background_for(
                spec, cut.width, cut.height, portrait_rgb=rgb, video_path=source, scratch=scratch, fps=attempt.fps
            )
            decoded[scratch.name] = cached
        return cached.playing(spec.get("play") or "loop")
    return background_for(spec, cut.width, cut.height, portrait_rgb=rgb)
