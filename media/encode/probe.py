"""What a finished video is: the numbers the job's output record shows.

PyAV reads the container (the imageio-ffmpeg build has no ffprobe).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import av

from media.errors import MediaError

log = logging.getLogger(__name__)

#: what ``asset_unreadable`` says of a file FFmpeg cannot read; FFmpeg's own words (and the file's path) go to the
#: log, not to whoever reads the error
UNREADABLE = (
    "The finished video does not open: it came out of encoding cut short or damaged. "
    "Send the job again; if it fails the same way, tell the farm's operator."
)


@dataclass(frozen=True)
class MediaInfo:
    duration_s: float
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str | None
    pix_fmt: str | None
    bytes: int
    sha256: str
    video_frames: int | None = None
    audio_sample_rate: int | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def probe_video(path: Path | str) -> MediaInfo:
    """Duration, picture, codecs, size and sha256 of a media file.

    A file FFmpeg cannot read raises ``MediaError("asset_unreadable", UNREADABLE)``
    (422), in words for whoever reads the failed job: only the pipeline's own
    output is probed, so it is the farm's fault, not the caller's. FFmpeg's
    reason is logged, never put in the error.
    """
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            video = container.streams.video[0] if container.streams.video else None
            audio = container.streams.audio[0] if container.streams.audio else None
            duration_s = (
                container.duration / av.time_base if container.duration is not None else _stream_duration(video)
            )
            # size and sha256 are filled in once FFmpeg has read the file
            info = MediaInfo(
                duration_s=float(duration_s or 0.0),
                width=video.codec_context.width if video else None,
                height=video.codec_context.height if video else None,
                fps=float(video.average_rate) if video and video.average_rate else None,
                video_codec=video.codec_context.name if video else None,
                audio_codec=audio.codec_context.name if audio else None,
                pix_fmt=video.codec_context.pix_fmt if video else None,
                video_frames=(video.frames or None) if video else None,
                audio_sample_rate=audio.codec_context.sample_rate if audio else None,
                bytes=0,
                sha256="",
            )
    except av.FFmpegError as exc:
        log.warning("asset_unreadable: FFmpeg cannot read %s: %s", path, exc)
        raise MediaError("asset_unreadable", UNREADABLE) from exc
    size, digest = _size_and_sha256(path)
    return replace(info, bytes=size, sha256=digest)


def _stream_duration(stream: av.VideoStream | None) -> float | None:
    if stream is None or stream.duration is None or stream.time_base is None:
        return None
    return float(stream.duration * stream.time_base)


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
