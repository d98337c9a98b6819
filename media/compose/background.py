"""A scene's background, as a frame the presenter and overlays are drawn on.

``color`` and ``image`` (``cover`` crops to fill, ``contain`` letterboxes on
the background colour) are drawn once per canvas. ``portrait`` is the photo's
own surroundings: the photo scaled to cover the canvas, blurred and dimmed, so
the sharp presenter stands out from it. ``transparent`` is RGBA with alpha
0. A ``video`` is decoded once per job and canvas into a raw file that is read
by memory map (``play``: ``loop`` from the start again, ``freeze`` on its last
frame), so segments do not decode it again.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFilter

from media.compose.text import hex_rgb
from media.encode.ffmpeg_binary import QUIET, encode_failure, ffmpeg_exe, run_ffmpeg
from media.errors import MediaError

log = logging.getLogger(__name__)

#: the portrait background's blur (share of the canvas's short side) and brightness
PORTRAIT_BLUR, PORTRAIT_DIM = 0.03, 0.55
#: disk a decoded background video may take (raw RGB): about 30 s of 1080p at 25 fps; a longer
#: video plays its first part and loops (or freezes) there
DECODED_BUDGET_BYTES = 4_700_000_000


class Background:
    """``frame(i)`` returns a fresh, writable frame (H, W, 3) — or (H, W, 4) when transparent."""

    def __init__(self, base: np.ndarray | None, video: np.ndarray | None = None, play: str = "loop"):
        self._base = base
        self._video = video
        self._play = play

    def playing(self, play: str) -> Background:
        """The same decoded frames, played another way (scenes sharing one video)."""
        return Background(self._base, self._video, play)

    @property
    def frame_count(self) -> int:
        """How many frames a video holds (a still background: 1)."""
        return 1 if self._video is None else int(self._video.shape[0])

    @property
    def still(self) -> bool:
        """Whether every frame is the same picture (not a video): what is drawn on it may be drawn once."""
        return self._video is None

    @property
    def transparent(self) -> bool:
        return self._base is not None and self._base.shape[2] == 4

    @property
    def backdrop(self) -> np.ndarray | None:
        """The picture every frame shows, opaque (RGB): what a lower third's bar is chosen to stand out from. None
        for a video (it changes) and a transparent background (what shows through is the viewer's)."""
        return self._base if self._video is None and not self.transparent else None

    def frame(self, index: int) -> np.ndarray:
        if self._video is not None:
            n = self._video.shape[0]
            i = index % n if self._play == "loop" else min(index, n - 1)
            return np.array(self._video[i])
        assert self._base is not None
        return self._base.copy()


def solid(colour: str, width: int, height: int) -> Background:
    return Background(np.full((height, width, 3), hex_rgb(colour), np.uint8))


def transparent(width: int, height: int) -> Background:
    return Background(np.zeros((height, width, 4), np.uint8))


def fitted(image: Image.Image, width: int, height: int, fit: str, fill: str) -> np.ndarray:
    """The image scaled to ``cover`` the canvas (cropped, centred) or to be ``contain``-ed in it (letterboxed on ``fill``)."""
    image = image.convert("RGB")
    ratio = (max if fit == "cover" else min)(width / image.width, height / image.height)
    w, h = max(1, round(image.width * ratio)), max(1, round(image.height * ratio))
    scaled = image.resize((w, h), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (width, height), hex_rgb(fill))
    canvas.paste(scaled, ((width - w) // 2, (height - h) // 2))
    return np.asarray(canvas).copy()


def from_image(data: bytes, width: int, height: int, fit: str, fill: str) -> Background:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many kinds for a broken file
        log.warning("a background image does not open: %s", exc)
        raise MediaError(
            "asset_unreadable",
            "The background image does not open: it is damaged or cut short. Upload it again and send the job again.",
        ) from exc
    return Background(fitted(image, width, height, fit, fill))


def from_portrait(rgb: np.ndarray, width: int, height: int) -> Background:
    covered = Image.fromarray(fitted(Image.fromarray(rgb), width, height, "cover", "#000000"))
    blurred = covered.filter(ImageFilter.GaussianBlur(PORTRAIT_BLUR * min(width, height)))
    return Background((np.asarray(blurred).astype(np.float32) * PORTRAIT_DIM).astype(np.uint8))


def from_video(
    path: Path, scratch: Path, width: int, height: int, fps: int, fit: str, fill: str, play: str
) -> Background:
    """Decode the whole video once, at the canvas's size and the job's frame rate, into ``scratch`` (raw RGB)."""
    if fit == "cover":
        scale = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height}"
    else:
        r, g, b = hex_rgb(fill)
        scale = (
            f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=0x{r:02x}{g:02x}{b:02x}"
        )
    seconds = DECODED_BUDGET_BYTES / (width * height * 3 * fps)
    args = [
        ffmpeg_exe(),
        *QUIET,
        "-y",
        "-i",
        str(path),
        "-t",
        f"{seconds:.3f}",
        "-an",
        "-vf",
        f"{scale},fps={fps},setsar=1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        str(scratch),
    ]
    result = run_ffmpeg(args)
    if result.returncode != 0:
        raise encode_failure("decoding the background video", result.returncode, result.stderr)
    frames = scratch.stat().st_size // (width * height * 3)
    if frames == 0:
        raise MediaError("asset_unreadable", "the background video has no frames")
    video = np.memmap(scratch, dtype=np.uint8, mode="r", shape=(frames, height, width, 3))
    return Background(None, video, play)


def video_still(path: Path, width: int, height: int, *, last: bool = False) -> np.ndarray:
    """One picture of a video, its first or its last, scaled to cover ``width`` × ``height``: where a clip is
    joined to it. Only the frames needed are decoded (the last from the final half second)."""
    scale = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},setsar=1"
    seek = ["-sseof", "-0.5"] if last else []
    count = [] if last else ["-frames:v", "1"]
    args = [
        ffmpeg_exe(),
        *QUIET,
        "-y",
        *seek,
        "-i",
        str(path),
        "-an",
        "-vf",
        scale,
        *count,
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:",
    ]
    result = run_ffmpeg(args)
    size = width * height * 3
    if result.returncode != 0 or len(result.stdout) < size:
        raise encode_failure("reading a picture of a video", result.returncode, result.stderr)
    frames = len(result.stdout) // size
    return np.frombuffer(result.stdout[(frames - 1) * size : frames * size], np.uint8).reshape(height, width, 3).copy()


def background_for(
    spec: dict[str, Any],
    width: int,
    height: int,
    *,
    portrait_rgb: np.ndarray,
    asset_bytes: bytes | None = None,
    video_path: Path | None = None,
    scratch: Path | None = None,
    fps: int = 25,
) -> Background:
    """The background a scene's ``background`` dict asks for on this canvas."""
    kind = spec.get("type", "portrait")
    colour = spec.get("color") or "#1f2937"
    if kind == "color":
        return solid(colour, width, height)
    if kind == "transparent":
        return transparent(width, height)
    if kind == "image":
        assert asset_bytes is not None
        return from_image(asset_bytes, width, height, spec.get("fit") or "cover", colour)
    if kind == "video":
        assert video_path is not None and scratch is not None
        return from_video(
            video_path, scratch, width, height, fps, spec.get("fit") or "cover", colour, spec.get("play") or "loop"
        )
    return from_portrait(portrait_rgb, width, height)
