"""The detector is bounded work: it keeps at most DETECT_MAX_FRAMES frames'
worth of stretches, each no larger than DETECT_MAX_SIDE, whatever the clip's
size or length, still reads the payload of a large clip brought down, and
refuses from the header frames too large for any decoder to hold cheaply."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from domain.presets import preset_path
from media.errors import MediaError
from media.watermark import invisible
from media.watermark.invisible import InvisibleWatermark, Payload, luma_stretches

KEY = "verify-bounds-key"
PAYLOAD = Payload(job_code=0x1234_5678_9ABC, tenant_code=0x0F0F)


def _clip(path, side: int, frames: int, key: str | None = KEY):
    image = np.asarray(Image.open(preset_path("astronaut")).convert("RGB").resize((side, side), Image.BICUBIC))
    if key:
        image = InvisibleWatermark(key).embedder(PAYLOAD, side, side).apply(image)
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{side}x{side}",
        "-r",
        "25",
        "-i",
        "-",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",
        str(path),
    ]
    subprocess.run(cmd, input=image.tobytes() * frames, check=True)
    return path


@pytest.fixture(scope="module")
def large_clip(tmp_path_factory):
    return _clip(tmp_path_factory.mktemp("bounds") / "large.mp4", 1024, 40)


def test_what_the_detector_keeps_is_bounded_in_frames_and_size(large_clip):
    stretches, used = luma_stretches(large_clip, max_frames=20, stretch=5, max_side=384)
    assert used == 20 and len(stretches) == 4  # 40 frames in the clip, 20 read
    assert all(s.shape == (384, 384) and s.dtype == np.float32 for s in stretches)


def test_a_large_clip_read_at_a_bounded_size_still_gives_its_payload(large_clip):
    detection = InvisibleWatermark(KEY).detect(large_clip, max_side=512)
    assert detection.found and detection.payload == PAYLOAD


def test_frames_beyond_the_decoders_bound_are_refused_from_the_header(large_clip, monkeypatch):
    monkeypatch.setattr(invisible, "DETECT_MAX_FRAME_PIXELS", 1000 * 1000)
    with pytest.raises(MediaError) as refused:
        InvisibleWatermark(KEY).detect(large_clip)
    assert refused.value.code == "clip_too_large"
