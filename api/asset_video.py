"""Background videos judged from their container header, before any frame is
decoded: an hour-long or 8K file is refused for what it says it is, at the
cost of reading its header, as an image bomb is refused from its header.

PyAV opens the container with ``skip_frame=all`` so that FFmpeg's stream
probing (``avformat_find_stream_info``) reads the header and a few packets
but hands no frame to a decoder: opening a small file whose header claims
7680x4320 costs kilobytes, not the 50 MB of one decoded frame.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

import av

from domain.composition_rules import VIDEO_CONTAINERS
from domain.config import Settings
from domain.errors import ProblemError

log = logging.getLogger(__name__)

#: codecs a background may be in (what the compositor's decoder reads), by container
VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "prores", "mpeg4"}


@dataclass(frozen=True)
class VideoHeader:
    content_type: str
    width: int
    height: int
    fps: float
    duration_s: float
    codec: str

    def to_info(self) -> dict[str, float | int | str]:
        return {
            "width": self.width,
            "height": self.height,
            "fps": round(self.fps, 3),
            "duration_s": round(self.duration_s, 3),
            "codec": self.codec,
        }


#: the first bytes of the containers a background comes in: MP4 and MOV atoms (at offset 4), Matroska/WebM's EBML
_ATOMS = (b"ftyp", b"moov", b"mdat", b"wide", b"free")
_EBML = b"\x1a\x45\xdf\xa3"


def looks_like_video(data: bytes) -> bool:
    """Whether the bytes begin as an MP4, MOV or WebM does, whether or not FFmpeg can open the rest."""
    return data[4:8] in _ATOMS or data[:4] == _EBML


def stream_kinds(data: bytes) -> tuple[bool, bool]:
    """(has a moving picture, has sound) for a container FFmpeg opens; (False, False) for anything else.
    A cover image in an audio file is not a moving picture."""
    try:
        with _open(data) as container:
            return (any(not _is_cover_art(stream) for stream in container.streams.video), bool(container.streams.audio))
    except (av.FFmpegError, ValueError):
        return False, False


def read_video_header(data: bytes) -> VideoHeader:
    """What the header says: ``video_unreadable`` if it says too little to bound the file."""
    try:
        with _open(data) as container:
            streams = [s for s in container.streams.video if not _is_cover_art(s)]
            if not streams:
                raise _unreadable("The file holds no video stream.")
            stream = streams[0]
            content_type = _content_type(container, stream)
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            if stream.duration is not None and stream.time_base is not None:
                duration_s = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration_s = container.duration / av.time_base
            else:
                duration_s = 0.0
            header = VideoHeader(
                content_type,
                int(stream.width or 0),
                int(stream.height or 0),
                float(rate) if rate else 0.0,
                duration_s,
                stream.codec_context.name,
            )
    except av.FFmpegError as exc:
        log.warning("an uploaded video does not open: %s", exc)
        raise _unreadable("It does not open as a video: it is cut short, damaged or of another kind.") from exc
    if header.width <= 0 or header.height <= 0:
        raise _unreadable("The header gives no frame size.")
    if header.fps <= 0 or header.duration_s <= 0:
        raise _unreadable(
            "The header gives no frame rate or no duration (a streamed or recorded WebM, say); remux it "
            "so that it does: ffmpeg -i in.webm -c copy out.webm."
        )
    return header


def check_video_bounds(header: VideoHeader, settings: Settings) -> None:
    """422 ``video_too_long`` or ``video_too_large`` (pixels, side or frame rate)."""
    if header.duration_s > settings.max_video_s:
        raise ProblemError(
            "video_too_long",
            f"The video lasts {header.duration_s:.0f} s; a background may last {settings.max_video_s:.0f} s at most.",
            422,
        )
    if (
        max(header.width, header.height) > settings.max_video_side
        or header.width * header.height > settings.max_video_pixels
    ):
        raise ProblemError(
            "video_too_large",
            f"The video is {header.width}x{header.height}; a background may have "
            f"{settings.max_video_pixels} pixels and sides of {settings.max_video_side} at most.",
            422,
        )
    if header.fps > settings.max_video_fps:
        raise ProblemError(
            "video_too_large",
            f"The video runs at {header.fps:g} frames a second; a background may "
            f"run at {settings.max_video_fps:g} at most.",
            422,
        )


def _open(data: bytes):
    # skip_frame=all: FFmpeg's probing hands no packet to a decoder (see the module's docstring)
    return av.open(io.BytesIO(data), mode="r", options={"skip_frame": "all"})


def _is_cover_art(stream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _content_type(container, stream) -> str:
    fmt = container.format.name
    if fmt not in VIDEO_CONTAINERS or stream.codec_context.name not in VIDEO_CODECS:
        raise ProblemError(
            "asset_unsupported_type",
            f"A {fmt} video in {stream.codec_context.name} is not accepted; "
            "send MP4, MOV or WebM (H.264, HEVC, VP8, VP9, AV1 or ProRes).",
            415,
        )
    if fmt.startswith("mov") and str(container.metadata.get("major_brand", "")).strip() == "qt":
        return "video/quicktime"
    return VIDEO_CONTAINERS[fmt]


def _unreadable(detail: str) -> ProblemError:
    return ProblemError("video_unreadable", detail, 422)
