import shutil

import pytest

from media.encode.codec import (
    LIBX264,
    NVENC,
    available_encoders,
    choose_video_codec,
    trial_encode,
    video_codec_options,
)

WITH_NVENC = {"libx264", "h264_nvenc", "aac"}
WITHOUT_NVENC = {"libx264", "aac"}


class Trial:
    def __init__(self, works):
        self.works, self.asked = works, []

    def __call__(self, codec):
        self.asked.append(codec)
        return self.works


def test_gpu_pool_uses_nvenc_when_ffmpeg_has_it_and_a_trial_encode_works():
    trial = Trial(works=True)
    assert choose_video_codec("amd64-gpu", WITH_NVENC, trial) == NVENC
    assert trial.asked == [NVENC]


def test_gpu_pool_falls_back_to_x264_when_the_trial_encode_fails():
    assert choose_video_codec("amd64-gpu", WITH_NVENC, Trial(works=False)) == LIBX264


def test_gpu_pool_without_nvenc_in_ffmpeg_uses_x264_without_trying():
    trial = Trial(works=True)
    assert choose_video_codec("amd64-gpu", WITHOUT_NVENC, trial) == LIBX264
    assert trial.asked == []


@pytest.mark.parametrize("tag", ["cpu", "arm64-npu"])
def test_other_pools_always_use_x264(tag):
    trial = Trial(works=True)
    assert choose_video_codec(tag, WITH_NVENC, trial) == LIBX264
    assert trial.asked == []


def test_this_ffmpeg_lists_the_encoders_the_farm_needs():
    encoders = available_encoders()
    assert {"libx264", "aac", "h264_nvenc"} <= encoders
    assert "V....D" not in encoders and "=" not in encoders


def test_trial_encode_succeeds_for_x264():
    assert trial_encode(LIBX264) is True


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has an NVIDIA GPU")
def test_without_a_gpu_the_nvenc_trial_fails_and_a_gpu_tagged_worker_picks_x264():
    assert trial_encode(NVENC) is False
    assert choose_video_codec("amd64-gpu", available_encoders()) == LIBX264


def test_nvenc_gets_its_own_preset_names_and_x264_keeps_the_x264_ones():
    assert video_codec_options(NVENC, "veryfast", 25)["preset"] == "p3"
    assert video_codec_options(LIBX264, "ultrafast", 25)["preset"] == "ultrafast"
    assert video_codec_options(LIBX264, "veryfast", 25)["g"] == 50
    with pytest.raises(ValueError):
        video_codec_options("mpeg4", "veryfast", 25)


@pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="needs an NVIDIA GPU")
def test_on_a_gpu_machine_nvenc_is_chosen_and_encodes_a_segment(tmp_path):
    import numpy as np

    from media.encode.probe import probe_video
    from media.encode.video import SegmentEncoder

    assert choose_video_codec("amd64-gpu", available_encoders()) == NVENC
    with SegmentEncoder(tmp_path / "seg.mp4", 256, 256, 25, codec=NVENC) as encoder:
        for i in range(30):
            encoder.write(np.full((256, 256, 3), i * 8, np.uint8))
    info = probe_video(tmp_path / "seg.mp4")
    assert (info.video_codec, info.pix_fmt, info.video_frames) == ("h264", "yuv420p", 30)
