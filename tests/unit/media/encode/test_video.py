import logging

import av
import numpy as np
import pytest

from domain.errors import JobFailure
from media.encode.probe import UNREADABLE, probe_video
from media.encode.video import SegmentEncoder
from media.errors import MediaError


def _frames(n, width=256, height=192):
    """A moving gradient: enough detail that the encoder has real work."""
    y, x = np.mgrid[0:height, 0:width]
    for i in range(n):
        frame = np.empty((height, width, 3), np.uint8)
        frame[..., 0] = (x + 4 * i) % 256
        frame[..., 1] = (y * 2) % 256
        frame[..., 2] = 128
        yield frame


def test_segment_is_h264_yuv420p_at_the_requested_size_and_rate_with_every_frame(tmp_path):
    path = tmp_path / "seg.mp4"
    with SegmentEncoder(path, 256, 192, 30) as encoder:
        for frame in _frames(45):
            encoder.write(frame)
    info = probe_video(path)
    assert (info.video_codec, info.pix_fmt, info.width, info.height, info.fps) == ("h264", "yuv420p", 256, 192, 30.0)
    assert info.audio_codec is None
    assert info.video_frames == 45
    assert info.duration_s == pytest.approx(45 / 30, abs=1e-3)
    assert not list(tmp_path.glob("*.partial*"))


def test_segment_starts_with_a_keyframe_and_keeps_colours(tmp_path):
    path = tmp_path / "seg.mp4"
    colour = np.array([200, 60, 30], np.uint8)
    with SegmentEncoder(path, 64, 64, 25) as encoder:
        for _ in range(5):
            encoder.write(np.broadcast_to(colour, (64, 64, 3)).copy())
    with av.open(str(path)) as container:
        first_packet = next(p for p in container.demux(video=0) if p.size)
        assert first_packet.is_keyframe
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        # decode with the BT.709 matrix the file is tagged with
        decoded = frame.reformat(format="rgb24", src_colorspace="ITU709", dst_colorspace="ITU709").to_ndarray()
    assert np.abs(decoded[32, 32].astype(int) - colour).max() <= 6


def test_frame_buffer_may_be_reused_right_after_write(tmp_path):
    path = tmp_path / "seg.mp4"
    buffer = np.zeros((64, 64, 3), np.uint8)
    with SegmentEncoder(path, 64, 64, 25) as encoder:
        for value in (0, 250):
            buffer[:] = value
            encoder.write(buffer)
        buffer[:] = 120  # scribbling after write must not change what was queued
    with av.open(str(path)) as container:
        means = [f.to_ndarray(format="rgb24").mean() for f in container.decode(video=0)]
    assert means[0] < 20 and means[1] > 230


def test_wrong_frame_shape_is_refused(tmp_path):
    with SegmentEncoder(tmp_path / "seg.mp4", 64, 64, 25) as encoder:
        with pytest.raises(ValueError):
            encoder.write(np.zeros((64, 64, 4), np.uint8))
        encoder.write(np.zeros((64, 64, 3), np.uint8))


def test_odd_frame_size_is_refused():
    with pytest.raises(ValueError):
        SegmentEncoder("x.mp4", 63, 64, 25)


def test_ffmpeg_failure_is_encode_failed_with_its_stderr_and_leaves_no_file(tmp_path):
    path = tmp_path / "seg.mp4"
    with pytest.raises(JobFailure) as caught:
        with SegmentEncoder(path, 64, 64, 25, preset="no-such-preset") as encoder:  # x264 refuses to open
            for frame in _frames(50, 64, 64):
                encoder.write(frame)
    assert caught.value.code == "encode_failed"
    assert "ffmpeg exited" in caught.value.message and len(caught.value.message) > 40
    assert not path.exists() and not list(tmp_path.glob("*.partial*"))


def test_an_error_while_rendering_kills_ffmpeg_and_removes_the_partial_segment(tmp_path):
    path = tmp_path / "seg.mp4"
    with pytest.raises(RuntimeError, match="renderer broke"):
        with SegmentEncoder(path, 64, 64, 25) as encoder:
            for frame in _frames(3, 64, 64):
                encoder.write(frame)
            raise RuntimeError("renderer broke")
    assert not path.exists() and not list(tmp_path.glob("*.partial*"))


def test_a_segment_with_no_frames_is_encode_failed(tmp_path):
    with pytest.raises(JobFailure) as caught:
        with SegmentEncoder(tmp_path / "seg.mp4", 64, 64, 25):
            pass
    assert caught.value.code == "encode_failed"


def test_probe_refuses_a_file_that_is_not_media_in_words_of_ours_and_logs_ffmpegs(tmp_path, caplog):
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"this is not a video")
    with caplog.at_level(logging.WARNING, logger="media.encode.probe"), pytest.raises(MediaError) as caught:
        probe_video(path)
    assert caught.value.code == "asset_unreadable"
    # what the caller reads: what is wrong with the file and what to do, not FFmpeg's reason nor the server's path
    assert caught.value.detail == UNREADABLE
    ffmpegs = str(caught.value.__cause__)
    assert "Invalid data" in ffmpegs and "Invalid data" not in caught.value.detail
    assert str(tmp_path) not in caught.value.detail
    assert ffmpegs in caplog.text and str(path) in caplog.text  # FFmpeg's reason stays in the server's log
