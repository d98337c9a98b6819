import numpy as np
from PIL import Image

from media.encode.poster import write_poster
from media.encode.video import SegmentEncoder


def test_poster_from_a_frame_is_a_jpeg_of_that_frame(tmp_path):
    frame = np.zeros((48, 64, 3), np.uint8)
    frame[..., 1] = 200
    out = write_poster(frame, tmp_path / "p.jpg")
    with Image.open(out) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert abs(np.asarray(image)[24, 32, 1] - 200) < 8


def test_poster_from_a_video_takes_a_frame_a_quarter_in_or_where_asked(tmp_path):
    video = tmp_path / "v.mp4"
    with SegmentEncoder(video, 64, 64, 25) as encoder:
        for i in range(100):  # brightness = frame index * 2
            encoder.write(np.full((64, 64, 3), 2 * i, np.uint8))
    with Image.open(write_poster(video, tmp_path / "quarter.jpg")) as image:
        assert abs(np.asarray(image).mean() - 2 * 25) < 6
    with Image.open(write_poster(video, tmp_path / "at3s.jpg", at_s=3.0)) as image:
        assert abs(np.asarray(image).mean() - 2 * 75) < 6
