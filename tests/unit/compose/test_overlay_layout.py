"""Where overlays land on the canvas, as a viewer sees them: a logo's size on every shape of canvas."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from media.compose import image_layer, safe_area


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 30, 40, 255)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("canvas", [(1920, 1080), (1280, 720), (1080, 1080)])
def test_a_logos_scale_is_its_height_as_a_share_of_the_canvas_height(canvas):
    """What the API documents: a wide 400 x 160 logo at 0.1 on 1920 x 1080 is 108 px tall (it was 192 px wide,
    77 tall: the width's share of the canvas width)."""
    width, height = canvas
    layer = image_layer({"type": "image", "scale": 0.1, "anchor": "top_left"}, png(400, 160), width, height)
    assert layer.pixels.shape[0] == round(0.1 * height)
    assert layer.pixels.shape[1] == round(0.1 * height * 400 / 160)


def test_a_logo_on_a_vertical_cut_keeps_its_size_beside_the_text():
    """On a portrait canvas the share is of what text is sized from there (the width, a quarter larger), so a
    9:16 rendition shows the logo as the text beside it is, not a 72-pixel sliver beside large text."""
    logo = {"type": "image", "scale": 0.1, "anchor": "top_left"}
    landscape = image_layer(logo, png(400, 160), 1920, 1080)
    vertical = image_layer(logo, png(400, 160), 1080, 1920)
    assert landscape.pixels.shape[:2] == (108, 270)
    assert vertical.pixels.shape[:2] == (135, 338)  # 1.25 x: as a title is on 9:16 against 16:9


def test_a_logo_never_runs_past_the_safe_area():
    """A very wide logo at a large scale is shrunk to the safe area's width, its aspect kept."""
    layer = image_layer({"type": "image", "scale": 0.5, "anchor": "top_right"}, png(1000, 100), 1280, 720)
    area = safe_area(1280, 720)
    assert layer.pixels.shape[1] == area.width
    assert layer.pixels.shape[0] == pytest.approx(area.width / 10, abs=1)
    assert layer.x >= area.left and layer.x + layer.pixels.shape[1] <= area.right
    assert np.all(layer.pixels[..., 3] == 255)


#: a sentence in each script the shipped fonts draw; their line heights differ by up to 1.6 times (Arabic's tallest)
SENTENCES = {
    "latin": "The council approved the new bridge tonight after three years of debate and many meetings",
    "arabic": "وافق المجلس على الجسر الجديد الليلة بعد ثلاث سنوات من النقاش والاجتماعات الكثيرة",
    "chinese": "市议会今晚批准了新大桥的建设计划经过三年的辩论和许多次会议",
    "devanagari": "परिषद ने तीन साल की बहस के बाद आज रात नए पुल को मंजूरी दी और काम शुरू होगा",
    "tamil": "மூன்று ஆண்டு விவாதத்திற்குப் பிறகு இன்றிரவு புதிய பாலத்திற்கு சபை ஒப்புதல் அளித்தது",
    "telugu": "మూడు సంవత్సరాల చర్చ తర్వాత ఈ రాత్రి కొత్త వంతెనకు కౌన్సిల్ ఆమోదం తెలిపింది",
    # punctuation standing alone joins a word in the captions: "« MAXIMUM »" is one, wider than its letters
    "french": "LE MOT « MAXIMUM » SUFFIT POUR LE PONT « NEUF » DE LA VILLE",
}


def _rows(pixels: np.ndarray, y: int) -> tuple[int, int]:
    """The canvas rows a layer's visible pixels cover."""
    shown = np.flatnonzero(pixels[..., 3].any(axis=1))
    return y + int(shown[0]), y + int(shown[-1]) + 1


@pytest.mark.parametrize("script", sorted(SENTENCES))
@pytest.mark.parametrize("canvas", [(1920, 1080), (720, 1280), (1080, 1920)])
@pytest.mark.parametrize("style", ["subtitle", "word"])
def test_a_lower_third_stands_clear_above_two_lines_of_captions_in_every_script(script, canvas, style):
    """The room kept for burned-in captions is two lines in the font they are drawn in: it was two lines of Latin
    text, so a lower third over Arabic captions covered their top line, and on a 9:16 cut the bar touched
    two-line English captions."""
    from media.compose import caption_band, caption_track, text_layer
    from media.compose.captions import caption_words

    width, height = canvas
    text = SENTENCES[script]
    words = caption_words(text)  # as the speech's written words give them
    timed = [(w, 0.1 * i, 0.1 * i + 0.1) for i, w in enumerate(words)]
    captions = {"burn_in": True, "style": style, "position": "bottom"}
    track = caption_track(timed, captions, width, height)
    band = caption_band(captions, width, height, text)
    lower = text_layer({"type": "text", "text": text[:24], "role": "lower_third"}, width, height, band)
    lower_bottom = _rows(lower.pixels, lower.y)[1]
    tallest = 0
    for page in track.pages:
        drawn = track.layer_at(page.start)
        assert drawn is not None
        pixels, _, y = drawn
        top, bottom = _rows(pixels, y)
        if bottom - top <= tallest:
            continue
        tallest = bottom - top
        assert lower_bottom <= top, (lower_bottom, top, pixels.shape)
    # a two-line page was among them: the check met the case it is for
    assert any(len(p.words) > 1 for p in track.pages)


def _preview(canvas: tuple[int, int], overlays: list[dict], portrait, asset_bytes=lambda _: b"") -> np.ndarray:
    """The preview's frame of a scene with these overlays, the presenter where the API puts it on a portrait
    canvas, on a colour; ``asset_bytes(asset_id)``: a logo's file."""
    from domain.params import with_defaults
    from media.preview import still

    width, height = canvas
    composition = {
        "canvas": {"width": width, "height": height},
        "scenes": [
            {
                "script": "Good evening.",
                # the API's default presenter on a portrait canvas: the face in the upper half
                "character": {"style": "normal", "scale": 0.45, "offset": {"x": 0.0, "y": -0.2}, "matting": True},
                "background": {"type": "color", "color": "#0f766e"},
                "overlays": overlays,
            }
        ],
        "captions": {},
    }
    return still(composition, portrait, with_defaults({}), 0.0, asset_bytes)


@pytest.fixture(scope="module")
def astronaut():
    from pathlib import Path

    from media.compose import portrait_matte
    from media.preview import Portrait
    from media.render import analyze_portrait, decode_portrait

    image = Path("domain/presets/portraits/astronaut.png").read_bytes()
    rgb = decode_portrait(image)
    return Portrait(rgb, analyze_portrait(image), portrait_matte(rgb))


@pytest.mark.parametrize("canvas", [(720, 1280), (1080, 1920)])
def test_a_two_line_title_on_a_vertical_cut_stands_above_the_presenters_face(canvas, astronaut):
    """Judged on the frame: the face mesh finds the face in the composed picture, and the title's pixels (where
    the frame differs from the same frame without it) all lie above the face's top, the hairline included.
    Before, at its full size the title's second line lay over the presenter's hair and forehead."""
    from media.render import analyze_image

    title = {"type": "text", "role": "title", "text": "Bridge vote tonight: the council decides", "start": 0}
    with_title = _preview(canvas, [title], astronaut)
    without = _preview(canvas, [], astronaut)
    face = analyze_image(np.ascontiguousarray(without[..., :3]))
    x0, y0, x1, y1 = face.face_box
    hairline = y0 - 0.1 * (y1 - y0)
    rows = np.flatnonzero(_drawn(with_title, without).any(axis=1))
    assert rows.size, "the title was drawn"
    assert rows[-1] < hairline, (rows[-1], hairline)
    # still a title: two lines of letters, at least 0.6 of the role's size (0.075 of 1.25 x the width)
    assert rows[-1] - rows[0] > 2 * 0.6 * 0.075 * 1.25 * canvas[0]


def _drawn(a: np.ndarray, b: np.ndarray, above: int = 8) -> np.ndarray:
    """Where two frames differ by more than ``above`` levels: what one overlay drew."""
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > above


def _bounds(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


@pytest.mark.parametrize(
    ("role", "anchor"), [("title", "top_left"), ("label", "top_left"), ("lower_third", "bottom_left")]
)
def test_a_text_stands_clear_of_a_logo_shown_with_it(role, anchor, astronaut):
    """On a 9:16 canvas a top-left logo and a centred title share the top of the safe area: the text now stands
    below the logo (above it at the bottom), or beside it where below it would cover the face, judged on the
    frame."""
    logo = {"type": "image", "asset_id": "ast_logo", "anchor": anchor, "scale": 0.12, "start": 0}
    text = {"type": "text", "role": role, "text": "Bridge vote tonight", "start": 0}

    def frame(overlays):
        return _preview((720, 1280), overlays, astronaut, lambda _: png(400, 160))

    bare, with_logo, both = frame([]), frame([logo]), frame([logo, text])
    lx0, ly0, lx1, ly1 = _bounds(_drawn(with_logo, bare))
    words = _drawn(both, with_logo)
    assert words.any()
    assert not words[ly0:ly1, lx0:lx1].any(), "the text is drawn over the logo"
    tx0, ty0, tx1, ty1 = _bounds(words)
    beside = tx0 >= lx1
    assert beside or (ty0 >= ly1 if anchor.startswith("top") else ty1 <= ly0)


def test_a_title_below_a_logo_would_cover_the_face_so_it_stands_beside_the_logo(astronaut):
    """A brand kit's logo at the top left of a 9:16 cut (0.15 of the height) pushed the title below it, onto the
    presenter's hair and forehead, however small it was drawn. It now stands at the top, right of the logo:
    judged on the frame, clear of the logo and above the hairline the face mesh finds."""
    from media.render import analyze_image

    logo = {"type": "image", "asset_id": "ast_logo", "anchor": "top_left", "scale": 0.15, "start": 0}
    title = {"type": "text", "role": "title", "text": "Late News", "start": 0}

    def frame(overlays):
        return _preview((720, 1280), overlays, astronaut, lambda _: png(400, 160))

    with_logo, both = frame([logo]), frame([logo, title])
    face = analyze_image(np.ascontiguousarray(with_logo[..., :3]))
    x0, y0, x1, y1 = face.face_box
    hairline = y0 - 0.1 * (y1 - y0)
    lx0, ly0, lx1, ly1 = _bounds(_drawn(with_logo, frame([])))
    tx0, ty0, tx1, ty1 = _bounds(_drawn(both, with_logo))
    assert tx0 >= lx1 and ty0 < ly1  # beside the logo, at the top
    assert ty1 < hairline, (ty1, hairline)
    assert ty1 - ty0 > 0.6 * 0.075 * 1.25 * 720  # still a title's size


def test_a_lower_third_beside_a_presenter_standing_right_wraps_in_the_column_left_of_the_face():
    """With the presenter right of centre on 16:9 (the page's default layout), a lower third that reached over
    the face was shrunk until it cleared it: a 57-character headline came out as one small line, a 56-character
    one at full size, and a longer one over the cheek. Each now wraps, at its size, in the column left of the
    face: equal sizes for near-equal lengths, none over the face."""
    from media.compose import text_layer
    from media.compose.layout import FaceArea

    width, height = 1920, 1080
    face = FaceArea(300, np.full(600, 1250), np.full(600, 1600))  # rows 300-900, right of centre
    headlines = [
        "Storm reaches the coast tonight: winds of 90 mph expected",
        "Jane Doe, weather editor, reporting live from the harbour",
        "A very long headline that goes on and on about the storm reaching the coast tonight with winds of ninety "
        "miles an hour and more rain expected",
    ]
    layers = [
        text_layer({"type": "text", "role": "lower_third", "text": t}, width, height, {}, face) for t in headlines
    ]
    for layer in layers:
        h, w = layer.pixels.shape[:2]
        assert not face.covers(layer.x, layer.y, layer.x + w, layer.y + h), (layer.x, w)
    heights = [layer.pixels.shape[0] for layer in layers]
    assert heights[0] == heights[1]  # the same size, the same two lines


def test_a_text_keeps_its_place_beside_a_logo_shown_at_another_time():
    from media.compose import scene_layers

    title = {"type": "text", "role": "title", "text": "Bridge vote tonight", "start": 0.0, "end": 3.0}
    logo = {"type": "image", "asset_id": "ast_logo", "anchor": "top_left", "scale": 0.12}
    later = scene_layers([title, {**logo, "start": 3.0, "end": None}], 720, 1280, lambda _: png(400, 160))
    together = scene_layers([title, {**logo, "start": 1.0, "end": None}], 720, 1280, lambda _: png(400, 160))
    assert later[0].y == safe_area(720, 1280).top
    assert together[0].y >= together[1].y + together[1].pixels.shape[0]
    assert later[1].pixels.shape[:2] == (108, 270)  # in the overlays' own order: the logo second


@pytest.mark.parametrize("canvas", [(1080, 1920), (1920, 1080)])
def test_a_job_that_names_no_background_shows_a_person_not_a_square_pasted_on_its_blurred_photo(canvas):
    """A composed job with nothing but a canvas (``talkfarm submit … --canvas 1080x1920``): the portrait's own
    background, and by default the presenter cut out, so the sharp person stands over the photo blurred. Before,
    on that background the presenter was not cut out: a sharp square of the photo over its blurred, dimmed copy,
    with a step in brightness all along the square's edges. Judged on the frame: across the presenter's box's
    side edges, the picture runs on as it does a few pixels further in."""
    from pathlib import Path

    from domain.composition import normalise_composition
    from domain.params import with_defaults
    from media.compose import portrait_matte, presenter_box
    from media.preview import Portrait, still
    from media.render import analyze_portrait, decode_portrait

    width, height = canvas
    body = {
        "script": "Two ships collided at dawn.",
        "avatar": "astronaut_wide",  # the cameraman was judged here until he was no longer cut out (NOT_CUT_OUT)
        "canvas": {"width": width, "height": height},
    }
    composition = normalise_composition(body)
    character = composition["scenes"][0]["character"]
    image = Path("domain/presets/portraits/astronaut_wide.png").read_bytes()
    rgb = decode_portrait(image)
    matte = portrait_matte(rgb) if character["matting"] else None
    frame = still(composition, Portrait(rgb, analyze_portrait(image), matte), with_defaults({}), 0.0, lambda _: b"")
    box = presenter_box(character, width, height)
    rows = slice(max(box.top, 0) + 8, min(box.top + box.side, height) - 8)
    picture = frame[..., :3].astype(np.float32)

    def step(x: int, inward: int) -> float:
        """Mean brightness change from column x - inward to x (across an edge when x is the box's edge)."""
        return float(np.abs(picture[rows, x].mean(axis=1) - picture[rows, x - inward].mean(axis=1)).mean())

    right = box.left + box.side
    across = [step(box.left, 2), step(right, -2)]
    inside = [step(box.left + 12, 2), step(right - 12, -2)]
    assert max(across) < 2.0 * max(inside) + 2.0, (across, inside)


def test_word_captions_keep_the_room_of_the_lines_their_pages_take():
    """Three short words fit on one line: the lower third stands one caption line lower (it stood over the
    presenter's chin on a 1:1 cut, above two lines of room that word captions never used). Three wide capitalised
    words that would wrap on a 9:16 cut turn a page a word early instead (they kept two lines' room, and the box's
    height jumped from page to page); one word too long for a line shrinks on it rather than wrap."""
    from media.compose import caption_band, caption_track
    from media.compose.text import block_height

    word = {"burn_in": True, "style": "word"}
    short = caption_band(word, 1080, 1080, "Two ships collided at dawn in the harbour this morning.")["bottom"]
    size = round(0.068 * 1080)
    assert short == block_height("noto-sans", size, 1) + round(0.3 * size)
    vertical = round(0.068 * 1350)
    wide = caption_band(word, 1080, 1920, "MAJOR WORKS AHEAD")["bottom"]
    assert wide == block_height("noto-sans", vertical, 1) + round(0.3 * vertical)
    track = caption_track([(w, i, i + 1) for i, w in enumerate("MAJOR WORKS AHEAD".split())], word, 1080, 1920)
    assert len(track.pages) == 2 and track.layer_at(0)[0].shape[0] < 1.5 * block_height("noto-sans", vertical, 1)
    one = caption_band(word, 1080, 1920, "Donaudampfschifffahrtsgesellschaftskapitän")["bottom"]
    assert one == block_height("noto-sans", vertical, 1) + round(0.3 * vertical)
    subtitle = caption_band({"burn_in": True, "style": "subtitle"}, 1080, 1080, "Two ships collided at dawn.")
    assert subtitle["bottom"] == block_height("noto-sans", 54, 1) + round(0.3 * 54)


@pytest.mark.parametrize("avatar", ["astronaut", "cameraman"])
@pytest.mark.parametrize("canvas", [(1920, 1080), (1080, 1920), (1080, 1080)])
def test_with_every_default_no_text_covers_the_presenters_eyes_or_mouth(avatar, canvas):
    """A job that gives a canvas, a title, a lower third and word captions and leaves everything else to the
    farm: on every shape the face mesh, run on the frame without text, finds eyes, nose, mouth and chin, and the
    frame with the text is the same picture there. (Before this session, on 9:16 the title lay over the
    forehead; on 1:1 the lower third over the chin.)"""
    from pathlib import Path

    from domain.composition import normalise_composition
    from domain.params import with_defaults
    from media.compose import portrait_matte
    from media.preview import Portrait, still
    from media.render import analyze_image, analyze_portrait, decode_portrait

    width, height = canvas
    image = Path(f"domain/presets/portraits/{avatar}.png").read_bytes()
    rgb = decode_portrait(image)
    portrait = Portrait(rgb, analyze_portrait(image), portrait_matte(rgb))
    texts = [
        {"type": "text", "role": "title", "text": "Harbour closed after collision"},
        {"type": "text", "role": "lower_third", "text": "Ravi Kumar, harbour reporter"},
    ]

    def frame(overlays, captions):
        body = {
            "script": "Two ships collided at dawn in the harbour this morning.",
            "avatar": avatar,
            "canvas": {"width": width, "height": height},
            "overlays": overlays,
            "captions": captions,
        }
        composition = normalise_composition(body)
        # the presenter where the farm puts it for the dressed job (a title moves it on 9:16), in both frames
        composition["scenes"][0]["character"] = normalise_composition({**body, "overlays": texts})["scenes"][0][
            "character"
        ]
        return still(composition, portrait, with_defaults({}), 0.3, lambda _: b"")[..., :3]

    bare = frame([], {"burn_in": False})
    dressed = frame(texts, {"burn_in": True, "style": "word"})
    face = analyze_image(np.ascontiguousarray(bare))
    points = [*(e.centre for e in face.eyes.values()), *(e.outer for e in face.eyes.values())]
    points += [face.points[name] for name in ("nose_tip", "upper_lip_top", "lower_lip_bottom", "chin")]
    points += [face.points[name] for name in ("mouth_corner_a", "mouth_corner_b")]
    changed = _drawn(dressed, bare, 12)
    covered = [
        (round(x), round(y))
        for x, y in points
        if changed[round(y) - 3 : round(y) + 4, round(x) - 3 : round(x) + 4].any()
    ]
    assert not covered, covered


def test_a_title_is_kept_clear_of_the_face_by_its_ink_not_its_pictures_margins(astronaut):
    """An outlined Arabic title's line box is about twice its letters' size tall, mostly empty below them: judged
    by its picture it reached the presenter's hairline on a 16:9 cut with every default, and was drawn at the
    floor, 60 % (145 px tall of 228). Judged by its ink, it stands clear at about 80 % (180 px)."""
    from domain.composition import normalise_composition
    from media.compose import face_on_canvas, presenter_box, text_layer
    from media.render.framing import frame_portrait

    body = {"script": "x", "avatar": "astronaut", "canvas": {"width": 1920, "height": 1080}}
    box = presenter_box(normalise_composition(body)["scenes"][0]["character"], 1920, 1080)
    framing = frame_portrait(astronaut.info, box.side, 0.5, 128)
    face = face_on_canvas(astronaut.info.face_outline, (framing.left, framing.top, framing.side), box)
    title = {"type": "text", "role": "title", "text": "إغلاق الميناء بعد تصادم سفينتين"}
    alone, beside_face = text_layer(title, 1920, 1080), text_layer(title, 1920, 1080, face=face)
    assert beside_face.pixels.shape[0] > 0.75 * alone.pixels.shape[0]
    ink = np.flatnonzero(beside_face.pixels[..., 3].any(axis=1))
    cols = np.flatnonzero(beside_face.pixels[..., 3].any(axis=0))
    x0, y0 = beside_face.x + cols[0], beside_face.y + ink[0]
    assert not face.covers(int(x0), int(y0), int(beside_face.x + cols[-1] + 1), int(beside_face.y + ink[-1] + 1))


def _everywhere(width: int, height: int):
    """A face over the whole canvas (a close-up, or a tiny draft's presenter)."""
    from media.compose.layout import FaceArea

    return FaceArea(0, np.zeros(height, int), np.full(height, width))


def test_a_text_no_size_can_clear_of_the_face_keeps_its_size():
    """A close-up's face fills the canvas: drawn smaller the title would cover it all the same, only harder to
    read; it keeps its size. On a 64x64 draft a long lower third does the same, and does not fail (its size
    once reached 0: "font size must be greater than 0")."""
    from media.compose import text_layer

    title = {"type": "text", "role": "title", "text": "Bridge approved after three years"}
    assert (
        text_layer(title, 1920, 1080, face=_everywhere(1920, 1080)).pixels.shape
        == text_layer(title, 1920, 1080).pixels.shape
    )
    long = {"type": "text", "role": "lower_third", "text": "A very long name and role " * 8}
    for role in ("lower_third", "label"):
        layer = text_layer({**long, "role": role}, 64, 64, face=_everywhere(64, 64))
        assert layer.pixels.shape[0] > 0


def test_a_text_drawn_smaller_keeps_the_floor_of_the_size_it_was_asked_for():
    """A long title shrunk to stand clear of the face must not shrink again below 60 % of its own size to fit two
    lines (it reached 36 %): it takes more lines instead."""
    from media.compose.text import TextStyle, render_text

    text = "The council approved the new bridge tonight after three long years of debate"
    free = render_text(text, TextStyle(size=60, colour=(255, 255, 255), box=None), 600)
    kept = render_text(text, TextStyle(size=60, colour=(255, 255, 255), box=None, floor=60), 600)
    assert kept.shape[0] > free.shape[0]  # more lines at 60 px, where the free one shrank to 36 px on two


def test_a_logo_in_the_middle_does_not_push_a_title_off_the_canvas():
    from media.compose import scene_layers

    title = {"type": "text", "role": "title", "text": "Bridge vote tonight: the council decides"}
    logo = {"type": "image", "asset_id": "ast_logo", "anchor": "center", "scale": 0.8}
    text, picture = scene_layers([title, logo], 1920, 1080, lambda _: png(400, 400))
    assert text.y == safe_area(1920, 1080).top
    assert text.y + text.pixels.shape[0] <= 1080


def test_the_face_keeps_room_below_the_chin_for_the_jaw_to_drop():
    from media.compose import face_on_canvas, presenter_box

    outline = [(40, 0), (60, 0), (100, 50), (60, 100), (40, 100), (0, 50)]  # a hexagon, chin row 100
    box = presenter_box({"style": "normal", "scale": 0.5, "offset": {"x": 0, "y": 0}}, 400, 400)
    face = face_on_canvas(outline, (0.0, 0.0, 100.0), box)
    k = box.side / 100
    chin = box.top + int(100 * k)
    assert face.covers(box.left + int(45 * k), chin + 5, box.left + int(55 * k), chin + 10)
    assert not face.covers(box.left + int(45 * k), chin + 5, box.left + int(55 * k), chin + 10, margins=False)
    assert not face.covers(box.left, chin + int(0.12 * 100 * k), box.left + box.side, chin + int(0.2 * 100 * k))


@pytest.mark.skipif(__import__("shutil").which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize(
    ("script", "language"),
    [
        ("東京都で新しい首相が記者会見を行いました。経済対策を発表しました。", "ja"),
        ("今天天气很好。我们在北京。", "cmn"),
        ("Good evening from the farm, here is the news.", "en-us"),
        ("🔴 Breaking news from the farm.", "en-us"),  # the speech leaves the picture out, and so does the video
    ],
)
def test_the_previews_first_caption_page_is_the_videos(script, language):
    """The preview cut its sample caption at spaces: a Chinese or Japanese script was one word, shown whole on one
    page and highlighted whole, where the video shows a phrase. Now the preview's first page is the video's."""
    from media.compose import caption_track
    from media.preview import sample_words
    from media.tts.synthesize import synthesize
    from media.tts.voices import _espeak_ref

    style = {"burn_in": True, "style": "word"}
    spoken = [(w.text, w.start_s, w.end_s) for w in synthesize(script, _espeak_ref(language)).phones.words]
    video = caption_track(spoken, style, 1920, 1080).pages[0]
    preview = caption_track(sample_words({"script": script}, 0.0), style, 1920, 1080).pages[0]
    assert [w[0] for w in preview.words] == [w[0] for w in video.words]


def test_the_preview_draws_the_presenters_edges_as_the_video_does(monkeypatch):
    """The video's cuts share one face render: its edge colours are unmixed only when every cut cuts the presenter
    out. The preview did so whatever the renditions were, and differed from the video with a ``matting: false``
    rendition."""
    from pathlib import Path

    import media.preview as preview
    from domain.params import with_defaults
    from media.compose import portrait_matte
    from media.render import analyze_portrait, decode_portrait

    image = Path("domain/presets/portraits/cameraman.png").read_bytes()
    rgb = decode_portrait(image)
    scene = {
        "script": "Hello.",
        "character": {"style": "normal", "scale": 0.8, "offset": {"x": 0.0, "y": 0.0}, "matting": True},
        "background": {"type": "color", "color": "#000000"},
        "overlays": [],
    }

    real = preview.presenter_colours

    def frames(renditions: list[dict]) -> list[np.ndarray]:
        composition = {"canvas": {"width": 640, "height": 360}, "scenes": [scene], "captions": {}}
        composition["renditions"] = renditions
        drawn = []
        for unmix in (real, lambda photo, matte: photo):
            monkeypatch.setattr(preview, "presenter_colours", unmix)
            portrait = preview.Portrait(rgb, analyze_portrait(image), portrait_matte(rgb))
            drawn.append(preview.still(composition, portrait, with_defaults({}), 0.0, lambda _: b"").astype(int))
        return drawn

    unmixed, photo = frames([])  # every cut cut out: the edges unmixed, darker over black
    assert (np.abs(unmixed - photo).max(axis=2) > 8).sum() > 100
    uncut = {"canvas": {"width": 360, "height": 640}, "character": {**scene["character"], "matting": False}}
    with_uncut, photo = frames([uncut])  # a cut shows the photo whole: the photo's own colours, as in the video
    assert np.array_equal(with_uncut, photo)


LIVE_TITLE = "🔴 LIVE: Council approves downtown park after a marathon eight-hour debate"
RED_LOGO = {"type": "image", "asset_id": "ast_logo", "start": 0}  # top right by default


def _features_covered(dressed: np.ndarray, bare: np.ndarray) -> list[tuple[int, int]]:
    """The eyes, brows' line, nose, mouth and chin the face mesh finds on ``bare`` that ``dressed`` draws over."""
    from media.render import analyze_image

    face = analyze_image(np.ascontiguousarray(bare[..., :3]))
    points = [*(e.centre for e in face.eyes.values()), *(e.upper for e in face.eyes.values())]
    points += [*(e.outer for e in face.eyes.values()), *(e.inner for e in face.eyes.values())]
    points += [face.points[name] for name in ("nose_tip", "upper_lip_top", "lower_lip_bottom", "chin")]
    changed = _drawn(dressed, bare, 12)
    return [
        (round(x), round(y))
        for x, y in points
        if changed[round(y) - 3 : round(y) + 4, round(x) - 3 : round(x) + 4].any()
    ]


@pytest.mark.parametrize("canvas", [(1920, 1080), (1080, 1080)])
def test_a_long_title_beside_a_logo_covers_none_of_the_eyes_nose_mouth_or_chin(canvas, astronaut):
    """The producer's request: a 70-character title, a long lower third and a logo at its default corner. Pushed
    below the logo, the title's lines ran across her eyes and nose on 1:1 (the docs promise they never do); it now
    stands at the top beside the logo, smaller and on more lines. On 16:9 it stood clear of them before and still
    does (in the span left of the logo): that case guards against a regression, it did not catch the fault."""
    title = {"type": "text", "role": "title", "text": LIVE_TITLE, "start": 0}
    lower = {"type": "text", "role": "lower_third", "text": "Jane Doe-Montgomery, Senior City Hall Correspondent"}

    def frame(overlays):
        return _preview(canvas, overlays, astronaut, lambda _: png(500, 200))

    bare, dressed = frame([RED_LOGO]), frame([RED_LOGO, title, lower])
    assert not _features_covered(dressed, bare)
    lx0, ly0, lx1, ly1 = _bounds(_drawn(bare, frame([])))
    words = _drawn(frame([RED_LOGO, title]), bare)
    assert words.any() and not words[ly0:ly1, lx0:lx1].any(), "the title is drawn over the logo"


def test_a_title_beside_a_logo_on_16_9_is_centred_on_the_canvas_at_least_the_lower_thirds_size(astronaut):
    """On 16:9 a title that met a top-right logo was centred in the space left of the logo, beside the presenter
    rather than over her; on 9:16 it was shrunk under the logo until smaller than the lower third's letters. It is
    now centred on the canvas, one line, at least the lower third's size (judged by its letters' height)."""
    title = {"type": "text", "role": "title", "text": "🔴 Park approved downtown", "start": 0}
    lower = {"type": "text", "role": "lower_third", "text": "Jane Doe, City Hall", "start": 0}

    def frame(overlays):
        return _preview((1920, 1080), overlays, astronaut, lambda _: png(500, 200))

    bare = frame([RED_LOGO])
    tx0, ty0, tx1, ty1 = _bounds(_drawn(frame([RED_LOGO, title]), bare))
    assert abs((tx0 + tx1) / 2 - 960) < 30, (tx0, tx1)
    assert ty1 - ty0 >= 0.048 * 1080, (ty0, ty1)  # one line of letters at least the lower third's 52 px
    assert not _features_covered(frame([RED_LOGO, title, lower]), bare)


@pytest.mark.parametrize("canvas", [(1080, 1920), (1080, 1080)])
def test_captions_at_the_top_stand_below_a_top_left_logo(canvas, astronaut):
    """Titles and labels moved out of a logo's way, captions did not: at position top they were drawn over a
    brand kit's top-left logo. Judged on the frame, the caption's pixels now miss the logo's box."""
    from media.compose import caption_track
    from media.preview import still

    logo = {"type": "image", "asset_id": "ast_logo", "anchor": "top_left", "start": 0}
    width, height = canvas

    def frame(overlays, captions):
        composition = {
            "canvas": {"width": width, "height": height},
            "scenes": [
                {
                    "script": "Breaking news tonight from the council.",
                    "character": {"style": "normal", "scale": 0.45, "offset": {"x": 0.0, "y": -0.2}, "matting": True},
                    "background": {"type": "color", "color": "#0f766e"},
                    "overlays": overlays,
                }
            ],
            "captions": captions,
        }
        return still(
            composition, astronaut, __import__("domain.params").params.with_defaults({}), 0.0, lambda _: png(500, 200)
        )

    top = {"burn_in": True, "style": "word", "position": "top"}
    with_logo = frame([logo], {})
    lx0, ly0, lx1, ly1 = _bounds(_drawn(with_logo, frame([], {})))
    captions = _drawn(frame([logo], top), with_logo)
    assert captions.any()
    assert not captions[ly0:ly1, lx0:lx1].any(), "the captions are drawn over the logo"
    assert caption_track([("Hello", 0.0, 1.0)], top, width, height).layer_at(0.5)[2] < ly1  # it would have met it


#: the face mesh's brows (its landmarks 46-107 on one side, 276-336 on the other): where the features begin
BROWS = (46, 52, 53, 55, 63, 65, 66, 70, 105, 107, 276, 282, 283, 285, 293, 295, 296, 300, 334, 336)


def _features_region(bare: np.ndarray) -> np.ndarray:
    """Where the face mesh, run on ``bare``, finds the brows, eyes, nose, mouth and chin: the face's outline from the
    highest point of its brows down to its chin."""
    import cv2

    from media.render import analyze_image

    face = analyze_image(np.ascontiguousarray(bare[..., :3]))
    region = np.zeros(bare.shape[:2], np.uint8)
    cv2.fillPoly(region, [np.rint(np.asarray(face.face_outline)).astype(np.int32)], 1)
    brows = min(face.mesh[i][1] for i in BROWS)
    region[: int(np.floor(brows))] = 0
    region[int(np.ceil(face.points["chin"][1])) + 1 :] = 0
    assert region.any()
    return region.astype(bool)


def _ink_box(layer) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = _bounds(layer.pixels[..., 3] > 0)
    return layer.x + x0, layer.y + y0, layer.x + x1, layer.y + y1


def _meet(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _title_judged(canvas, overlays, captions, portrait, monkeypatch):
    """A job's frame with ``overlays`` (the title last) and ``captions``, the presenter where the farm puts it by
    default, judged: the title's pixels (where the frame differs from the one without it) miss the brows, eyes,
    nose, mouth and chin the face mesh finds; its picture lies inside the canvas; its letters meet neither the
    other overlays nor the captions. Returns the title's layer and the features' region."""
    import media.preview as preview
    from domain.composition import normalise_composition
    from domain.params import with_defaults

    width, height = canvas
    placed: list[list] = []

    def recorded(*args, **kwargs):
        layers = preview_scene_layers(*args, **kwargs)
        placed.append(layers)
        return layers

    preview_scene_layers = preview.scene_layers
    monkeypatch.setattr(preview, "scene_layers", recorded)

    def frame(shown, burned):
        body = {
            "script": "Breaking news tonight. The city council approved a park.",
            "avatar": "astronaut",
            "canvas": {"width": width, "height": height},
            "overlays": shown,
            "captions": burned,
        }
        composition = normalise_composition(body)
        # the presenter where the farm puts it for the job with its title (a title moves it on 9:16), in every frame
        composition["scenes"][0]["character"] = normalise_composition({**body, "overlays": overlays})["scenes"][0][
            "character"
        ]
        still = preview.still(composition, portrait, with_defaults({}), 0.3, lambda _: png(500, 200))
        return still[..., :3]

    bare = frame([], {"burn_in": False})
    without = frame(overlays[:-1], captions)
    no_captions = frame(overlays[:-1], {"burn_in": False})
    dressed = frame(overlays, captions)
    *others, title = placed[-1]
    features = _features_region(bare)
    words = _drawn(dressed, without, 12)
    assert words.any(), "the title was drawn"
    over = np.argwhere(words & features)
    assert not over.size, f"{len(over)} title pixels over the features, e.g. at (y, x) {over[0].tolist()}"
    h, w = title.pixels.shape[:2]
    assert 0 <= title.x and title.x + w <= width and 0 <= title.y and title.y + h <= height, (title.x, title.y, w, h)
    ink = _ink_box(title)
    for other in others:
        assert not _meet(ink, (other.x, other.y, other.x + other.pixels.shape[1], other.y + other.pixels.shape[0]))
    burned_in = _drawn(without, no_captions, 12)
    assert burned_in.any(), "the captions were drawn"
    assert not _meet(ink, _bounds(burned_in)), (ink, _bounds(burned_in))
    return title, features


def test_a_long_title_on_9_16_beside_a_top_right_logo_covers_none_of_the_features(astronaut, monkeypatch):
    """The producer's 9:16 cut: a 75-character title, a two-line lower third, a top-right logo and subtitle captions
    at the bottom. Nothing found room above the face, and the title fell back to its old place: centred below the
    logo, its three lines across her eyes. It is now drawn where it covers none of her features, clear of the logo,
    the lower third and the captions, whole on the canvas."""
    lower = {"type": "text", "role": "lower_third", "text": "Jane Doe-Montgomery, Senior City Hall Correspondent"}
    title = {"type": "text", "role": "title", "text": LIVE_TITLE}
    captions = {"burn_in": True, "style": "subtitle"}
    layer, _ = _title_judged((1080, 1920), [RED_LOGO, lower, title], captions, astronaut, monkeypatch)
    x0, y0, x1, y1 = _ink_box(layer)
    assert y1 - y0 > 2 * 0.025 * 1350  # two lines at least of letters no smaller than the floor


@pytest.mark.parametrize("canvas", [(1080, 1080), (1080, 1920)])
def test_a_title_below_captions_at_the_top_goes_below_the_chin(canvas, astronaut, monkeypatch):
    """Word captions at the top, below a top-left logo, push a title below them, onto her eyes and nose, at every
    size. It now stands below her chin, over her body, at its own size, clear of the captions and the logo."""
    from media.compose import text_layer

    logo = {"type": "image", "asset_id": "ast_logo", "anchor": "top_left", "start": 0}
    title = {"type": "text", "role": "title", "text": "Park approved"}
    captions = {"burn_in": True, "style": "word", "position": "top"}
    layer, features = _title_judged(canvas, [logo, title], captions, astronaut, monkeypatch)
    chin = np.flatnonzero(features.any(axis=1))[-1]
    x0, y0, x1, y1 = _ink_box(layer)
    assert y0 > chin, (y0, chin)
    assert abs((x0 + x1) / 2 - canvas[0] / 2) < 0.02 * canvas[0]  # centred on the canvas
    assert layer.pixels.shape == text_layer(title, *canvas).pixels.shape  # its own size
