import subprocess

import numpy as np
import pytest

from media.encode.ffmpeg_binary import ffmpeg_exe
from media.encode.wav import write_wav
from media.errors import MediaError
from media.tts.audio_input import NotAudio, load_audio, probe_audio, split_at_silences

RATE = 24000


def _tone(seconds, rate=RATE, freq=220.0, level=0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(scope="module")
def encoded_clips(tmp_path_factory):
    """The same 1.5 s tone as wav, mp3, m4a, ogg/opus and flac (44.1 kHz stereo source)."""
    folder = tmp_path_factory.mktemp("clips")
    clips = {}
    for ext, codec in [
        ("wav", "pcm_s16le"),
        ("mp3", "libmp3lame"),
        ("m4a", "aac"),
        ("ogg", "libopus"),
        ("flac", "flac"),
    ]:
        path = folder / f"tone.{ext}"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-hide_banner",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:duration=1.5:sample_rate=44100",
                "-ac",
                "2",
                "-c:a",
                codec,
                str(path),
            ],
            check=True,
        )
        clips[ext] = path
    return clips


@pytest.mark.parametrize("ext", ["wav", "mp3", "m4a", "ogg", "flac"])
def test_uploaded_audio_of_any_common_format_decodes_to_mono_float_at_the_farm_rate(encoded_clips, ext):
    samples, rate = load_audio(encoded_clips[ext])
    assert rate == RATE and samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) / rate == pytest.approx(1.5, abs=0.03)
    assert np.max(np.abs(samples)) == pytest.approx(0.125, abs=0.02)  # lavfi sine is at 1/8 scale


@pytest.mark.parametrize("ext", ["wav", "mp3", "m4a", "ogg", "flac"])
def test_probe_audio_gives_the_duration_from_a_path_or_bytes(encoded_clips, ext):
    assert probe_audio(encoded_clips[ext]) == pytest.approx(1.5, abs=0.03)
    assert probe_audio(encoded_clips[ext].read_bytes()) == pytest.approx(1.5, abs=0.03)


def test_aac_end_padding_is_dropped_as_ffmpeg_does(encoded_clips):
    samples, rate = load_audio(encoded_clips["m4a"], sample_rate=None)
    assert rate == 44100 and len(samples) == int(1.5 * 44100)


@pytest.mark.parametrize("payload", [b"definitely not audio", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, b""])
def test_non_audio_upload_is_a_422_asset_unreadable(payload):
    with pytest.raises(NotAudio) as caught:  # the API words it by the upload's purpose
        probe_audio(payload)
    assert caught.value.code == "asset_unreadable"
    assert "Errno" not in caught.value.detail and "Invalid data" not in caught.value.detail


def test_image_with_no_audio_stream_is_asset_unreadable(tmp_path):
    from PIL import Image

    path = tmp_path / "face.png"
    Image.new("RGB", (32, 32), "white").save(path)
    with pytest.raises(MediaError) as caught:
        load_audio(path)
    assert caught.value.code == "asset_unreadable"


def test_short_narration_is_one_segment():
    assert split_at_silences(_tone(10), RATE, max_s=25) == [(0, 10 * RATE)]


def test_long_narration_is_cut_in_its_pauses_and_no_segment_exceeds_the_limit():
    # 8 s phrases separated by 0.5 s pauses (with faint noise, as in a real recording).
    rng = np.random.default_rng(1)
    phrase, pause = _tone(8.0), (rng.standard_normal(int(0.5 * RATE)) * 1e-4).astype(np.float32)
    audio = np.concatenate([phrase, pause] * 7 + [phrase])
    spans = split_at_silences(audio, RATE, max_s=25)
    assert spans[0][0] == 0 and spans[-1][1] == len(audio)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # contiguous, nothing lost
    assert all((end - start) / RATE <= 25 for start, end in spans)
    pause_starts = [(i + 1) * len(phrase) + i * len(pause) for i in range(7)]
    for _, cut in spans[:-1]:
        assert any(start <= cut <= start + len(pause) for start in pause_starts), cut
    assert split_at_silences(audio, RATE, max_s=25) == spans  # deterministic


def test_cuts_can_be_snapped_to_frame_boundaries_so_spans_need_no_padding():
    rng = np.random.default_rng(2)
    phrase, pause = _tone(7.013), (rng.standard_normal(int(0.4 * RATE)) * 1e-4).astype(np.float32)
    audio = np.concatenate([phrase, pause] * 8)
    spans = split_at_silences(audio, RATE, max_s=25, fps=25)
    assert len(spans) > 2 and spans[-1][1] == len(audio)
    assert all(start % 960 == 0 and end % 960 == 0 for start, end in spans[:-1])
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))


def test_narration_without_pauses_is_still_cut_under_the_limit():
    audio = _tone(61)
    spans = split_at_silences(audio, RATE, max_s=25)
    assert spans[-1][1] == len(audio)
    assert all(0 < (end - start) / RATE <= 25 for start, end in spans)


def test_wav_written_by_the_farm_reads_back(tmp_path):
    path = tmp_path / "a.wav"
    write_wav(path, _tone(0.5), RATE)
    samples, rate = load_audio(path)
    assert rate == RATE and len(samples) == RATE // 2
