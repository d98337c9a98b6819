"""Frames handed to the encoder as its own yuv420p look as the same frames handed over as RGB."""

from __future__ import annotations

import av
import numpy as np
import pytest

from media.encode import SegmentEncoder, luma_plane, rgb_to_yuv420

PATCHES = [(200, 60, 30), (20, 180, 90), (40, 70, 220), (250, 250, 250), (5, 5, 5), (128, 128, 128)]


def _patches(width: int = 192, height: int = 128) -> np.ndarray:
    frame = np.zeros((height, width, 3), np.uint8)
    for i, colour in enumerate(PATCHES):
        x, y = (i % 3) * 64, (i // 3) * 64
        frame[y : y + 64, x : x + 64] = colour
    return frame


def _decoded(path) -> np.ndarray:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.reformat(format="rgb24", src_colorspace="ITU709", dst_colorspace="ITU709").to_ndarray()


@pytest.mark.parametrize("input_format", ["rgb24", "yuv420p"])
def test_patches_decode_as_the_colours_they_were_given(tmp_path, input_format):
    frame = _patches()
    path = tmp_path / f"{input_format}.mp4"
    with SegmentEncoder(path, 192, 128, 25, input_format=input_format) as encoder:
        for _ in range(3):
            encoder.write(rgb_to_yuv420(frame) if input_format == "yuv420p" else frame)
    decoded = _decoded(path)
    for i, colour in enumerate(PATCHES):
        x, y = (i % 3) * 64 + 32, (i // 3) * 64 + 32
        assert np.abs(decoded[y, x].astype(int) - colour).max() <= 4, (colour, decoded[y, x])


def test_the_two_inputs_give_the_same_picture(tmp_path):
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:128, 0:192]
    frame = np.stack([x, y * 2, 255 - x], -1).astype(np.uint8)
    frame[40:90, 60:140] = rng.integers(0, 256, (50, 80, 3), dtype=np.uint8)
    pictures = []
    for input_format in ("rgb24", "yuv420p"):
        path = tmp_path / f"{input_format}.mp4"
        with SegmentEncoder(path, 192, 128, 25, input_format=input_format) as encoder:
            encoder.write(rgb_to_yuv420(frame) if input_format == "yuv420p" else frame)
        pictures.append(_decoded(path).astype(float))
    via_rgb, via_yuv = pictures
    # the gradient alike; in the noise, where 4:2:0 and the encoder lose most, as close to the original
    assert np.abs(via_rgb[:40] - via_yuv[:40]).mean() < 1.5
    assert np.abs(via_yuv - frame).mean() <= np.abs(via_rgb - frame).mean() + 0.5


def test_the_luma_plane_is_a_writable_view_and_sizes_are_checked(tmp_path):
    planes = rgb_to_yuv420(np.full((64, 96, 3), 255, np.uint8))
    assert planes.shape == (96, 96)
    luma = luma_plane(planes)
    assert luma.shape == (64, 96) and np.all(luma == 235)  # white is 235 in the limited range
    assert np.all(planes[64:] == 128)  # and has no colour
    luma[0, 0] = 17
    assert planes[0, 0] == 17
    with pytest.raises(ValueError):
        rgb_to_yuv420(np.zeros((63, 96, 3), np.uint8))
    with SegmentEncoder(tmp_path / "seg.mp4", 96, 64, 25, input_format="yuv420p") as encoder:
        with pytest.raises(ValueError):
            encoder.write(np.zeros((64, 96, 3), np.uint8))
        encoder.write(planes)
