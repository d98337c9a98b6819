"""Property-based fuzzing of the upload sniffers: any bytes, and valid
pictures and narration with bytes changed or cut off, give a header, None
(not a picture) or a coded ``MediaError``; never another exception."""

from __future__ import annotations

import io
import wave

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image

from media.errors import MediaError
from tests.fuzz_budget import fuzz_settings


def _picture(fmt: str, width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 90, np.uint8)).save(out, format=fmt)
    return out.getvalue()


def _wav(rate: int, seconds: float, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(bytes(int(rate * seconds) * width))
    return out.getvalue()


PICTURES = [
    _picture("PNG", 40, 30),
    _picture("JPEG", 40, 30),
    _picture("WEBP", 40, 30),
    _picture("GIF", 20, 20),
    _picture("BMP", 20, 20),
    _picture("TIFF", 20, 20),
]
SOUNDS = [_wav(16000, 0.3), _wav(8000, 0.5, 1), _wav(44100, 0.1)]
#: found by the long run: a WAV header whose format has no decoder (codec_context is None)
NO_DECODER_WAV = (
    b"RIFF\xa4%\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80>\x00\x00\x00}\x00\x00"
    b"\x02\x00\x00\x00data\x80%\x00\x00"
)


def _mutated(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(seed)
    for position, value in edits:
        data[position % len(data)] = value
    return bytes(data[: max(1, cut)])


def mutations(seeds: list[bytes]):
    return st.builds(
        _mutated,
        st.sampled_from(seeds),
        st.lists(st.tuples(st.integers(0, 10**5), st.integers(0, 255)), max_size=8),
        st.integers(1, 10**5),
    )


@fuzz_settings(200)
@given(data=mutations(PICTURES) | st.binary(max_size=300))
def test_image_header_sniffer_names_a_size_or_refuses_with_a_code(data):
    from media.images import check_image_size, read_image_header

    try:
        header = read_image_header(data)
        if header is not None:
            assert header.width >= 0 and header.height >= 0
            check_image_size(header)
    except MediaError as exc:
        assert exc.code in {"image_too_many_pixels", "image_too_small", "image_aspect_ratio"}


@fuzz_settings(100)
@given(data=mutations(SOUNDS) | st.binary(max_size=300))
@example(data=NO_DECODER_WAV)
def test_narration_sniffers_refuse_with_a_code(data):
    from media.tts.audio_input import probe_audio
    from media.tts.narration_check import check_narration

    for sniff in (probe_audio, check_narration):
        try:
            sniff(data)
        except MediaError as exc:
            assert exc.code in {"asset_unreadable", "audio_undecodable", "audio_sample_rate_unsupported"}


@fuzz_settings(50)
@given(width=st.integers(1, 200_000), height=st.integers(1, 200_000))
def test_declared_sizes_are_judged_from_the_header_alone(width, height):
    """A PNG header claiming any size is judged without decoding a pixel."""
    import struct
    import zlib

    from media.images import MAX_ASPECT_RATIO, MAX_PIXELS, MIN_SIDE, check_image_size, read_image_header

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IEND", b"")
    )
    acceptable = (
        width * height <= MAX_PIXELS
        and min(width, height) >= MIN_SIDE
        and max(width, height) <= MAX_ASPECT_RATIO * min(width, height)
    )
    try:
        check_image_size(read_image_header(data))
        assert acceptable
    except MediaError:
        assert not acceptable
