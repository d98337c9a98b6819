from fractions import Fraction

import av
import numpy as np
import pytest

from domain.errors import JobFailure
from media.encode import mux
from media.encode.ffmpeg_binary import run_ffmpeg
from media.encode.mux import AAC_SAMPLE_RATE, concat_and_mux
from media.encode.probe import probe_video
from media.encode.timing import frames_for, pad_to_frames, samples_for
from media.encode.video import SegmentEncoder
from media.encode.wav import write_wav
from media.tts.audio_input import load_audio

RATE, FPS, SIZE = 24000, 25, 128


@pytest.mark.parametrize(
    ("n_samples", "rate", "fps", "frames", "padded"),
    [
        (24000, 24000, 25, 25, 24000),  # exactly one second: no padding
        (24001, 24000, 25, 26, 24960),  # one sample over: one more frame, padded to it
        (1, 24000, 25, 1, 960),
        (0, 24000, 25, 1, 960),  # even nothing gets one frame
        (22050, 22050, 24, 24, 22050),
        (22051, 22050, 24, 25, 22968),  # 25 frames span 22968.75 samples: rounded down
    ],
)
def test_pad_to_frames_pads_to_the_first_whole_frame_that_covers_the_audio(n_samples, rate, fps, frames, padded):
    samples = np.full(n_samples, 0.5, np.float32)
    out, n_frames = pad_to_frames(samples, rate, fps)
    assert (n_frames, len(out)) == (frames, padded)
    assert np.array_equal(out[:n_samples], samples) and not out[n_samples:].any()
    assert len(out) / rate <= n_frames / fps  # the video always covers the audio
    assert n_frames / fps - len(out) / rate < 1 / rate  # and the audio falls short by less than a sample


def test_frames_and_samples_round_trip_at_the_farm_rate():
    for fps in (10, 12, 15, 24, 25, 30, 48, 50, 60):
        assert frames_for(samples_for(37, RATE, fps), RATE, fps) == 37


def _segment(path, n_frames, shade):
    with SegmentEncoder(path, SIZE, SIZE, FPS) as encoder:
        for i in range(n_frames):
            encoder.write(np.full((SIZE, SIZE, 3), (shade + 3 * i) % 256, np.uint8))
    return path


@pytest.fixture(scope="module")
def three_segments(tmp_path_factory):
    """Three segments (0.8 s, 1.2 s, 1.0 s) and one continuous 300 Hz tone spanning them."""
    folder = tmp_path_factory.mktemp("mux")
    frames = [20, 30, 25]
    segments = [_segment(folder / f"seg{i}.mp4", n, 40 * i) for i, n in enumerate(frames)]
    total = samples_for(sum(frames), RATE, FPS)
    t = np.arange(total) / RATE
    tone = (0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    wav = folder / "speech.wav"
    write_wav(wav, tone, RATE)
    out = concat_and_mux(segments, wav, folder / "out.mp4")
    return {"out": out, "frames": frames, "audio_s": total / RATE, "folder": folder, "segments": segments, "wav": wav}


def test_final_video_is_h264_with_one_aac_track_lasting_as_long_as_the_audio(three_segments):
    info = probe_video(three_segments["out"])
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", "aac")
    assert (info.width, info.height, info.fps) == (SIZE, SIZE, FPS)
    assert info.audio_sample_rate == AAC_SAMPLE_RATE
    assert info.video_frames == sum(three_segments["frames"])
    assert abs(info.duration_s - three_segments["audio_s"]) <= 1 / FPS
    assert len(info.sha256) == 64 and info.bytes == three_segments["out"].stat().st_size
    assert not list(three_segments["folder"].glob("*.partial*"))


def test_frames_stay_evenly_timed_across_segment_joins(three_segments):
    with av.open(str(three_segments["out"])) as container:
        times = [frame.time for frame in container.decode(video=0)]
    assert len(times) == sum(three_segments["frames"])
    assert np.allclose(np.diff(times), 1 / FPS) and times[0] == 0.0


def test_audio_is_continuous_across_segment_joins(three_segments):
    decoded, rate = load_audio(three_segments["out"], sample_rate=AAC_SAMPLE_RATE)
    assert len(decoded) / rate == pytest.approx(three_segments["audio_s"], abs=1 / FPS)
    window = int(0.005 * rate)
    expected_rms = 0.5 / np.sqrt(2)
    joins = np.cumsum(three_segments["frames"])[:-1] / FPS
    for join_s in joins:
        centre = int(join_s * rate)
        around = decoded[centre - 20 * window : centre + 20 * window]
        rms = np.sqrt(np.mean(around.reshape(-1, window) ** 2, axis=1))
        assert rms.min() > 0.9 * expected_rms, f"dip in the audio at the join at {join_s:.2f} s"
        assert np.abs(np.diff(around)).max() < 0.1, f"click at the join at {join_s:.2f} s"


def test_audio_starts_with_the_video_not_after_it(three_segments):
    decoded, rate = load_audio(three_segments["out"], sample_rate=AAC_SAMPLE_RATE)
    first_10ms = decoded[: int(0.01 * rate)]
    assert np.sqrt(np.mean(first_10ms**2)) > 0.2


def test_audio_longer_than_the_video_is_refused_rather_than_cut(three_segments, tmp_path):
    long_wav = tmp_path / "long.wav"
    write_wav(long_wav, np.zeros(int((three_segments["audio_s"] + 0.5) * RATE), np.float32), RATE)
    with pytest.raises(JobFailure) as caught:
        concat_and_mux(three_segments["segments"], long_wav, tmp_path / "out.mp4")
    assert caught.value.code == "encode_failed" and "outlasts" in caught.value.message
    assert not (tmp_path / "out.mp4").exists()


def test_a_missing_segment_is_encode_failed(three_segments, tmp_path):
    with pytest.raises(JobFailure) as caught:
        concat_and_mux([tmp_path / "nope.mp4"], three_segments["wav"], tmp_path / "out.mp4")
    assert caught.value.code == "encode_failed"


def test_segment_paths_with_quotes_and_spaces_are_joined(three_segments, tmp_path):
    odd = tmp_path / "it's a segment.mp4"
    odd.write_bytes(three_segments["segments"][0].read_bytes())
    wav = tmp_path / "short.wav"
    write_wav(wav, np.zeros(samples_for(20, RATE, FPS), np.float32), RATE)
    out = concat_and_mux([odd], wav, tmp_path / "out.mp4", faststart=False)
    assert probe_video(out).video_frames == 20


def test_joining_runs_ffmpeg_through_run_ffmpeg_in_a_session_of_its_own(three_segments, tmp_path, monkeypatch):
    calls = []

    def spy(args):
        calls.append(args)
        return run_ffmpeg(args)

    monkeypatch.setattr(mux, "run_ffmpeg", spy)
    out = mux.concat_and_mux(three_segments["segments"], three_segments["wav"], tmp_path / "out.mp4")
    assert len(calls) == 1 and probe_video(out).video_frames == sum(three_segments["frames"])


def test_a_join_copying_audio_encoded_once_is_the_join_that_encodes_it(three_segments, tmp_path):
    """Cuts of one job share one AAC encode of its audio (``encode_aac``): each joined file is the one
    that encoding the audio in the join gives, byte for byte."""
    aac = mux.encode_aac(three_segments["wav"], tmp_path / "audio.m4a")
    shared = concat_and_mux(three_segments["segments"], three_segments["wav"], tmp_path / "shared.mp4", aac=aac)
    assert shared.read_bytes() == three_segments["out"].read_bytes()


@pytest.mark.parametrize("frames", [(115, 85), (116, 84)])
def test_segments_at_30_fps_join_with_every_frame_the_same_length(tmp_path, frames):
    """A 30 fps segment's length (115 frames, 3.8333 s) was kept in the MP4's movie clock in whole milliseconds, and
    the concat demuxer started the next segment there: one frame 0.33 or 0.67 ms short, the file's average rate
    594000/19799 and not 30, which ingest QC flags. The segment's clocks now count in frames."""
    rng = np.random.default_rng(0)
    segments = []
    for i, n in enumerate(frames):
        with SegmentEncoder(tmp_path / f"seg{i}.mp4", 160, 96, 30) as encoder:
            for k in range(n):  # a moving picture, so x264 uses B-frames as it does on a face
                picture = np.zeros((96, 160, 3), np.uint8)
                picture[:, (k * 3) % 160] = 255
                picture[10:20, 10:20] = rng.integers(0, 255, (10, 10, 3))
                encoder.write(picture)
        segments.append(tmp_path / f"seg{i}.mp4")
    wav = tmp_path / "speech.wav"
    write_wav(wav, np.zeros(samples_for(sum(frames), RATE, 30), np.float32), RATE)
    out = concat_and_mux(segments, wav, tmp_path / "out.mp4")
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        pts = sorted(packet.pts for packet in container.demux(stream) if packet.size)
        assert {(b - a) * stream.time_base for a, b in zip(pts, pts[1:])} == {Fraction(1, 30)}
        assert stream.average_rate == 30 and len(pts) == sum(frames)
