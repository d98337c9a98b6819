"""The composing pieces on their own: placement, blending, the circle, the matte's edge, caption pages."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import uniform_filter

from media.compose import blend, caption_track, circle_mask, guided_filter, presenter_box, rendition_character


def test_the_box_is_scale_times_the_height_centred_by_offset():
    box = presenter_box({"style": "normal", "scale": 0.5, "offset": {"x": -1.0, "y": 0.5}}, 1920, 1080)
    assert box.side == 540
    assert (box.left + box.side / 2, box.top + box.side / 2) == (0.0, 810.0)  # left edge, three quarters down
    assert box.visible(1920, 1080) is not None


def test_a_rendition_without_a_character_lays_the_presenter_out_again_for_its_shape():
    right = {"style": "normal", "scale": 0.8, "offset": {"x": 0.45, "y": 0.1}, "matting": True}
    # the job's shape (1280×720 is 16:9 too): the scene's placement, unchanged
    assert rendition_character(right, (1920, 1080), (1280, 720)) is right
    # 9:16: centred across, the face in the upper half, the box as many pixels as in the 16:9 cut (one face
    # render serves both at the size each shows it)
    vertical = rendition_character(right, (1920, 1080), (1080, 1920))
    assert vertical == {**right, "scale": 0.45, "offset": {"x": 0.0, "y": -0.2}}
    box, main = presenter_box(vertical, 1080, 1920), presenter_box(right, 1920, 1080)
    assert box.side == main.side == 864
    assert box.left == (1080 - 864) // 2 and box.top + box.side / 2 < 1920 / 2  # centred across, above the middle
    # 1:1 and a portrait job's landscape cut: centred, a little low; the box keeps its share of the shorter side
    square = rendition_character(right, (1920, 1080), (1080, 1080))
    assert square["offset"] == {"x": 0.0, "y": 0.1} and presenter_box(square, 1080, 1080).side == 864
    upright = {"style": "circle", "scale": 0.45, "offset": {"x": 0.0, "y": -0.2}, "matting": False}
    wide = rendition_character(upright, (1080, 1920), (1920, 1080))
    assert wide["style"] == "circle" and not wide["matting"]
    assert presenter_box(wide, 1920, 1080).side == 864 and wide["offset"] == {"x": 0.0, "y": 0.1}


def test_blending_onto_a_transparent_frame_keeps_the_colour_and_takes_the_opacity():
    frame = np.zeros((4, 4, 4), np.uint8)
    picture = np.zeros((4, 4, 4), np.uint8)
    picture[..., :3] = (200, 100, 50)
    picture[:, :2, 3] = 255
    picture[:, 2:, 3] = 128
    blend(frame, picture, 0, 0)
    assert (frame[:, :, :3] == (200, 100, 50)).all()  # not darkened by the empty frame under it
    assert (frame[:, :2, 3] == 255).all() and (frame[:, 2:, 3] == 128).all()


def test_blending_onto_an_opaque_frame_mixes_by_opacity():
    frame = np.full((2, 2, 3), 100, np.uint8)
    picture = np.zeros((2, 2, 4), np.uint8)
    picture[..., :3], picture[..., 3] = 200, 128
    blend(frame, picture, 1, 1)  # only the overlapping pixel changes
    assert frame[0, 0].tolist() == [100, 100, 100]
    assert abs(int(frame[1, 1, 0]) - 150) <= 1


def test_the_circle_leaves_its_corners_out():
    mask = circle_mask(64)
    assert mask[0, 0] == 0 and mask[63, 63] == 0 and mask[32, 32] == 1


def test_the_guided_filter_keeps_the_photo_edge_a_blur_would_smear():
    guide = np.zeros((64, 64), np.float32)
    guide[:, 32:] = 1.0  # the photo: a sharp edge
    coarse = uniform_filter(guide, size=15)  # the segmenter's soft mask of it
    refined = guided_filter(guide, coarse, 4, 1e-3)

    def step(mask):  # how much of the way from out to in the mask goes at the photo's edge
        return float(np.mean(mask[:, 32] - mask[:, 31]))

    assert step(refined) > 4 * step(coarse)


def test_word_captions_show_a_few_words_and_highlight_the_spoken_one():
    words = [("one", 0.0, 0.3), ("two", 0.3, 0.6), ("three", 0.6, 0.9), ("four", 0.9, 1.2), ("five", 2.0, 2.3)]
    track = caption_track(words, {"burn_in": True, "style": "word"}, 640, 360)
    assert [[w[0] for w in p.words] for p in track.pages] == [["one", "two", "three"], ["four"], ["five"]]
    first, second = track.layer_at(0.1), track.layer_at(0.4)
    assert first is not None and second is not None
    assert not np.array_equal(first[0], second[0])  # the highlight moved to "two"
    assert track.layer_at(1.6) is None  # a long pause shows nothing
    x, y = first[1], first[2]
    assert 0 <= x and x + first[0].shape[1] <= 640 and y + first[0].shape[0] <= 360 - int(0.08 * 360)


def test_a_subtitle_page_never_runs_across_a_sentence_start():
    # two short sentences spoken without a pause: the caption file has a cue each, and so does the picture
    words = [("مرحبا", 0.0, 0.5), ("بكم.", 0.5, 0.9), ("المجلس", 1.0, 1.5), ("وافق.", 1.5, 2.0)]
    sentences = [0.0, 0.98]
    subtitle = caption_track(words, {"burn_in": True, "style": "subtitle"}, 640, 360, sentences)
    assert [[w[0] for w in p.words] for p in subtitle.pages] == [["مرحبا", "بكم."], ["المجلس", "وافق."]]
    # without them, the full stop ends the page, as it ends a narration's cue in the files (``word_cues``)
    assert len(caption_track(words, {"burn_in": True, "style": "subtitle"}, 640, 360).pages) == 2


def test_word_pages_end_at_the_clause_marks_of_every_script_the_farm_speaks():
    style = {"burn_in": True, "style": "word"}
    pairs = [("नमस्ते।", "दोस्तो"), ("مرحبا،", "بكم"), ("Yes?»", "he"), ("好，", "世"), ("«Hola.»", "Dijo")]
    pairs += [("မင်္ဂလာပါ။", "ဒီနေ့"), ("ရန်ကုန်၊", "မန္တလေး"), ("ሰላም።", "ዝናብ"), ("ዝናብ፣", "ነፋስ"), ("ձեզ։", "Այսօր")]
    for first, second in pairs:
        track = caption_track([(first, 0.0, 0.3), (second, 0.3, 0.6)], style, 640, 360)
        assert [[w[0] for w in p.words] for p in track.pages] == [[first], [second]]


def test_chinese_word_pages_hold_a_phrase_on_one_line_not_three_characters():
    # speech times Chinese a character at a time (its words as espeak-ng gives them): three "words" a page split
    # 北京 and changed about every 0.6 s
    chars = ["今", "天", "（星", "期", "一）", "北", "京", "的", "新", "桥", "开", "通", "了。", "市", "长", "说："]
    timed = [(c, 0.2 * i, 0.2 * i + 0.2) for i, c in enumerate(chars)]
    for width, height in ((1080, 1920), (1920, 1080)):
        track = caption_track(timed, {"burn_in": True, "style": "word"}, width, height)
        pages = ["".join(w[0] for w in p.words) for p in track.pages]
        assert pages == ["今天（星期一）北京", "的新桥开通了。", "市长说："]
        one_line = caption_track(timed[:1], {"burn_in": True, "style": "word"}, width, height).layer_at(0.1)[0]
        assert track.layer_at(0.1)[0].shape[0] == one_line.shape[0]  # the longest page is one line high


def test_chinese_word_pages_end_between_words_and_light_up_a_word_whole():
    """Nine character cells a page cut 我们 in two (我 | 们在公园) and lit 北 then 京: the characters, timed one by one,
    are joined into the words ICU's dictionary finds, each timed from its first character to its last."""
    chars = list("今天北京天气很好我们在公园")
    timed = [(c, 0.2 * i, 0.2 * i + 0.2) for i, c in enumerate(chars)]
    track = caption_track(timed, {"burn_in": True, "style": "word"}, 1920, 1080)
    assert ["".join(w[0] for w in p.words) for p in track.pages] == ["今天北京天气很好", "我们在公园"]
    beijing = next(w for p in track.pages for w in p.words if "北" in w[0])
    assert beijing == ("北京", pytest.approx(0.4), pytest.approx(0.8))
    # Latin words around them are left as they are
    mixed = caption_track([("BBC", 0.0, 0.3), ("北", 0.3, 0.5), ("京", 0.5, 0.7)], {"burn_in": True}, 1920, 1080)
    assert [w[0] for p in mixed.pages for w in p.words] == ["BBC", "北京"]
    # never across a sentence's start or a pause that ends a page
    across = caption_track([("北", 0.0, 0.2), ("京", 0.25, 0.45)], {"burn_in": True}, 1920, 1080, [0.25])
    assert [[w[0] for w in p.words] for p in across.pages] == [["北"], ["京"]]
    paused = caption_track([("北", 0.0, 0.2), ("京", 1.5, 1.7)], {"burn_in": True, "style": "word"}, 1920, 1080)
    assert [w[0] for p in paused.pages for w in p.words] == ["北", "京"]
    # ICU counts UTF-16 units: a character beyond U+FFFF (𠮷) does not shift the cuts after it
    from media.compose.captions import whole_words

    timed = [(c, 0.1 * i, 0.1 * i + 0.1) for i, c in enumerate("𠮷野家今天北京")]
    assert "北京" in [w[0] for w in whole_words(timed)]


def test_a_presenter_given_as_the_colour_view_of_its_rgba_frame_blends_as_its_copy_does():
    """The presenter arrives as ``face[..., :3]`` with its alpha apart; blending reads that view (cheaply) and
    gives the same pixels as a packed copy, wherever the box is cut by the frame's edges."""
    rng = np.random.default_rng(3)
    face = rng.integers(0, 256, (40, 30, 4), dtype=np.uint8)
    alpha = np.ascontiguousarray(face[..., 3])
    background = rng.integers(0, 256, (50, 60, 3), dtype=np.uint8)
    for x, y in ((5, 5), (-7, 3), (40, 20), (0, -10)):
        viewed, copied = background.copy(), background.copy()
        blend(viewed, face[..., :3], x, y, alpha)
        blend(copied, face[..., :3].copy(), x, y, alpha)
        assert np.array_equal(viewed, copied)
        assert not np.array_equal(viewed, background)
    # an RGBA layer (its own alpha) and a view whose fourth byte lies outside what it was cut from
    layer = background.copy()
    blend(layer, face, 10, 10)
    assert np.array_equal(layer[10:50, 10:40][alpha == 255], face[..., :3][alpha == 255])
    tail, expected = background.copy(), background.copy()
    blend(tail, face[..., 1:4], 2, 2, alpha)
    blend(expected, face[..., 1:4].copy(), 2, 2, alpha)
    assert np.array_equal(tail, expected)


def test_a_background_image_that_does_not_open_fails_in_words_of_ours():
    """A job's failure is read by a person: Pillow's "cannot identify image file <_io.BytesIO object at 0x…>" is
    not for them."""
    from media.compose.background import from_image
    from media.errors import MediaError

    with pytest.raises(MediaError) as failure:
        from_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, 640, 360, "cover", "#000000")
    assert failure.value.code == "asset_unreadable"
    assert "BytesIO" not in str(failure.value) and "identify" not in str(failure.value), str(failure.value)
    assert "Upload it again" in str(failure.value)
