"""A still for the job page and the CMS: one JPEG frame of the video; of a video with an alpha channel (a transparent
WebM or MOV), one PNG frame with its alpha, so the presenter shows over whatever page the poster is laid on rather
than on the black the colour planes hold where nothing is."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from domain.errors import JobFailure

JPEG_QUALITY = 88
#: Where the poster is taken from when not told, as a share of the video's
#: length: past the first frame (often a neutral, closed-mouth start), early
#: enough to stay representative.
DEFAULT_POSITION = 0.25


def write_poster(video_or_frame: Path | str | np.ndarray, out_jpeg: Path | str, at_s: float | None = None) -> Path:
    """Save a JPEG of ``video_or_frame``: an RGB frame array as is, or the
    video's frame at ``at_s`` seconds (default a quarter in). Named ``.png``, the poster is a PNG with the video's
    alpha channel (``transparent_poster``)."""
    out_jpeg = Path(out_jpeg)
    if out_jpeg.suffix == ".png":
        frame = (
            video_or_frame if isinstance(video_or_frame, np.ndarray) else _frame_at(Path(video_or_frame), at_s, True)
        )
        Image.fromarray(np.ascontiguousarray(frame, dtype=np.uint8), "RGBA").save(out_jpeg, "PNG")
        return out_jpeg
    if isinstance(video_or_frame, np.ndarray):
        frame = video_or_frame
    else:
        frame = _frame_at(Path(video_or_frame), at_s)
    Image.fromarray(np.ascontiguousarray(frame, dtype=np.uint8), "RGB").save(out_jpeg, "JPEG", quality=JPEG_QUALITY)
    return out_jpeg


def poster_type(path: Path | str) -> str:
    """The content type of a poster ``write_poster`` made."""
    return "image/png" if Path(path).suffix == ".png" else "image/jpeg"


def write_poster_from_parts(parts: Sequence[tuple[Path | str, float]], out_jpeg: Path | str) -> Path:
    """The poster of the video that ``parts`` (each a file and its seconds) make back to back, taken as
    ``write_poster`` takes it from the whole video (a quarter in), from the one part it falls in: a join by stream
    copy has the parts' frames, so the poster can be made before, or beside, the join."""
    if not parts:
        raise JobFailure("encode_failed", "no video for a poster")
    target = DEFAULT_POSITION * sum(seconds for _, seconds in parts)
    start = 0.0
    for video, seconds in parts[:-1]:
        if target < start + seconds:
            return write_poster(Path(video), out_jpeg, at_s=target - start)
        start += seconds
    return write_poster(Path(parts[-1][0]), out_jpeg, at_s=max(0.0, target - start))


def _frame_at(video: Path, at_s: float | None, alpha: bool = False) -> np.ndarray:
    """The frame at ``at_s`` (default a quarter in), RGB, or RGBA with ``alpha``: VP9 keeps its alpha in each
    block's additions, which only libvpx's decoder reads (FFmpeg's own drops it); ProRes 4444 decodes with it."""
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            duration_s = container.duration / av.time_base if container.duration else 0.0
            target = duration_s * DEFAULT_POSITION if at_s is None else max(0.0, at_s)
            if target > 0 and stream.time_base:
                container.seek(int(target / stream.time_base), stream=stream, backward=True)
            vp9 = alpha and stream.codec_context.name == "vp9"
            decoder = av.CodecContext.create("libvpx-vp9", "r") if vp9 else None
            last = None
            for frame in _decoded(container, stream, decoder):
                last = frame
                at = frame.pts * stream.time_base if frame.pts is not None and stream.time_base else None
                if at is None or at >= target - 1e-6:
                    break
            if last is None:
                raise JobFailure("encode_failed", f"{video.name} has no frames for a poster")
            picture: np.ndarray = last.to_ndarray(format="rgba" if alpha else "rgb24")
            return picture
    except (av.FFmpegError, IndexError) as exc:
        raise JobFailure("encode_failed", f"cannot read {video.name} for a poster: {exc}") from exc


def _decoded(container: Any, stream: Any, decoder: Any) -> Iterator[Any]:
    """The stream's frames, by its own decoder or by ``decoder`` (then fed the stream's packets)."""
    if decoder is None:
        yield from container.decode(stream)
        return
    for packet in container.demux(stream):
        yield from decoder.decode(packet)
