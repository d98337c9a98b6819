"""Composed videos: the presenter cut out and placed on a canvas, with a
background, titles, logos, burned-in captions and a music bed.

The worker renders the face once per segment (``media.render``) and hands
each frame here to be placed on every canvas the job asks for. Nothing in
this package knows of jobs, queues or storage.
"""

from media.compose.background import Background, background_for, video_still
from media.compose.blending import blend
from media.compose.body import PhotoPerson, PresenterBody, presenter_body
from media.compose.canvas import FaceChanges
from media.compose.captions import (
    CaptionTrack,
    caption_band,
    caption_fonts,
    caption_lines,
    caption_track,
    largest_caption_size,
    subtitles,
    words_from_cues,
)
from media.compose.compositor import SceneCompositor
from media.compose.contrast import contrast_ratio
from media.compose.encode import CONTENT_TYPES, OUTPUT_FORMATS, ComposedEncoder, join_and_mux, mix_music, with_alpha
from media.compose.fonts import DRAWN_SCRIPTS, FONT_NAMES, font_for, load_font, undrawable
from media.compose.layout import PresenterBox, circle_mask, face_on_canvas, presenter_box, rendition_character
from media.compose.matte import (
    MATTE_VERSION,
    guided_filter,
    matte_from_png,
    matte_key,
    matte_png,
    portrait_matte,
    presenter_colours,
)
from media.compose.overlays import image_layer, scene_layers, text_layer, text_overflows
from media.compose.placement import Layer, SafeArea, caption_obstacles, mark_band, mark_inset, safe_area
from media.compose.text import TextStyle, cjk_cells, render_text, render_words

__all__ = [
    "DRAWN_SCRIPTS",
    "CONTENT_TYPES",
    "FONT_NAMES",
    "MATTE_VERSION",
    "OUTPUT_FORMATS",
    "Background",
    "CaptionTrack",
    "ComposedEncoder",
    "FaceChanges",
    "Layer",
    "PhotoPerson",
    "PresenterBody",
    "PresenterBox",
    "SafeArea",
    "SceneCompositor",
    "TextStyle",
    "background_for",
    "blend",
    "caption_obstacles",
    "caption_band",
    "caption_track",
    "caption_lines",
    "subtitles",
    "cjk_cells",
    "circle_mask",
    "contrast_ratio",
    "font_for",
    "guided_filter",
    "image_layer",
    "join_and_mux",
    "largest_caption_size",
    "caption_fonts",
    "load_font",
    "matte_from_png",
    "matte_key",
    "matte_png",
    "mix_music",
    "portrait_matte",
    "presenter_colours",
    "presenter_body",
    "face_on_canvas",
    "presenter_box",
    "rendition_character",
    "render_text",
    "render_words",
    "safe_area",
    "mark_band",
    "mark_inset",
    "scene_layers",
    "text_layer",
    "text_overflows",
    "undrawable",
    "video_still",
    "with_alpha",
    "words_from_cues",
]
