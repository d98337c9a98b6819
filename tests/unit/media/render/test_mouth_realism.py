"""The mouth realism measure: a real mouth scores near the real reference under
the changes a render brings (scale, compression, colour), a drawn one far."""

import cv2
import numpy as np
import pytest

from media.render import mouth_realism as realism
from media.render.face import analyze_image

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def astronaut():
    photo = skimage_data.astronaut()
    info = analyze_image(photo)
    inner, outer = np.array(info.lips_inner), np.array(info.lips_outer)
    return photo, inner, outer


def texture(photo, inner, outer):
    return realism.mouth_texture(photo, inner, realism.skin_level(photo, outer, inner))


def painted(photo, inner, colour_of):
    out = photo.copy()
    mask = np.zeros(photo.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(inner * 4).astype(np.int32)], 255, shift=2)
    ys, xs = np.nonzero(mask)
    out[ys, xs] = colour_of(xs, ys)
    return out


def test_a_real_mouth_rescaled_recompressed_or_recoloured_stays_near_itself(astronaut):
    photo, inner, outer = astronaut
    reference = texture(photo, inner, outer)
    big = cv2.resize(photo, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    _, jpeg = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 60])
    warm = np.clip(photo * np.array([0.8, 0.68, 0.56]), 0, 255).astype(np.uint8)
    for variant, scale in ((big, 3.0), (cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED), 1.0), (warm, 1.0)):
        assert realism.distance(reference, texture(variant, inner * scale, outer * scale)) < 0.03


def test_drawn_insides_score_far_from_the_real_mouth(astronaut):
    photo, inner, outer = astronaut
    reference = texture(photo, inner, outer)
    flat_black = painted(photo, inner, lambda xs, ys: (6, 3, 3))
    flat_maroon = painted(photo, inner, lambda xs, ys: (58, 22, 24))
    tiles = painted(photo, inner, lambda xs, ys: np.where((xs % 5 == 0)[:, None], 170, 220) * np.array([1, 0.97, 0.92]))
    for drawn in (flat_black, flat_maroon, tiles):
        assert realism.distance(reference, texture(drawn, inner, outer)) > 0.15


def test_pooling_adds_frames_and_an_empty_mouth_counts_nothing(astronaut):
    photo, inner, outer = astronaut
    one = texture(photo, inner, outer)
    closed = inner.copy()
    closed[:, 1] = closed[:, 1].mean()  # a lip line with no inside
    none = texture(photo, closed, outer)
    total = realism.pooled([one, one, none])
    assert total.frames == 2 and none.frames == 0
    assert realism.distance(one, total) == pytest.approx(0.0, abs=1e-9)
