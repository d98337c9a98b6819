"""The watermark's strength follows what the eye forgives: less on smooth areas,
more on texture and in shadow, never past the PSNR budget."""

from __future__ import annotations

import numpy as np

from media.watermark.invisible import InvisibleWatermark, Payload
from media.watermark.masking import MAX_RMS, amplitude_map

SIDE = 256


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255.0**2 / np.mean((a.astype(np.float64) - b) ** 2)))


def _grey(level: int) -> np.ndarray:
    return np.full((SIDE, SIDE, 3), level, dtype=np.uint8)


def test_texture_carries_more_of_the_pattern_than_a_smooth_area_of_the_same_brightness():
    frame = _grey(128)
    frame[:, SIDE // 2 :] = np.clip(np.random.default_rng(0).normal(128, 30, (SIDE, SIDE // 2, 1)), 0, 255)

    amplitude = amplitude_map(frame)

    smooth, textured = amplitude[:, 16 : SIDE // 2 - 16].mean(), amplitude[:, SIDE // 2 + 16 : -16].mean()
    assert textured > 1.5 * smooth


def test_shadows_carry_more_of_the_pattern_than_mid_grey():
    assert amplitude_map(_grey(40)).mean() > 1.5 * amplitude_map(_grey(128)).mean()


def test_near_white_keeps_the_pattern_inside_the_headroom_left_to_white():
    amplitude = amplitude_map(_grey(252))

    assert amplitude.max() <= (255 - 252) / 3 + 0.5 + 1e-3


def test_the_busiest_frames_stay_within_the_psnr_budget():
    embedder = InvisibleWatermark("masking-test").embedder(Payload(7, 7), SIDE, SIDE, 25)
    rng = np.random.default_rng(1)
    busy = rng.integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8)  # texture everywhere
    shadowy = np.clip(rng.normal(45, 25, (SIDE, SIDE, 1)), 0, 255).repeat(3, axis=2).astype(np.uint8)

    for frame in (busy, shadowy):
        assert np.sqrt(np.mean(amplitude_map(frame) ** 2)) <= MAX_RMS + 1e-3
        assert _psnr(embedder.apply(frame, 0), frame) >= 40.0
