"""Framing: the square of the photo that becomes the output frame."""

import numpy as np
import pytest

from media.errors import AvatarError
from media.render.face import EyeInfo, PortraitInfo
from media.render.framing import frame_portrait, render_canvas


def portrait(width, height, box):
    eye = EyeInfo((0, 0), (0, 0), (0, 0), (0, 0), (0, 0))
    return PortraitInfo(width, height, box, {}, (), (), (), {"a": eye, "b": eye})


def test_margin_grows_with_expand_ratio():
    info = portrait(2000, 2000, (900, 900, 1100, 1100))
    tight = frame_portrait(info, 512, 0.0, 64)
    loose = frame_portrait(info, 512, 1.0, 64)
    assert tight.side == pytest.approx(200)
    assert loose.side == pytest.approx(600)


def test_face_near_an_edge_slides_the_frame_inward_instead_of_padding():
    info = portrait(1000, 800, (880, 20, 980, 120))
    framing = frame_portrait(info, 256, 0.5, 64)
    assert framing.left + framing.side <= 1000 and framing.top >= 0
    assert framing.left <= 880 and framing.left + framing.side >= 980


def test_a_photo_with_less_room_gets_a_smaller_margin_not_invented_pixels():
    info = portrait(300, 400, (50, 100, 250, 300))
    framing = frame_portrait(info, 256, 1.5, 64)
    assert framing.side == pytest.approx(300)


def test_face_crop_under_min_resolution_is_refused():
    info = portrait(640, 480, (300, 200, 340, 240))  # a 40 px face -> an 80 px frame at expand 0.5
    with pytest.raises(AvatarError) as caught:
        frame_portrait(info, 512, 0.5, 128)
    assert caught.value.code == "avatar_too_small"
    frame_portrait(info, 512, 0.5, 64)  # allowed when the caller accepts the upscale


def test_canvas_holds_the_frame_plus_the_motion_margin_and_maps_points():
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 255, (400, 400, 3), dtype=np.uint8)
    photo[195:205, 195:205] = (255, 0, 0)
    info = portrait(400, 400, (150, 150, 250, 250))
    framing = frame_portrait(info, 256, 0.5, 64)
    canvas = render_canvas(photo, framing)
    assert canvas.shape == (framing.canvas_side, framing.canvas_side, 3)
    x, y = np.round(framing.to_canvas((200.0, 200.0))).astype(int)
    assert tuple(canvas[y, x]) == pytest.approx((255, 0, 0), abs=40)
