"""Looking at a composed video as a viewer would: frames, alpha, text by OCR, audio levels."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image

from media.encode.ffmpeg_binary import ffmpeg_exe


def fetch(services, key: str, dest: Path) -> Path:
    services.storage.get_file(key, dest)
    return dest


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The RGB frame shown at ``seconds``."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds - 1e-3:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame at {seconds} s in {path}")


def frames_of(path: Path) -> list[tuple[float, np.ndarray]]:
    """Every frame of the video, with the time it is shown at (RGB)."""
    with av.open(str(path)) as container:
        return [
            (float(f.time or 0.0), f.to_ndarray(format="rgb24")) for f in container.decode(container.streams.video[0])
        ]


def rgba_frame_at(path: Path, seconds: float, tmp: Path) -> np.ndarray:
    """An RGBA frame of a WebM (decoded by libvpx: ffmpeg's own VP9 decoder drops the alpha plane) or a MOV."""
    out = tmp / f"alpha-{seconds:.2f}.png"
    decoder = ["-c:v", "libvpx-vp9"] if path.suffix == ".webm" else []
    subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            *decoder,
            "-i",
            str(path),
            "-ss",
            f"{seconds}",
            "-frames:v",
            "1",
            "-pix_fmt",
            "rgba",
            str(out),
        ],
        check=True,
    )
    return np.asarray(Image.open(out).convert("RGBA"))


def audio_of(path: Path, tmp: Path, rate: int = 16000) -> np.ndarray:
    wav = tmp / "audio.raw"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(path),
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "s16le",
            str(wav),
        ],
        check=True,
    )
    return np.frombuffer(wav.read_bytes(), dtype="<i2").astype(np.float32) / 32768.0


def ocr(image: np.ndarray, tmp: Path, language: str = "eng") -> str:
    """What tesseract reads in the picture. Captions and titles are light (white or the yellow
    highlight) on darker boxes: the light pixels become black ink on white paper, twice the size,
    which is how tesseract reads best."""
    if shutil.which("tesseract") is None:
        raise AssertionError("tesseract is not installed (./run-tests installs tesseract-ocr, -chi-sim, -heb and -ben)")
    src = tmp / "ocr.png"
    light = (image[..., 0] > 180) & (image[..., 1] > 160)
    picture = Image.fromarray(np.where(light, 0, 255).astype(np.uint8))
    picture.resize((picture.width * 2, picture.height * 2), Image.Resampling.LANCZOS).save(src)
    done = subprocess.run(
        ["tesseract", str(src), "stdout", "-l", language, "--psm", "11"], capture_output=True, text=True, check=True
    )
    return done.stdout


def band_level_db(samples: np.ndarray, rate: int, freq: float, start: float, end: float) -> float:
    """The level of one frequency (±15 Hz) in a stretch of audio, in dB."""
    part = samples[int(start * rate) : int(end * rate)]
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    freqs = np.fft.rfftfreq(len(part), 1.0 / rate)
    band = spectrum[(freqs > freq - 15) & (freqs < freq + 15)]
    return float(20 * np.log10(np.sqrt(np.mean(band**2)) + 1e-9))


def stray_partial_share(matte: np.ndarray, reach: float) -> float:
    """The share of the person's area that is neither opaque nor clear (17..239) farther than ``reach`` pixels from
    the matte's edge (where it crosses half opacity): an area the canvas shows through, not a soft edge."""
    person = (matte >= 128).astype(np.uint8) * 255
    distance = cv2.distanceTransform(255 - cv2.Canny(person, 100, 200), cv2.DIST_L2, 5)
    partial = (matte > 16) & (matte < 240)
    return float((partial & (distance > reach)).sum() / max(1, int((matte >= 128).sum())))


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of a file as ffmpeg's ebur128 reads them: the editor's
    instrument, not this module's."""
    done = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = done.stderr[done.stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(\S+) LUFS", summary)
    peak = re.search(r"Peak:\s+(\S+) dBFS", summary)
    assert integrated and peak, done.stderr[-2000:]
    return float(integrated.group(1)), float(peak.group(1))
