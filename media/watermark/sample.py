"""What the detector needs of a clip, cut from it: for verifying a file too large to upload whole.

``InvisibleWatermark.detect`` reads only a clip's first DETECT_MAX_FRAMES frames (4 s at 25 fps), and of
each only the luma. A file larger than the API takes (a ProRes 4444 MOV runs 15 MB a second at 720p, 34 MB
at 1080p) can therefore be verified from those frames alone: copied as they are when they fit
(``-c copy``: the very frames the API would read), else re-encoded as H.264 at a quality well above what the
mark survives (CRF 14 here; the benchmark reads it exactly after CRF 32), without the sound and without an
alpha plane (the payload is in the luma). A sample is a new file: it carries none of the original's content
credentials (C2PA binds them to the whole file's bytes).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import av

from media.encode.ffmpeg_binary import QUIET, ffmpeg_exe
from media.errors import MediaError
from media.watermark.invisible import DETECT_MAX_FRAMES

#: x264 qualities tried in turn for a re-encoded sample, best first; each far better than the CRF 28–32
#: the mark is read after (docs/benchmarks.md, "Invisible watermark")
SAMPLE_CRFS = (14, 20, 26)
#: what a copied sample's container adds to its frames' bytes, at most (Matroska's headers and cues)
CONTAINER_SLACK_BYTES = 256 * 1024
#: how long one cut may take (100 frames of 4K ProRes decode in a few seconds on one core)
SAMPLE_TIMEOUT_S = 300


@dataclass(frozen=True)
class Sample:
    """A file holding the clip's first frames, and how it was made."""

    path: Path
    frames: int
    seconds: float
    #: "copied" (the frames as they are) or "re-encoded"
    how: str
    #: the x264 quality of a re-encoded sample
    crf: int | None = None


def _as_file(path: Path) -> str:
    """``path`` as FFmpeg must read it: a file, whatever it is named (``take1:final.mp4`` or
    ``2026-12-07T12:30.mov`` would be read as a protocol's address)."""
    return "file:" + str(Path(path).resolve())


def _first_frames(path: Path) -> tuple[int, float, int]:
    """How many of the first DETECT_MAX_FRAMES frames the clip has, how long they last, and their bytes as
    stored (read from the packets' headers, nothing decoded)."""
    try:
        with av.open(_as_file(path)) as container:
            if not container.streams.video:
                raise MediaError("video_unreadable", "The file has no video stream.")
            stream = container.streams.video[0]
            rate = float(stream.average_rate or stream.guessed_rate or 25)
            frames, stored = 0, 0
            for packet in container.demux(stream):
                if packet.size:
                    frames += 1
                    stored += packet.size
                if frames >= DETECT_MAX_FRAMES:
                    break
    except av.FFmpegError as exc:
        raise MediaError(
            "video_unreadable", "The file does not decode as video: it is cut short, damaged or not a video."
        ) from exc
    if not frames:
        raise MediaError("video_unreadable", "The file holds no video frames.")
    return frames, frames / rate, stored


def _run(args: list[str]) -> None:
    try:
        done = subprocess.run(
            [ffmpeg_exe(), *QUIET, "-y", *args], capture_output=True, timeout=SAMPLE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise MediaError(
            "video_unreadable",
            f"Cutting the clip's first frames took over {SAMPLE_TIMEOUT_S:g} s; cut them yourself (the error of "
            "`POST /v1/verify` for a clip too large says how) and verify that.",
        ) from None
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise MediaError("video_unreadable", f"Cutting the clip's first frames failed: {' '.join(tail)}")


def detection_sample(source: Path, workdir: Path, max_bytes: int) -> Sample:
    """The clip's first DETECT_MAX_FRAMES frames in a file of at most ``max_bytes``, in ``workdir``.

    Copied when they fit, else re-encoded at the best of SAMPLE_CRFS that fits; a MediaError
    (``clip_too_large``) when not even the lowest quality fits.
    """
    frames, seconds, stored = _first_frames(source)
    # the video's first frames alone: no sound, subtitles or data
    first = ["-i", _as_file(source), "-map", "0:v:0", "-frames:v", str(frames), "-an", "-sn", "-dn"]
    if stored + CONTAINER_SLACK_BYTES <= max_bytes:
        # Matroska holds any codec ffmpeg copies (ProRes, H.264, VP9, AV1) and its timestamps as they are
        copied = workdir / "first-frames.mkv"
        _run([*first, "-c", "copy", str(copied)])
        if copied.stat().st_size <= max_bytes:
            return Sample(copied, frames, seconds, "copied")
        copied.unlink()
    for crf in SAMPLE_CRFS:
        encoded = workdir / f"first-frames-crf{crf}.mp4"
        _run([*first, "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p", str(encoded)])
        if encoded.stat().st_size <= max_bytes:
            return Sample(encoded, frames, seconds, "re-encoded", crf)
        encoded.unlink()
    raise MediaError(
        "clip_too_large",
        f"The clip's first {frames} frames are over {max_bytes} bytes even as H.264 at CRF {SAMPLE_CRFS[-1]}.",
    )
