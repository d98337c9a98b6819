"""Portrait analysis: decoding, EXIF orientation, finding small and off-centre faces."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from domain.presets import PRESETS
from media.errors import AvatarError
from media.render.face import PortraitInfo, analyze_image, analyze_portrait, decode_portrait


def png_bytes(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def astronaut() -> tuple[bytes, PortraitInfo]:
    data = PRESETS["astronaut"].read_bytes()
    return data, analyze_portrait(data)


def test_finds_lips_eyes_and_chin_in_anatomical_order(astronaut):
    _, info = astronaut
    x0, y0, x1, y1 = info.face_box
    eye_y = np.mean([e.centre[1] for e in info.eyes.values()])
    mouth_y = info.points["lower_lip_inner"][1]
    assert y0 < eye_y < info.points["nose_tip"][1] < mouth_y < info.points["chin"][1] <= y1 + 1
    assert len(info.lips_outer) == 20 and len(info.lips_inner) == 20
    for x, y in info.lips_outer:
        assert x0 <= x <= x1 and y0 <= y <= y1
    assert info.points["mouth_corner_a"][0] < info.points["mouth_corner_b"][0]


def test_portrait_info_survives_a_json_round_trip(astronaut):
    _, info = astronaut
    assert PortraitInfo.from_dict(json.loads(json.dumps(info.to_dict()))) == info


def test_exif_orientation_is_honoured(astronaut):
    data, upright = astronaut
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    # Stored rotated a quarter turn, with the EXIF tag that says how to turn it back.
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(rgb, k=1)))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=95, exif=exif)
    info = analyze_portrait(buffer.getvalue())
    assert (info.width, info.height) == (upright.width, upright.height)
    assert np.allclose(info.face_box, upright.face_box, atol=4)


def test_finds_a_small_face_far_off_centre(astronaut):
    data, upright = astronaut
    face = Image.open(io.BytesIO(data)).convert("RGB").resize((130, 165))
    wide = np.full((1200, 1600, 3), 200, dtype=np.uint8)
    wide[980:1145, 1380:1510] = np.asarray(face)
    info = analyze_image(wide)
    cx = (info.face_box[0] + info.face_box[2]) / 2
    cy = (info.face_box[1] + info.face_box[3]) / 2
    expected_x = 1380 + (upright.face_box[0] + upright.face_box[2]) / 2 * 0.5
    expected_y = 980 + (upright.face_box[1] + upright.face_box[3]) / 2 * 0.5
    assert abs(cx - expected_x) < 6 and abs(cy - expected_y) < 6


def test_transparent_pixels_are_laid_on_white():
    rgba = np.zeros((40, 40, 4), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, "PNG")
    assert (decode_portrait(buffer.getvalue()) == 255).all()


def test_refuses_bytes_that_are_no_image():
    with pytest.raises(AvatarError) as caught:
        analyze_portrait(b"%PDF-1.7 not a picture")
    assert caught.value.code == "avatar_unreadable"


def test_refuses_an_image_without_a_face():
    with pytest.raises(AvatarError) as caught:
        analyze_portrait(png_bytes(np.full((300, 300, 3), 90, dtype=np.uint8)))
    assert caught.value.code == "avatar_no_face"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_has_a_face(name):
    info = analyze_portrait(PRESETS[name].read_bytes())
    assert info.face_size > 40
