import numpy as np
from PIL import Image

from media.encode.poster import write_poster, write_poster_from_parts
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


def test_a_poster_from_the_parts_is_the_frame_a_quarter_into_their_join(tmp_path):
    parts = []
    for n, (first, count) in enumerate([(0, 20), (20, 60), (80, 40)]):  # 120 frames: a quarter in is frame 30
        video = tmp_path / f"part{n}.mp4"
        with SegmentEncoder(video, 64, 64, 25) as encoder:
            for i in range(first, first + count):
                encoder.write(np.full((64, 64, 3), 2 * i, np.uint8))  # brightness = frame index * 2
        parts.append((video, count / 25))
    with Image.open(write_poster_from_parts(parts, tmp_path / "p.jpg")) as image:
        assert abs(np.asarray(image).mean() - 2 * 30) < 4
    # a quarter into the last part alone: its 10th frame
    with Image.open(write_poster_from_parts(parts[2:], tmp_path / "last.jpg")) as image:
        assert abs(np.asarray(image).mean() - 2 * 90) < 4
