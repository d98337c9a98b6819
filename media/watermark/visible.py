"""Visible watermark: a text label and/or a logo in a corner of every frame.

``VisibleWatermark`` checks the settings once (a caller's mistake is a
``MediaError("watermark_invalid", …)``); ``overlay_for(width, height)``
draws the overlay once per job, its text in Pillow's bundled font (Latin), or,
for a text with letters that font lacks (an Arabic or Chinese desk's own
disclosure, "由AI生成"), with the farm's own fonts and text layout, as titles
are drawn (``media.compose.render_text``: shaped, right to left where written
so, each script in its Noto face); ``PreparedOverlay.apply(frame)``
alpha-blends only the overlay's rectangle, in integer arithmetic.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from media.compose import TextStyle, render_text
from media.errors import MediaError

POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right")
MAX_TEXT_CHARS = 80
#: Largest overlay height, as a share of the frame height.
MAX_SIZE = 0.25
#: Gap to the frame's edges and between logo and text, in overlay heights.
MARGIN = 0.5
GAP = 0.3


def _invalid(detail: str) -> MediaError:
    return MediaError("watermark_invalid", detail)


class VisibleWatermark:
    """A label in one corner.

    Parameters:
        text: the label; may be empty when a logo is given.
        logo_png: PNG bytes of a logo (transparency kept), drawn left of the text.
        position: one of top-left, top-right, bottom-left, bottom-right.
        size: overlay height as a share of the frame's short side (its height but on a vertical frame) (0 < size <= 0.25).
        opacity: 0 (invisible) to 1 (opaque).
    """

    def __init__(
        self,
        text: str = "AI-generated",
        logo_png: bytes | None = None,
        position: str = "bottom-right",
        size: float = 0.05,
        opacity: float = 0.6,
    ):
        text = (text or "").strip()
        if position not in POSITIONS:
            raise _invalid(f"position must be one of {', '.join(POSITIONS)}, not {position!r}")
        if not 0.0 < float(size) <= MAX_SIZE:
            raise _invalid(f"size must be above 0 and at most {MAX_SIZE} of the frame's short side, not {size!r}")
        if not 0.0 <= float(opacity) <= 1.0:
            raise _invalid(f"opacity must be within 0..1, not {opacity!r}")
        if len(text) > MAX_TEXT_CHARS:
            raise _invalid(f"text is longer than {MAX_TEXT_CHARS} characters")
        if any(not ch.isprintable() for ch in text):
            raise _invalid("text must be printable characters on one line")
        if not text and not logo_png:
            raise _invalid("a visible watermark needs a text or a logo")
        self.text = text
        self.position = position
        self.size = float(size)
        self.opacity = float(opacity)
        self._logo = _decode_logo(logo_png) if logo_png else None

    def overlay_for(self, width: int, height: int, inset: tuple[int, int, int, int] | None = None) -> PreparedOverlay:
        """The overlay for frames of this size; build once per job. ``inset`` (left, top, right, bottom, pixels from
        each edge): the mark stands in that corner of the frame less them (a 9:16 canvas's safe area, clear of what
        a phone's app lays over its edges) instead of a margin from the frame's own."""
        # a share of the frame's short side: on 9:16 a share of its height made the mark 96 px tall on 1080 px of
        # width, nearly twice a 16:9 frame's, and pushed the captions and the lower third up onto the face
        target_height = max(8, int(round(self.size * min(width, height))))
        label = self._draw(target_height)
        # Never wider than the frame less its margins: shrink the whole label.
        margin = max(2, int(round(MARGIN * target_height)))
        left, top, right, bottom = inset if inset is not None else (margin, margin, margin, margin)
        room = max(1, width - left - right)
        if label.width > room:
            label = label.resize((room, max(1, round(label.height * room / label.width))), Image.Resampling.LANCZOS)
        if inset is None:
            top = bottom = min(margin, max(0, (height - label.height) // 2))
        x = left if self.position.endswith("left") else width - right - label.width
        y = top if self.position.startswith("top") else height - bottom - label.height
        x, y = max(0, x), max(0, y)
        rgba = np.asarray(label, dtype=np.uint16)[: height - y, : width - x]
        return PreparedOverlay.from_rgba(rgba, x, y, self.opacity, width, height)

    def _draw(self, target_height: int) -> Image.Image:
        parts: list[Image.Image] = []
        if self._logo is not None:
            scale = target_height / self._logo.height
            parts.append(
                self._logo.resize((max(1, round(self._logo.width * scale)), target_height), Image.Resampling.LANCZOS)
            )
        if self.text:
            parts.append(_text_image(self.text, target_height))
        gap = int(round(GAP * target_height)) if len(parts) == 2 else 0
        canvas = Image.new("RGBA", (sum(p.width for p in parts) + gap, target_height), (0, 0, 0, 0))
        x = 0
        for part in parts:
            canvas.alpha_composite(part, (x, (target_height - part.height) // 2))
            x += part.width + gap
        return canvas


def _decode_logo(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG":
            raise _invalid(f"logo must be a PNG, not {image.format}")
        image.load()
    except MediaError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a bad file
        raise _invalid(f"logo is not a readable PNG: {exc}") from exc
    if image.width < 1 or image.height < 1 or image.width * image.height > 4096 * 4096:
        raise _invalid("logo must be between 1x1 and 4096x4096 pixels")
    return image.convert("RGBA")


def _text_image(text: str, target_height: int) -> Image.Image:
    """White text with a thin dark outline, so it reads on light and dark pictures alike."""
    if not all(_bundled_font_draws(ch) for ch in text):
        return _text_image_any_script(text, target_height)
    font = ImageFont.load_default(size=max(6, int(target_height * 0.8)))
    stroke = max(1, target_height // 16)
    left, top, right, bottom = font.getbbox(text, stroke_width=stroke)
    # getbbox gives whole pixels; its stub says float because of the bitmap fonts
    image = Image.new("RGBA", (int(right - left), int(bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(image).text(
        (-left, -top), text, font=font, fill=(255, 255, 255, 255), stroke_width=stroke, stroke_fill=(0, 0, 0, 255)
    )
    return image


@functools.lru_cache(maxsize=4096)
def _bundled_font_draws(ch: str) -> bool:
    """Whether Pillow's bundled font has ``ch`` (a character it lacks is drawn as its empty box, the glyph a
    private-use character gets)."""
    if ch.isspace():
        return True
    font = _probe_font()
    return bool(font.getmask(ch).getbbox()) and bytes(font.getmask(ch)) != bytes(font.getmask("\ue000"))


@functools.cache
def _probe_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=24)


def _text_image_any_script(text: str, target_height: int) -> Image.Image:
    """``_text_image`` for letters Pillow's bundled font lacks: the farm's title layout on one line, white with a
    dark outline, cut to its letters."""
    size = max(6, int(target_height * 0.8))
    style = TextStyle(size=size, colour=(255, 255, 255), box=None, max_lines=1, floor=size)
    picture = Image.fromarray(render_text(text, style, max_width=size * (len(text) + 4) * 2), "RGBA")
    bbox = picture.getchannel("A").getbbox()
    return picture.crop(bbox) if bbox else picture


@dataclass(frozen=True)
class PreparedOverlay:
    """One job's overlay: premultiplied colour and weights for its rectangle."""

    x: int
    y: int
    frame_width: int
    frame_height: int
    weight: np.ndarray  # (h, w, 1) uint16: 256·alpha·opacity
    premultiplied: np.ndarray  # (h, w, 3) uint16: colour·weight

    @property
    def box(self) -> tuple[int, int, int, int]:
        """Where it is drawn on the frame: (x0, y0, x1, y1)."""
        h, w = self.weight.shape[:2]
        return (self.x, self.y, self.x + w, self.y + h)

    @classmethod
    def from_rgba(cls, rgba: np.ndarray, x: int, y: int, opacity: float, width: int, height: int) -> PreparedOverlay:
        weight = np.rint(rgba[:, :, 3:4] * (256.0 / 255.0) * opacity).astype(np.uint16)
        return cls(
            x=x,
            y=y,
            frame_width=width,
            frame_height=height,
            weight=weight,
            premultiplied=(rgba[:, :, :3] * weight).astype(np.uint16),
        )

    def apply(self, frame: np.ndarray, *, in_place: bool = False) -> np.ndarray:
        """``frame`` (H, W, 3 uint8) with the overlay blended in: a copy, or the
        frame itself with ``in_place`` (saves a whole-frame copy when the caller
        owns the frame)."""
        if frame.shape[:2] != (self.frame_height, self.frame_width):
            raise ValueError(
                f"frame is {frame.shape[1]}x{frame.shape[0]}, overlay was made for "
                f"{self.frame_width}x{self.frame_height}"
            )
        out = frame if in_place else frame.copy()
        h, w = self.weight.shape[:2]
        region = out[self.y : self.y + h, self.x : self.x + w]
        blended = (region * (256 - self.weight) + self.premultiplied) >> 8
        region[...] = blended
        return out
