"""The portrait's matte: a large photo's (the fast guided filter) is the exact filter's, edge for edge."""

from __future__ import annotations

import numpy as np
from PIL import Image

from media.compose import guided_filter, portrait_matte
from media.compose.matte import GUIDE_EPS, GUIDE_RADIUS_SHARE


def exact_matte(rgb: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    """The matte as the exact guided filter makes it at full resolution, from the same segmenter's mask."""
    height, width = rgb.shape[:2]
    mask = np.asarray(Image.fromarray(coarse, mode="F").resize((width, height), Image.Resampling.BILINEAR))
    guide = rgb.astype(np.float32).mean(axis=2) / 255.0
    refined = guided_filter(guide, mask, max(2, round(GUIDE_RADIUS_SHARE * min(height, width))), GUIDE_EPS)
    return np.rint(np.clip((refined - 0.5) * 1.6 + 0.5, 0.0, 1.0) * 255.0).astype(np.uint8)


def test_a_large_photos_matte_keeps_the_exact_filters_edges(monkeypatch):
    import media.compose.matte as matte

    photo = Image.open("domain/presets/portraits/cameraman.png").convert("RGB")
    rgb = np.asarray(photo.resize((2000, 2000), Image.Resampling.BICUBIC))
    seen = []
    real = matte._segmentation
    monkeypatch.setattr(matte, "_segmentation", lambda image: seen.append(real(image)) or seen[-1])

    fast = portrait_matte(rgb).astype(int)
    assert fast.shape == (2000, 2000) and seen[0].shape[0] < 1000  # the segmenter saw the photo shrunk
    exact = exact_matte(rgb, matte.fill_small_holes(seen[0])).astype(int)
    edge = ((exact > 10) & (exact < 245)) | ((fast > 10) & (fast < 245))
    assert edge.mean() > 0.005  # there is an edge to compare
    # (a matte made on the shrunk photo and enlarged, without the full-resolution guide, is off by ~5 at its edge)
    assert np.abs(fast - exact).mean() < 0.2 and np.abs(fast - exact)[edge].mean() < 3
    assert 0.2 < (fast > 127).mean() < 0.6 and abs((fast > 127).mean() - (exact > 127).mean()) < 0.002


def test_a_small_photo_is_filtered_at_its_own_size():
    rgb = np.asarray(Image.open("domain/presets/portraits/astronaut.png").convert("RGB"))
    matte = portrait_matte(rgb)
    assert matte.shape == rgb.shape[:2] and matte.min() == 0 and matte.max() == 255


def test_one_segmentation_graph_serves_every_portrait():
    """The process keeps one mediapipe graph: a photo's matte does not depend on the photos cut out before it."""
    first = np.asarray(Image.open("domain/presets/portraits/astronaut.png").convert("RGB"))
    other = np.asarray(Image.open("domain/presets/portraits/cameraman.png").convert("RGB"))
    before = portrait_matte(first)
    portrait_matte(other)
    assert np.array_equal(portrait_matte(first), before)


def test_a_small_hole_inside_the_person_is_filled_and_a_large_one_is_not():
    """A collar the segmenter took for background is person; the space between an arm and the body stays
    background."""
    from media.compose.matte import fill_small_holes

    mask = np.zeros((200, 200), np.float32)
    mask[20:190, 30:170] = 0.9  # the person
    mask[40:50, 90:96] = 0.1  # a collar-sized hole: 60 px of 23,800
    mask[100:160, 60:120] = 0.2  # an arm's gap: 3,600 px, 15 % of the person
    mask[0:30, 0:10] = 0.0  # background outside, touching the border
    filled = fill_small_holes(mask)
    assert (filled[40:50, 90:96] == 1.0).all()
    assert np.array_equal(filled[100:160, 60:120], mask[100:160, 60:120])
    assert np.array_equal(filled[:20], mask[:20]) and np.array_equal(filled[:, :30], mask[:, :30])


def test_the_cameramans_collar_is_part_of_him():
    """The preset whose white collar mediapipe reads as background: opaque there in the matte."""
    from domain.presets import PORTRAITS_DIR
    from media.compose import portrait_matte

    rgb = np.asarray(Image.open(PORTRAITS_DIR / "cameraman.png").convert("RGB"))
    matte = portrait_matte(rgb)
    # the collar between the coat and the jaw, in the 512 px photo: 150 pixels there were under half opaque
    # before the fill, letting the canvas show through his shirt
    collar = matte[145:210, 160:195]
    assert (collar < 128).sum() == 0 and collar.mean() > 245
