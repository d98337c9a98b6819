"""A composed job's still: the frame at one moment, before anything is rendered.

The composer on the page shows what a design will look like while it is being
made, so this must be quick (well under two seconds at 1080p) and must look as
the video will. It uses media.compose's own parts, so the preview and the video
cannot disagree on where things go: the presenter's box (``presenter_box``),
the background (``background_for``), the overlays and their times
(``text_layer``/``image_layer``), the caption band and its style
(``caption_track``) and the compositor that blends them. What it leaves out is
time: the presenter is the portrait at rest (framed as the renderer frames it,
its matte in the alpha, no motion, no speech; a cut-out presenter with the rest
of its body from the photo, as in the video), a video background shows its
first frame, and the captions show the script's first words as a sample line.

A preview is drawn within known bounds, worked out before anything is drawn: a canvas longer than
``PREVIEW_MAX_SIDE`` is drawn at that size (``drawn_composition``, its text sizes scaled as a draft's are) and
enlarged to its own (``enlarged``), and the text its scene lays out is counted (``text_cost``) so that a caller
can refuse more than ``PREVIEW_TEXT_BUDGET`` before drawing it.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from domain.composition import scene_text
from domain.composition_rules import TEXT_SIZE_MIN
from media.compose import (
    PhotoPerson,
    SceneCompositor,
    background_for,
    caption_band,
    caption_obstacles,
    caption_track,
    cjk_cells,
    face_on_canvas,
    presenter_box,
    presenter_colours,
    scene_layers,
)
from media.compose.placement import ROLE_SIZE, text_base
from media.encode.ffmpeg_binary import QUIET, ffmpeg_exe, run_ffmpeg
from media.errors import MediaError
from media.render.face import PortraitInfo
from media.render.framing import Framing, frame_portrait, render_canvas
from media.tts import detect_language, japanese_reading, without_pictures, written_words

#: the sample caption: this many of the script's first words, spoken this many seconds apart
SAMPLE_WORDS, SAMPLE_WORD_S = 6, 0.3
#: Chinese and Japanese samples: about a word page's character cells; the text looked at for a sample
SAMPLE_CJK_CELLS, SAMPLE_CHARS = 9, 500
#: the caption shown when a scene has no words yet (a narration without transcript)
SAMPLE_TEXT = "Your captions appear here"
#: a preview is drawn at most this many pixels on its longer side: a 4K canvas at 1920x1080, then enlarged. Its
#: pixels (background, presenter, compositing) and its texts' drawn sizes stay those of 1080p: a 4K preview cost
#: three times a 1080p one, a title of 480 characters at size 100 on it twice one at size 50 on 1080p
PREVIEW_MAX_SIDE = 1920
#: the text one preview lays out, at most (``text_cost``): characters times size in pixels as drawn. Laying a text
#: out costs 15-45 µs of CPU a unit (Latin least, Arabic most; one placed clear of the face is drawn at several
#: sizes): 25,000 is at most about a second, and two and a half times a composer's title and lower third at their
#: default sizes on 1080p (~9,000). 20 titles of 480 characters at size 100 on 4K (480,000 as drawn) took 8.8 s
PREVIEW_TEXT_BUDGET = 25_000


@dataclass(frozen=True)
class Portrait:
    """The scene's photo as the renderer sees it: RGB, its analysis, and its matte (None: not cut out)."""

    rgb: np.ndarray
    info: PortraitInfo
    matte: np.ndarray | None

    @classmethod
    def of(cls, rgb: np.ndarray, info: dict[str, Any], matte: np.ndarray | None) -> Portrait:
        """From the analysis as stored with an asset (``PortraitInfo.to_dict``)."""
        return cls(rgb, PortraitInfo.from_dict(info), matte)

    @functools.cached_property
    def shown_rgb(self) -> np.ndarray:
        """The photo as the presenter shows it: a cut-out's edges in the person's own colours (as the video's)."""
        return self.rgb if self.matte is None else presenter_colours(self.rgb, self.matte)


def face_at_rest(portrait: Portrait, framing: Framing, unmixed: bool = True) -> np.ndarray:
    """The renderer's first frame without motion: the framed photo at its ``framing``, RGBA when matted; its edge
    colours unmixed (``Portrait.shown_rgb``) where ``unmixed``, as the video's are when every cut is cut out."""
    m, side = framing.margin, framing.resolution
    rgb = render_canvas(portrait.shown_rgb if unmixed else portrait.rgb, framing)[m : m + side, m : m + side]
    if portrait.matte is None:
        return np.ascontiguousarray(rgb)
    alpha = render_canvas(np.repeat(portrait.matte[..., None], 3, axis=2), framing)[m : m + side, m : m + side, :1]
    return np.ascontiguousarray(np.concatenate([rgb, alpha], axis=2))


def photo_person(portrait: Portrait, framing: Framing, unmixed: bool = True) -> PhotoPerson | None:
    """The photo, its matte and the renderer's square in it: what a cut-out presenter's body is drawn from."""
    if portrait.matte is None:
        return None
    rgb = portrait.shown_rgb if unmixed else portrait.rgb
    return PhotoPerson(rgb, portrait.matte, (framing.left, framing.top, framing.side))


def sample_words(scene: dict[str, Any], at_s: float) -> list[tuple[str, float, float]]:
    """The caption's sample: the scene's first words, the first spoken at ``at_s`` (so a word caption highlights it),
    cut as speech cuts them: a Japanese script into its phrases, Chinese a character at a time (the captions join
    them into dictionary words), others at spaces. Cut at spaces, a Chinese or Japanese script was one word, and
    the preview showed all of it on one page, highlighted whole, where the video shows a phrase."""
    # the speech's words leave pictures out (🔴 is not spoken), and so do the video's captions
    text = without_pictures((scene_text(scene) or SAMPLE_TEXT)[:SAMPLE_CHARS]) or SAMPLE_TEXT
    language = (scene.get("language") or "").split("-")[0]
    if not language:
        detected = detect_language(text)
        language = detected.language if detected is not None else ""
    spans = list(japanese_reading(text).phrases) if language == "ja" else written_words(text)
    words: list[str] = []
    for start, end in spans:
        words.append(" ".join(text[start:end].split()))
        cells = sum(cjk_cells(word) for word in words)
        if len(words) - sum(1 for word in words if cjk_cells(word)) >= SAMPLE_WORDS or cells >= SAMPLE_CJK_CELLS:
            break
    return [(w, at_s + i * SAMPLE_WORD_S, at_s + (i + 1) * SAMPLE_WORD_S) for i, w in enumerate(words)]


def still(
    composition: dict[str, Any],
    portrait: Portrait,
    params: dict[str, Any],
    at_s: float,
    asset_bytes: Callable[[str], bytes],
    scene_index: int = 0,
    mark: tuple[int, int, int, int] | None = None,
) -> np.ndarray:
    """The frame of scene ``scene_index`` at ``at_s`` seconds from its start: RGB, or RGBA on a transparent
    background. ``asset_bytes(asset_id)`` reads an image the scene names (a background, a logo); a video
    background is handed over as its first frame, already an image. ``mark``: the room the visible mark takes
    (``mark_band``; the mark is not drawn), which texts and captions keep clear of as in the video."""
    width, height = int(composition["canvas"]["width"]), int(composition["canvas"]["height"])
    scene = composition["scenes"][scene_index]
    character = scene["character"]
    captions = composition.get("captions") or {}
    box = presenter_box(character, width, height)
    background_spec = dict(scene["background"])
    data = None
    if background_spec.get("type") in ("image", "video"):
        data = asset_bytes(background_spec["asset_id"])
        background_spec["type"] = "image"  # a video's first frame
    background = background_for(background_spec, width, height, portrait_rgb=portrait.rgb, asset_bytes=data)
    band = caption_band(captions, width, height, scene_text(scene))
    framing = frame_portrait(portrait.info, box.side, float(params["expand_ratio"]), int(params["min_resolution"]))
    face_area = face_on_canvas(portrait.info.face_outline, (framing.left, framing.top, framing.side), box)
    # the video's cuts share one face render, its edge colours unmixed only when every cut cuts the presenter out
    renditions = composition.get("renditions") or []
    unmixed = bool(character.get("matting")) and all(
        bool((rendition.get("character") or character).get("matting")) for rendition in renditions
    )
    compositor = SceneCompositor(
        width=width,
        height=height,
        background=background,
        box=box,
        matting=bool(character.get("matting")),
        circle_background=character.get("circle_background") or "#ffffff",
        person=photo_person(portrait, framing, unmixed),
    )
    # a lower third's bar is chosen against the background with the presenter at rest over it; over a video it is
    # chosen for its letters alone, as in the video (its first frame stands in for it here)
    behind = None if scene["background"].get("type") == "video" else compositor.behind_overlays
    compositor.layers = scene_layers(
        scene.get("overlays") or [],
        width,
        height,
        lambda o: asset_bytes(o["asset_id"]),
        band,
        face_area,
        behind,
        [mark] if mark is not None else [],
        scene.get("language"),
    )
    caption = None
    if captions.get("burn_in"):
        logos = [layer for layer in compositor.layers if layer.picture]
        caption = caption_track(
            sample_words(scene, at_s), captions, width, height, clear_of=caption_obstacles(logos, mark), face=face_area
        ).layer_at(at_s)
    face = face_at_rest(portrait, framing, unmixed)
    return compositor.compose(face, at_s, 0, caption)


def drawn_composition(composition: dict[str, Any]) -> dict[str, Any]:
    """``composition`` as a preview draws it: as it is on a canvas of at most ``PREVIEW_MAX_SIDE`` on its longer side;
    a longer one scaled to it (even sides, its shape kept), with the pixel sizes its texts and captions give scaled
    alike, never below the smallest a job may give, as a draft's cut scales them (everything else in a composition
    is a share of its canvas)."""
    width, height = int(composition["canvas"]["width"]), int(composition["canvas"]["height"])
    if max(width, height) <= PREVIEW_MAX_SIDE:
        return composition
    share = PREVIEW_MAX_SIDE / max(width, height)
    canvas = {"width": max(2, int(width * share) // 2 * 2), "height": max(2, int(height * share) // 2 * 2)}
    scale = max(canvas["width"], canvas["height"]) / max(width, height)

    def sized(style: dict[str, Any]) -> dict[str, Any]:
        if not style.get("size"):
            return style
        return {**style, "size": max(TEXT_SIZE_MIN, round(int(style["size"]) * scale))}

    scenes = [
        {**scene, "overlays": [sized(o) if o["type"] == "text" else o for o in scene.get("overlays") or []]}
        for scene in composition["scenes"]
    ]
    return {**composition, "canvas": canvas, "scenes": scenes, "captions": sized(composition.get("captions") or {})}


def text_cost(composition: dict[str, Any], scene_index: int = 0) -> int:
    """What laying out scene ``scene_index``'s text overlays costs, in ``PREVIEW_TEXT_BUDGET``'s units: each text's
    characters times its size in pixels on ``composition``'s canvas (the size it gives, or its role's there), a
    wide character (Chinese, Japanese, Korean, most emoji) counted twice, as it is drawn twice as wide. Worked out
    from the request alone, before anything is drawn: a text's layout costs about its drawn length, and every
    size it is tried at is a share of its own."""
    width, height = int(composition["canvas"]["width"]), int(composition["canvas"]["height"])
    total = 0
    for overlay in composition["scenes"][scene_index].get("overlays") or []:
        if overlay["type"] != "text":
            continue
        size = int(overlay.get("size") or round(ROLE_SIZE[overlay.get("role") or "title"] * text_base(width, height)))
        text = str(overlay["text"])
        total += size * (len(text) + sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F")))
    return total


def enlarged(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """A frame drawn smaller (``drawn_composition``) at the canvas's ``width`` × ``height``: the size a preview is
    answered at. RGBA is enlarged premultiplied, so the colour under transparent pixels does not darken edges."""
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    if frame.shape[2] == 3:
        return cv2.resize(frame, (width, height), interpolation=cv2.INTER_LINEAR)
    channels = cv2.split(np.ascontiguousarray(frame))
    alpha = channels[3]
    premultiplied = cv2.merge([cv2.multiply(c, alpha, scale=1 / 255) for c in channels[:3]] + [alpha])
    up = cv2.split(cv2.resize(premultiplied, (width, height), interpolation=cv2.INTER_LINEAR))
    # cv2.divide gives 0 where alpha is 0: a transparent pixel stays black, as the compositor leaves it
    return cv2.merge([cv2.divide(c, up[3], scale=255) for c in up[:3]] + [up[3]])


def first_frame(video: str) -> bytes:
    """A video file's first frame as PNG (a video background's still in the preview)."""
    result = run_ffmpeg(
        [ffmpeg_exe(), *QUIET, "-i", video, "-frames:v", "1", "-an", "-f", "image2pipe", "-vcodec", "png", "-"]
    )
    if result.returncode != 0 or not result.stdout:
        raise MediaError("asset_unreadable", "the background video has no frame to show")
    return bytes(result.stdout)


def png_bytes(frame: np.ndarray) -> bytes:
    """The frame as PNG, compressed lightly: a preview is looked at once, so encoding time counts more than size."""
    code = cv2.COLOR_RGBA2BGRA if frame.shape[2] == 4 else cv2.COLOR_RGB2BGR
    ok, data = cv2.imencode(".png", cv2.cvtColor(frame, code), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        out = io.BytesIO()
        Image.fromarray(frame).save(out, format="PNG")
        return out.getvalue()
    return data.tobytes()
