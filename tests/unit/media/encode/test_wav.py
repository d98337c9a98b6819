import struct

import numpy as np
import pytest

from media.encode.wav import quantize, read_wav, wav_bytes, write_wav


def test_wav_round_trip_is_16_bit_pcm_mono(tmp_path):
    samples = np.linspace(-1, 1, 1001, dtype=np.float32)
    write_wav(tmp_path / "a.wav", samples, 24000)
    data = (tmp_path / "a.wav").read_bytes()
    channels, rate = struct.unpack("<HI", data[22:28])
    assert (channels, rate, struct.unpack("<H", data[34:36])[0]) == (1, 24000, 16)
    back, back_rate = read_wav(tmp_path / "a.wav")
    assert back_rate == 24000 and np.array_equal(back, quantize(samples))
    assert np.abs(back - samples).max() < 1 / 32767


def test_streaming_header_with_placeholder_sizes_is_read_to_the_end():
    # espeak-ng --stdout writes 0x7ffff000 as the data size: it cannot seek back.
    body = wav_bytes(np.full(100, 0.5, np.float32), 22050)
    streamed = body[:40] + struct.pack("<I", 0x7FFFF000) + body[44:] + b"\x00"  # cut mid-sample
    samples, rate = read_wav(streamed)
    assert rate == 22050 and len(samples) == 100


def test_stereo_is_averaged_to_mono():
    header = (
        b"RIFF" + struct.pack("<I", 36 + 8) + b"WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 8000, 32000, 4, 16)
    )
    data = struct.pack("<hhhh", 32767, -32767, 16384, 16384)
    samples, rate = read_wav(header + b"data" + struct.pack("<I", len(data)) + data)
    assert rate == 8000 and np.allclose(samples, [0.0, 0.5], atol=1e-4)


def test_non_wav_bytes_are_refused():
    with pytest.raises(ValueError):
        read_wav(b"OggS not a wav file at all")
