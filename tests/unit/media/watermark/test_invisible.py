"""Invisible watermark: the payload survives what platforms do, and only the key reads it.

Clips are short and small (2 s at 384x384) so the module runs in seconds; the
full robustness table is benchmarks/watermark_robustness.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import skimage
from PIL import Image

from media.watermark import coding
from media.watermark.invisible import InvisibleWatermark, Payload

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SIDE, FPS, FRAMES = 384, 25, 50
KEY = "unit-test-watermark-key"
PAYLOAD = Payload(job_code=0xA1B2_C3D4_E5F6, tenant_code=0x0BAD)
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]


def _portrait() -> Image.Image:
    img = Image.open(Path(skimage.__file__).parent / "data" / "astronaut.png").convert("RGB")
    return img.resize((SIDE + 40, SIDE + 40), Image.BICUBIC)


def _frames(seed: int = 0):
    """A slow sway over the portrait, like a talking head's."""
    source = _portrait()
    phase = np.random.default_rng(seed).uniform(0, 2 * np.pi)
    for i in range(FRAMES):
        dx, dy = 8 * np.sin(0.8 * i / FPS + phase), 5 * np.sin(1.3 * i / FPS + phase)
        box = (20 + dx, 20 + dy, 20 + dx + SIDE, 20 + dy + SIDE)
        yield np.asarray(source.transform((SIDE, SIDE), Image.EXTENT, box, Image.BILINEAR))


def _encode(frames, path: Path) -> Path:
    cmd = [
        FFMPEG,
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{SIDE}x{SIDE}",
        "-r",
        str(FPS),
        "-i",
        "-",
        *H264,
        "-crf",
        "20",
        str(path),
    ]
    subprocess.run(cmd, input=b"".join(np.ascontiguousarray(f).tobytes() for f in frames), check=True)
    return path


def _transcode(src: Path, dest: Path, *args: str) -> Path:
    subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-i", str(src), *args, str(dest)], check=True)
    return dest


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("invisible")
    embedder = InvisibleWatermark(KEY).embedder(PAYLOAD, SIDE, SIDE, FPS)
    marked = _encode((embedder.apply(f, i) for i, f in enumerate(_frames())), folder / "marked.mp4")
    clean = _encode(_frames(seed=1), folder / "clean.mp4")
    return folder, marked, clean


def test_payload_survives_an_h264_re_encode(clips):
    folder, marked, _ = clips
    video = _transcode(marked, folder / "crf23.mp4", *H264, "-crf", "23")

    detection = InvisibleWatermark(KEY).detect(video)

    assert detection.found and detection.payload == PAYLOAD


def test_payload_survives_a_downscale(clips):
    folder, marked, _ = clips
    video = _transcode(marked, folder / "small.mp4", "-vf", "scale=288:288", *H264, "-crf", "23")

    detection = InvisibleWatermark(KEY).detect(video)

    assert detection.found and detection.payload == PAYLOAD
    assert detection.period == pytest.approx(0.75 * 96, abs=1.0)  # the tile shrank with the picture


def test_payload_survives_cropping_ten_percent_off_each_edge(clips):
    folder, marked, _ = clips
    video = _transcode(marked, folder / "crop.mp4", "-vf", "crop=308:308:38:38", *H264, "-crf", "23")

    detection = InvisibleWatermark(KEY).detect(video)

    assert detection.found and detection.payload == PAYLOAD


def test_payload_is_read_from_a_clip_flipped_left_to_right(clips):
    """A mirrored repost carried the pattern mirrored: a compliance review's flipped copy read as unmarked
    (confidence 0.578). The detector reads such a clip the other way round too, and says so."""
    folder, marked, _ = clips
    video = _transcode(marked, folder / "flipped.mp4", "-vf", "hflip", *H264, "-crf", "23")

    detection = InvisibleWatermark(KEY).detect(video)

    assert detection.found and detection.payload == PAYLOAD
    assert "read from the clip flipped left to right" in detection.notes
    assert "read from the clip flipped left to right" not in InvisibleWatermark(KEY).detect(marked).notes


def test_another_key_reads_nothing(clips):
    _, marked, _ = clips

    detection = InvisibleWatermark("some other key").detect(marked)

    assert not detection.found and detection.payload is None


@pytest.mark.parametrize("key", [KEY, "second key", b"\x00third key"])
def test_never_watermarked_video_reads_as_clean(clips, key):
    _, _, clean = clips

    detection = InvisibleWatermark(key).detect(clean)

    assert not detection.found and detection.payload is None


def test_watermarked_frames_stay_above_40_db_psnr():
    embedder = InvisibleWatermark(KEY).embedder(PAYLOAD, SIDE, SIDE, FPS)
    for frame in [next(_frames()), np.full((SIDE, SIDE, 3), 128, dtype=np.uint8)]:
        marked = embedder.apply(frame, 0)
        mse = np.mean((marked.astype(np.float64) - frame) ** 2)
        assert 10 * np.log10(255**2 / mse) >= 40.0


def test_embedding_changes_luma_only_and_is_the_same_in_every_frame():
    embedder = InvisibleWatermark(KEY).embedder(PAYLOAD, SIDE, SIDE, FPS)
    frame = np.full((SIDE, SIDE, 3), (120, 90, 60), dtype=np.uint8)

    first, later = embedder.apply(frame, 0), embedder.apply(frame, 117)

    assert np.array_equal(first, later)  # a still picture gets a still pattern: no flicker
    delta = first.astype(np.int16) - frame
    assert np.abs(delta).max() > 0
    assert np.array_equal(delta[:, :, 0], delta[:, :, 1]) and np.array_equal(delta[:, :, 1], delta[:, :, 2])


def test_embedding_saturates_at_black_and_white_instead_of_wrapping_around():
    embedder = InvisibleWatermark(KEY).embedder(PAYLOAD, SIDE, SIDE, FPS)
    frame = np.zeros((SIDE, SIDE, 3), dtype=np.uint8)
    frame[:, SIDE // 2 :] = 255

    marked = embedder.apply(frame, 0).astype(np.int16)

    assert marked[:, : SIDE // 2 - 8].max() < 32 and marked[:, SIDE // 2 + 8 :].min() > 223


def test_embedding_adds_the_rounded_amplitude_times_pattern_and_clips():
    """The arithmetic itself, against a plain numpy reference: frame + round(amplitude × pattern),
    clipped to 0..255, on a real frame and on one that saturates (amplitude tripled)."""
    from media.watermark.masking import amplitude_map

    key = InvisibleWatermark(KEY)
    pattern = key.pattern(PAYLOAD, SIDE, SIDE)
    frame = next(_frames())
    for strength in (1.0, 3.0):
        marked = (
            key.embedder(PAYLOAD, SIDE, SIDE, FPS)
            if strength == 1.0
            else InvisibleWatermark(KEY, strength=strength).embedder(PAYLOAD, SIDE, SIDE, FPS)
        )
        offset = np.rint(amplitude_map(frame, strength).astype(np.float64) * pattern)
        expected = np.clip(frame.astype(np.float64) + offset[..., None], 0, 255).astype(np.uint8)
        got = marked.apply(frame, 0)
        # float32 products that land on .5 may round either way: allow one level on a few pixels
        differs = got != expected
        assert np.abs(got.astype(np.int16) - expected).max() <= 1
        assert differs.mean() < 1e-3


def test_a_pattern_dragged_along_by_motion_is_read_by_following_it():
    """A re-encoder's motion compensation carries a static pattern along with the
    content, so each stretch of the video holds it somewhere else: their plain
    average smears it, reading each stretch and moving them onto one offset does not."""
    marker = InvisibleWatermark(KEY)
    pattern = marker.pattern(PAYLOAD, SIDE + 64, SIDE + 64)
    luma = np.asarray(_portrait().convert("L"), dtype=np.float32)[:SIDE, :SIDE]
    noise = np.random.default_rng(0)
    stretches = []
    for i in range(10):  # 3 px of drag per stretch, as a slow sway gives
        dy, dx = 3 * i, -2 * i
        dragged = pattern[32 + dy : 32 + dy + SIDE, 32 + dx : 32 + dx + SIDE]
        stretches.append(luma + 1.5 * dragged + noise.normal(0, 8, (SIDE, SIDE)).astype(np.float32))

    smeared = marker.detect_in_luma(np.mean(stretches, axis=0))
    followed = marker.detect_in_stretches(stretches, frames_used=50)

    assert not smeared.found
    assert followed.found and followed.payload == PAYLOAD


def test_payloads_differ_in_pattern_and_keys_differ_in_pattern():
    base = InvisibleWatermark(KEY).pattern(PAYLOAD, SIDE, SIDE)
    other_payload = InvisibleWatermark(KEY).pattern(Payload(PAYLOAD.job_code ^ 1, PAYLOAD.tenant_code), SIDE, SIDE)
    other_key = InvisibleWatermark(KEY + "!").pattern(PAYLOAD, SIDE, SIDE)

    assert not np.array_equal(base, other_payload)
    assert abs(np.corrcoef(base.ravel(), other_key.ravel())[0, 1]) < 0.1


def test_payload_packs_job_and_tenant_codes_into_64_bits():
    assert Payload.from_int(PAYLOAD.to_int()) == PAYLOAD
    assert PAYLOAD.to_int() == (0xA1B2_C3D4_E5F6 << 16) | 0x0BAD
    with pytest.raises(ValueError):
        Payload(job_code=1 << 48, tenant_code=0)
    with pytest.raises(ValueError):
        Payload(job_code=0, tenant_code=1 << 16)


def test_viterbi_corrects_noisy_bits_and_the_crc_rejects_a_wrong_message():
    message = coding.message_bits(PAYLOAD.to_int())
    coded = coding.encode(message)
    noisy = coded + np.random.default_rng(3).normal(0, 0.7, coded.shape)
    assert np.count_nonzero(np.sign(noisy) != coded) > 10  # the channel did flip bits

    assert coding.check_message(coding.viterbi_decode(noisy)) == PAYLOAD.to_int()

    corrupted = message.copy()
    corrupted[5] ^= 1
    assert coding.check_message(corrupted) is None


def test_a_readable_pattern_whose_crc_does_not_match_is_refused():
    """Confidence alone does not accept a payload: a well-formed codeword of a
    message with a wrong CRC, embedded as strongly as a real one, is refused."""
    from media.watermark.pattern import KeyedLayout, tile_side_for

    message = coding.message_bits(PAYLOAD.to_int())
    message[-1] ^= 1
    layout = KeyedLayout.from_key(KEY)
    side = tile_side_for(SIDE, SIDE)
    tile = layout.draw_tile(layout.spectrum_values(coding.encode(message)), side)
    luma = np.asarray(_portrait().convert("L").crop((0, 0, SIDE, SIDE)), dtype=np.float64)
    forged = luma + 2.0 * np.tile(tile, (SIDE // side, SIDE // side))

    detection = InvisibleWatermark(KEY).detect_in_luma(forged)

    assert detection.confidence > 0.8  # it reads cleanly...
    assert not detection.found and detection.payload is None  # ...but the CRC says no


def test_a_file_that_is_not_video_is_refused_with_a_stable_code(tmp_path):
    from media.errors import MediaError

    junk = tmp_path / "notes.mp4"
    junk.write_bytes(b"this is not a video" * 100)

    with pytest.raises(MediaError) as problem:
        InvisibleWatermark(KEY).detect(junk)

    assert problem.value.code == "video_unreadable"
    # in words of ours: FFmpeg's ("[Errno 1094995529] Invalid data found…: '/tmp/…/notes.mp4'") name the server's copy
    assert str(tmp_path) not in str(problem.value) and "Errno" not in str(problem.value), str(problem.value)
    assert "damaged" in str(problem.value)


def test_marking_the_luma_plane_puts_the_same_pattern_where_the_detector_reads_it(tmp_path):
    """The composed path converts frames to yuv420p itself and adds the payload to the luma plane
    (``apply_to_luma``) instead of to R, G and B (``apply``). What the detector reads — the luma — must
    carry the same pattern at the same strength, and the payload must survive a re-encode as before."""
    from media.encode import LUMA_SCALE, SegmentEncoder, luma_plane, rgb_to_yuv420

    frames = list(_frames())
    rgb_marker = InvisibleWatermark(KEY).embedder(PAYLOAD, SIDE, SIDE, FPS)
    luma_marker = InvisibleWatermark(KEY).embedder(PAYLOAD, SIDE, SIDE, FPS)
    path = tmp_path / "luma.mp4"
    with SegmentEncoder(path, SIDE, SIDE, FPS, input_format="yuv420p") as encoder:
        for i, frame in enumerate(frames):
            plain = luma_plane(rgb_to_yuv420(frame)).astype(np.float64)
            via_rgb = luma_plane(rgb_to_yuv420(rgb_marker.apply(frame, i))).astype(np.float64) - plain
            planes = rgb_to_yuv420(frame)
            luma_marker.apply_to_luma(frame, luma_plane(planes), LUMA_SCALE)
            via_luma = luma_plane(planes).astype(np.float64) - plain
            assert np.corrcoef(via_rgb.ravel(), via_luma.ravel())[0, 1] > 0.95
            assert np.std(via_luma) == pytest.approx(np.std(via_rgb), rel=0.05)
            assert np.array_equal(planes[SIDE:], rgb_to_yuv420(frame)[SIDE:])  # colour untouched
            encoder.write(planes)
    video = _transcode(path, tmp_path / "crf23.mp4", *H264, "-crf", "23")

    detection = InvisibleWatermark(KEY).detect(video)

    assert detection.found and detection.payload == PAYLOAD
    assert not InvisibleWatermark("some other key").detect(video).found
