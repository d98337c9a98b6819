"""Small real files for composition tests: background videos whose headers
state what the bounds are about (an hour-long or 8K file in kilobytes, made by
the ffmpeg that imageio-ffmpeg ships), a logo with alpha, a faceless
background picture and music. Each is made once per test session."""

from __future__ import annotations

import functools
import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image


def _ffmpeg(*args: str, suffix: str) -> bytes:
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"clip{suffix}"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *args, "-y", str(out)],
            check=True,
            timeout=120,
        )
        return out.read_bytes()


#: ffmpeg's fastest video encoder settings for each container a test clip comes in
VIDEO_CODECS = {
    "mp4": ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
    "webm": ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"),
    "mov": ("-c:v", "prores_ks", "-profile:v", "4444"),
    "avi": ("-c:v", "mjpeg"),
}


def _plain(colour: str, width: int, height: int, fps: str, seconds: float) -> tuple[str, ...]:
    """ffmpeg's input arguments for a plain ``colour`` picture (a name or ``0xrrggbb``)."""
    return ("-f", "lavfi", "-i", f"color=c={colour}:s={width}x{height}:r={fps}:d={seconds}")


@functools.cache
def video(
    width: int = 320,
    height: int = 240,
    fps: str = "25",
    seconds: float = 1.0,
    fmt: str = "mp4",
    colour: str = "0x2040a0",
) -> bytes:
    """A real clip of a plain colour: cheap to encode at any size or length, so the header says what we want."""
    return _ffmpeg(*_plain(colour, width, height, fps, seconds), *VIDEO_CODECS[fmt], suffix=f".{fmt}")


@functools.cache
def film_with_sound() -> bytes:
    """An MP4 of picture and speech-rate sound: a newsroom's clip."""
    return _ffmpeg(
        *_plain("0x2040a0", 320, 240, "25", 1.5),
        "-f",
        "lavfi",
        "-i",
        "sine=f=200:d=1.5",
        *VIDEO_CODECS["mp4"],
        "-c:a",
        "aac",
        "-ar",
        "24000",
        "-shortest",
        suffix=".mp4",
    )


@functools.cache
def streamed_webm() -> bytes:
    """A WebM written as a stream (as browsers record): its header states no length."""
    return _ffmpeg(
        *_plain("red", 320, 240, "25", 1),
        *VIDEO_CODECS["webm"],
        "-f",
        "webm",
        "-live",
        "1",
        suffix=".webm",
    )


def frames_as_noise(mp4: bytes) -> bytes:
    """The same MP4 with its coded frames (the ``mdat`` payload) overwritten: a decoder finds nothing to show,
    the header (``moov``, written after it) still says what the file claims to be."""
    start = mp4.index(b"mdat") + 4
    end = mp4.index(b"moov") - 4
    return mp4[:start] + bytes(range(256)) * ((end - start) // 256) + b"\x00" * ((end - start) % 256) + mp4[end:]


def ten_hour_video() -> bytes:
    """36,000 s in about 10 KB: one frame a minute."""
    return video(128, 128, "1/60", 36000.0)


def eight_k_video() -> bytes:
    return video(7680, 4320, "25", 0.2)


@functools.cache
def music() -> bytes:
    """Two seconds of a chord, as music is: loud throughout."""
    return _ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "sine=f=220:d=2",
        "-f",
        "lavfi",
        "-i",
        "sine=f=330:d=2",
        "-filter_complex",
        "amix=inputs=2",
        "-ar",
        "44100",
        suffix=".wav",
    )


@functools.cache
def narration() -> bytes:
    """A second of a tone at speech's usual rate (narration is judged by decoding, not by meaning)."""
    return _ffmpeg("-f", "lavfi", "-i", "sine=f=180:d=1.5", "-ar", "24000", suffix=".wav")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@functools.cache
def logo() -> bytes:
    """A disc on a transparent square: alpha that must survive."""
    yy, xx = np.mgrid[:64, :64]
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., 0] = 220
    rgba[..., 3] = np.where((yy - 32) ** 2 + (xx - 32) ** 2 < 28**2, 255, 0)
    return _png(Image.fromarray(rgba, "RGBA"))


@functools.cache
def studio_picture() -> bytes:
    """A faceless background: a gradient."""
    ramp = np.linspace(0, 255, 320, dtype=np.uint8)
    rgb = np.stack([np.tile(ramp, (180, 1))] * 3, axis=-1)
    return _png(Image.fromarray(rgb, "RGB"))


def document() -> bytes:
    """The start of a one-page PDF, as a press office sends one: not a picture, a video or audio."""
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"%%EOF\n" * 40


def portrait() -> bytes:
    from domain.presets import preset_path

    return preset_path("astronaut").read_bytes()


def upload(client, data: bytes, name: str, purpose: str | None = None):
    """POST /v1/assets with ``data`` as ``name``, and a purpose when given."""
    form = {"file": (io.BytesIO(data), name)}
    if purpose:
        form["purpose"] = purpose
    return client.post("/v1/assets", data=form, content_type="multipart/form-data")
