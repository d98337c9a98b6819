"""The composition contract's bounds, choices and defaults, declared once.

``domain/composition.py`` enforces them (each refusal with its stable code),
and ``api/composition_schemas.py`` documents them in ``/openapi.json`` and
``GET /v1/catalog`` from these same names, so the spec cannot drift from the
checks. Field names are issue 18's; where the issue is silent the choice is
written beside the value.
"""

from __future__ import annotations

#: The fonts a text overlay or captions may name. The media side (``media.compose``) ships the font
#: files and owns this list; it is repeated here, once, so the API can refuse an unknown font by name
#: before a job exists. The lead keeps the two equal when the branches meet.
FONT_NAMES: tuple[str, ...] = (
    "noto-sans",
    "noto-serif",
    "noto-sans-cjk",
    "noto-sans-arabic",
    "noto-sans-devanagari",
    "noto-sans-tamil",
    "noto-sans-telugu",
    "noto-sans-hebrew",
    "noto-sans-thai",
    "noto-sans-bengali",
    "noto-sans-gurmukhi",
    "noto-sans-gujarati",
    "noto-sans-oriya",
    "noto-sans-kannada",
    "noto-sans-malayalam",
    "noto-sans-sinhala",
    "noto-sans-myanmar",
    "noto-sans-georgian",
    "noto-sans-armenian",
    "noto-sans-ethiopic",
)

# --- canvas ---------------------------------------------------------------------------------------
CANVAS_MIN_SIDE = 128
CANVAS_MAX_SIDE = 3840
#: 3840 x 2160: 4K UHD, the largest frame a newsroom publishes
CANVAS_MAX_PIXELS = 8_294_400
#: the longer side over the shorter one: 4:1 allows banners, refuses slivers
CANVAS_MAX_ASPECT = 4.0

# --- scenes ---------------------------------------------------------------------------------------
MIN_SCENES, MAX_SCENES = 1, 50
#: words on screen at once are few; 500 characters is a long title wrapped over lines
OVERLAY_TEXT_MAX_CHARS = 500
#: per scene: enough for a title, a lower third, labels and a logo, few enough to read
MAX_OVERLAYS = 20
#: an overlay's start and end, in seconds from its scene's start (a scene is at most the longest narration)
MAX_OVERLAY_TIME_S = 1200.0

CHARACTER_STYLES = ("normal", "close_up", "circle")
#: the presenter's height as a share of the canvas height, per style when the job leaves it out
CHARACTER_SCALE_DEFAULT = {"normal": 0.8, "close_up": 1.2, "circle": 0.8}
#: On a portrait canvas (taller than wide) those defaults are shares of its width, not its height: 9:16 at 1080×1920
#: gets the 864-pixel box 16:9 at 1920×1080 gets, not one wider than the canvas. And the box's centre is this far up
#: from the canvas's centre (a share of the half-canvas): the face in the upper half, clear of the lower third and
#: the captions below it, as vertical social video has it. A rendition of another shape is laid out the same way.
PORTRAIT_OFFSET_Y_DEFAULT = -0.2
CHARACTER_SCALE_MIN, CHARACTER_SCALE_MAX = 0.1, 2.0
#: the presenter's centre, -1..1 of the half-canvas (0 is the centre, 1 the right or bottom edge)
OFFSET_MIN, OFFSET_MAX = -1.0, 1.0
CIRCLE_BACKGROUND_DEFAULT = "#ffffff"

BACKGROUND_TYPES = ("color", "image", "video", "portrait", "transparent")
BACKGROUND_FITS = ("cover", "contain")
BACKGROUND_PLAYS = ("loop", "freeze")
#: the default background is the photo's own: a composed job looks like its portrait unless asked otherwise
BACKGROUND_DEFAULT_TYPE = "portrait"

OVERLAY_TYPES = ("text", "image")
TEXT_ROLES = ("title", "lower_third", "label")
#: a text overlay that names no role is a plain label
TEXT_ROLE_DEFAULT = "label"
TEXT_POSITIONS = ("top", "middle", "bottom")
#: text size in pixels of the canvas; None lets the role's readable default scale with the canvas
TEXT_SIZE_MIN, TEXT_SIZE_MAX = 8, 400
IMAGE_ANCHORS = ("top_left", "top_right", "bottom_left", "bottom_right", "center")
#: a logo's usual corner; the visible watermark's default is bottom-right, so they do not collide
IMAGE_ANCHOR_DEFAULT = "top_right"
#: an image overlay's height as a share of the canvas height
IMAGE_SCALE_MIN, IMAGE_SCALE_MAX, IMAGE_SCALE_DEFAULT = 0.01, 1.0, 0.15

TRANSITION_TYPES = ("cut", "crossfade")
CROSSFADE_DEFAULT_S = 0.5
CROSSFADE_MIN_S, CROSSFADE_MAX_S = 0.1, 3.0

# --- captions, music, renditions, output -----------------------------------------------------------
CAPTION_STYLES = ("subtitle", "word")
CAPTION_POSITIONS = ("bottom", "middle", "top")
CAPTION_SIZE_MIN, CAPTION_SIZE_MAX = 8, 400

MUSIC_VOLUME_MIN, MUSIC_VOLUME_MAX, MUSIC_VOLUME_DEFAULT = 0.0, 1.0, 0.2
MUSIC_FADE_MIN_S, MUSIC_FADE_MAX_S, MUSIC_FADE_DEFAULT_S = 0.0, 10.0, 1.0

MAX_RENDITIONS = 4
OUTPUT_FORMATS = ("mp4", "webm", "mov")
#: formats that carry an alpha channel: VP9 in WebM, ProRes 4444 in MOV
ALPHA_FORMATS = ("webm", "mov")

# --- assets ---------------------------------------------------------------------------------------
ASSET_PURPOSES = ("portrait", "background", "logo", "music", "narration", "font")
#: what an upload is for when it says nothing: as before purposes existed (images were portraits, audio
#: was narration, and so was a film with a sound track); a silent video can only be a background
DEFAULT_PURPOSE = {"image": "portrait", "audio": "narration", "video": "background"}
#: which kinds of file can serve each purpose
PURPOSE_KINDS = {
    "portrait": ("image",),
    "background": ("image", "video"),
    "logo": ("image",),
    "music": ("audio",),
    "narration": ("audio",),
    "font": ("font",),
}
#: container formats a video asset may come in, as FFmpeg names them -> content type
VIDEO_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "video/mp4", "matroska,webm": "video/webm"}
