"""16-bit PCM mono WAV in and out, with the standard library.

The farm's audio is float32 in [-1, 1]; WAV is where it is stored (TTS cache)
and how it reaches ffmpeg. Converting to 16-bit is the one quantisation step,
done here so every path quantises the same way.
"""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np

_FULL_SCALE = 32767.0


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    return np.round(np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0) * _FULL_SCALE).astype("<i2")


def from_pcm16(pcm: np.ndarray) -> np.ndarray:
    return (pcm.astype(np.float32) / _FULL_SCALE).astype(np.float32)


def quantize(samples: np.ndarray) -> np.ndarray:
    """The samples as they will read back from a WAV: same values on a cache hit and a miss."""
    return from_pcm16(to_pcm16(samples))


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(to_pcm16(samples).tobytes())
    return buffer.getvalue()


def write_wav(path: Path | str, samples: np.ndarray, sample_rate: int) -> None:
    Path(path).write_bytes(wav_bytes(samples, sample_rate))


def read_wav(source: Path | str | bytes) -> tuple[np.ndarray, int]:
    """Mono float32 samples and the rate of a 16-bit PCM WAV (several channels are averaged).

    Tolerates the streaming header espeak-ng writes to a pipe, whose sizes are
    placeholders: the data chunk is taken to run to the end of the bytes.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    offset, channels, rate, bits = 12, None, None, None
    while offset + 8 <= len(data):
        chunk_id, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        body = offset + 8
        if chunk_id == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", data[body : body + 8])
            bits = struct.unpack("<H", data[body + 14 : body + 16])[0]
            if fmt not in (1, 0xFFFE) or bits != 16:
                raise ValueError(f"only 16-bit PCM WAV is supported (format {fmt}, {bits} bits)")
        elif chunk_id == b"data":
            if channels is None or rate is None:
                raise ValueError("WAV data before its fmt chunk")
            end = min(len(data), body + size)
            end -= (end - body) % (2 * channels)
            pcm = np.frombuffer(data[body:end], dtype="<i2").reshape(-1, channels)
            samples = from_pcm16(pcm).mean(axis=1) if channels > 1 else from_pcm16(pcm[:, 0])
            return np.ascontiguousarray(samples, dtype=np.float32), int(rate)
        offset = body + size + (size & 1)
    raise ValueError("WAV has no data chunk")
