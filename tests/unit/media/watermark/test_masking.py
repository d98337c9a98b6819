"""The watermark's strength follows what the eye forgives: less on smooth areas,
more on texture and in shadow, never past the PSNR budget."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

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


def test_maps_over_a_video_computed_again_only_where_it_changed_are_the_whole_frame_maps():
    """``AmplitudeMaps`` recomputes only around what changed since the last frame; every map must still be
    the one ``amplitude_map`` gives for that frame, but for the cap's held factor (never stronger, at most
    ``HOLD_SLACK`` weaker): a presenter moving on a still background, a change at the frame's edge and
    corner, nothing changing, a new picture everywhere, and frames busy enough that the PSNR cap scales the
    whole map."""
    from media.watermark.masking import AmplitudeMaps

    rng = np.random.default_rng(4)
    h, w = 240, 320
    y, x = np.mgrid[0:h, 0:w] / w
    still = np.clip(np.stack([40 + 80 * x, 60 + 60 * y, 110 + 90 * (1 - x)], -1), 0, 255).astype(np.uint8)
    still[10:40, 10:90] = rng.integers(0, 256, (30, 80, 3), dtype=np.uint8)
    presenter = rng.integers(90, 170, (130, 130, 3), dtype=np.uint8)
    maps = AmplitudeMaps()
    recomputed_in_part = 0
    for k in range(24):
        frame = still.copy()
        dx = int(round(5 * np.sin(k / 2)))
        frame[100 : 100 + 120, 180 + dx : 180 + dx + 120] = presenter[:120, :120]
        if k % 6 == 2:
            frame[150:160, 0:3] = 255  # at the left edge
        if k % 6 == 3:
            frame[0:2, w - 6 : w] = 0  # in the corner
        if k == 9:
            frame = rng.integers(0, 256, frame.shape, dtype=np.uint8)  # a new picture everywhere
        if k >= 18:
            frame = np.clip(frame.astype(np.int16) * 4 - 300, 0, 255).astype(np.uint8)  # busy: the cap acts
        expected = amplitude_map(frame)
        got = maps(frame)
        assert got.shape == expected.shape
        held = _held_share(got, expected)
        if np.sqrt(np.mean(expected**2)) < MAX_RMS * 0.95:
            assert held == pytest.approx(1.0, abs=1e-6), k  # no cap: no factor
        # equal but for the held factor and float rounding (OpenCV's threads may split a filter differently)
        assert np.abs(got - held * expected).max() <= 1e-5 * max(1.0, float(expected.max())), k
        assert np.sqrt(np.mean(got.astype(np.float64) ** 2)) <= MAX_RMS * (1 + 1e-5), k
        recomputed_in_part += k > 0 and k != 9
    assert recomputed_in_part
    busy = np.clip(still.astype(np.int16) * 4 - 300, 0, 255).astype(np.uint8)
    assert np.sqrt(np.mean(amplitude_map(busy) ** 2)) == pytest.approx(MAX_RMS, rel=1e-3)  # the cap did act


def _held_share(got: np.ndarray, expected: np.ndarray) -> float:
    """The factor ``got`` is of ``expected`` (least squares), checked to be one a held cap may give."""
    from media.watermark.masking import HOLD_MARGIN, HOLD_SLACK

    share = float(np.sum(got.astype(np.float64) * expected) / np.sum(expected.astype(np.float64) ** 2))
    assert min(1 - HOLD_MARGIN, 1 / (1 + HOLD_SLACK)) - 1e-6 <= share <= 1 + 1e-6
    return share


def test_a_capped_frame_whose_presenter_moves_is_marked_again_only_where_it_moved():
    """On a busy still background the PSNR cap acts on every frame, and a moving presenter moves the frame's
    total a little: the held factor keeps the map, and so the mark, unchanged outside the presenter's part,
    and the frame still within its budget."""
    from media.watermark.masking import AmplitudeMaps

    rng = np.random.default_rng(6)
    h, w = 240, 320
    still = rng.integers(20, 80, (h, w, 3), dtype=np.uint8)  # dark texture everywhere: the cap acts
    presenter = np.full((90, 90, 3), 120, dtype=np.uint8)
    presenter[20:70, 20:70] = rng.integers(100, 140, (50, 50, 3), dtype=np.uint8)
    maps = AmplitudeMaps()
    rescaled = 0
    for k in range(16):
        frame = still.copy()
        dx = int(round(6 * np.sin(k / 2)))
        frame[120:210, 150 + dx : 240 + dx] = presenter
        got = maps(frame)
        rms = float(np.sqrt(np.mean(got.astype(np.float64) ** 2)))
        assert rms <= MAX_RMS * (1 + 1e-5), k
        assert rms >= MAX_RMS * (1 - 0.02), k  # the cap acts, and holds the mark near the budget
        if k:
            x0, y0, x1, y1 = maps.changed or (0, 0, 0, 0)
            rescaled += (x1 - x0) * (y1 - y0) == w * h
    # the first frame's exact factor may have to step down once, to a margin under what the frames allow
    assert rescaled <= 1


def test_maps_told_where_a_frame_changed_are_the_maps_that_find_it_themselves():
    """Given the rectangles outside which a frame is the last one (a compositor knows them), ``AmplitudeMaps``
    reads only those to find the change: the same maps and the same changed part."""
    from media.watermark.masking import AmplitudeMaps

    rng = np.random.default_rng(5)
    h, w = 240, 320
    still = rng.integers(60, 200, (h, w, 3), dtype=np.uint8)
    presenter = rng.integers(0, 256, (100, 100, 3), dtype=np.uint8)
    finding, told = AmplitudeMaps(), AmplitudeMaps()
    last: tuple[int, int, int, int] | None = None
    for k in range(12):
        frame = still.copy()
        dx = 3 * k
        frame[80:180, 40 + dx : 140 + dx] = presenter if k % 4 else presenter[::-1]
        box = (40 + dx, 80, 140 + dx, 180)
        rects = None if last is None else [last, box, (0, 0, 8, 8)]
        expected = finding(frame)
        got = told(frame, rects)
        # equal but for float rounding (OpenCV's filters round differently with a buffer's alignment)
        assert np.abs(got - expected).max() <= 1e-5 * max(1.0, float(expected.max())), k
        assert told.changed == finding.changed, k
        last = box


class _KeptMaps:
    """An embedder's ``AmplitudeMaps`` that keeps the last map it gave (the one the frame was marked with)."""

    def __init__(self, maps):
        self.maps, self.last = maps, None

    @property
    def changed(self):
        return self.maps.changed

    def __call__(self, frame, changed=None):
        self.last = self.maps(frame, changed)
        return self.last


def test_a_stream_marked_in_parts_is_on_every_frame_the_plain_mark_of_the_whole_plane():
    """``apply_to_luma_in`` marks again only where the frame or its strength map changed, on the plane kept from
    the frame before: on every frame the whole plane must still be clean + round(map × pattern), clipped — the
    plain formula, to the bit — with the map the frame was marked with. A presenter moving over a still
    background (the old and the new box overlap, and the map changes a margin beyond them), a caption box that
    comes and goes, a frame changed everywhere, frames dark and bright enough to saturate, and the PSNR cap
    acting on a busy background."""
    from media.encode import LUMA_SCALE

    rng = np.random.default_rng(7)
    h, w = 240, 320
    key = InvisibleWatermark("masking-test")
    pattern = key.pattern(Payload(7, 7), w, h) * np.float32(LUMA_SCALE)
    y, x = np.mgrid[0:h, 0:w] / w
    smooth = np.clip(np.stack([40 + 80 * x, 60 + 60 * y, 110 + 90 * (1 - x)], -1), 0, 255).astype(np.uint8)
    busy = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)  # dark texture everywhere: the cap acts
    presenter = rng.integers(0, 256, (110, 100, 3), dtype=np.uint8)
    presenter[:20] = 255  # saturates white
    presenter[-20:] = 0  # and black
    for still in (smooth, busy):
        embedder = key.embedder(Payload(7, 7), w, h)
        kept = _KeptMaps(embedder._maps)
        embedder._maps = kept
        clean = np.empty((h, w), np.uint8)
        luma = np.empty((h, w), np.uint8)
        last: list[tuple[int, int, int, int]] | None = None
        for k in range(20):
            frame = still.copy()
            dx, dy = int(round(9 * np.sin(k / 2))), int(round(4 * np.cos(k / 3)))
            box = (150 + dx, 60 + dy, 250 + dx, 170 + dy)
            frame[box[1] : box[3], box[0] : box[2]] = presenter
            drawn = [box]
            if k % 5 in (1, 2):
                caption = (20, 200, 140, 228)
                frame[caption[1] : caption[3], caption[0] : caption[2]] = 230
                drawn.append(caption)
            if k == 12:
                frame = rng.integers(0, 256, frame.shape, dtype=np.uint8)  # a new picture everywhere
            rects = None if last is None or k in (12, 13) else [*last, *drawn]
            grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)  # the frame's clean luma, updated where it changed
            for x0, y0, x1, y1 in rects if rects is not None else [(0, 0, w, h)]:
                clean[y0:y1, x0:x1] = grey[y0:y1, x0:x1]
                luma[y0:y1, x0:x1] = grey[y0:y1, x0:x1]

            embedder.apply_to_luma_in(frame, clean, luma, LUMA_SCALE, rects)

            offset = np.rint(kept.last * pattern)  # float32 product, rounded half to even, as OpenCV rounds it
            expected = np.clip(clean + offset, 0, 255).astype(np.uint8)
            assert np.array_equal(luma, expected), (k, int(np.count_nonzero(luma != expected)))
            last = drawn


def test_disjoint_rectangles_cover_each_pixel_of_the_union_once():
    from media.watermark.invisible import _disjoint

    rng = np.random.default_rng(8)
    for _ in range(500):
        rects = []
        for _ in range(rng.integers(0, 6)):
            x0, y0 = (int(v) for v in rng.integers(0, 40, 2))
            rects.append((x0, y0, x0 + int(rng.integers(-3, 30)), y0 + int(rng.integers(-3, 30))))
        union, covered = np.zeros((80, 80), int), np.zeros((80, 80), int)
        for x0, y0, x1, y1 in rects:
            if x1 > x0 and y1 > y0:
                union[y0:y1, x0:x1] = 1
        pieces = _disjoint(rects)
        for x0, y0, x1, y1 in pieces:
            assert x1 > x0 and y1 > y0
            covered[y0:y1, x0:x1] += 1
        assert np.array_equal(covered, union), rects
