"""A cut-out presenter shows its upper body, judged on the composed frames.

A small presenter bottom-left of a 16:9 canvas (its square ends above the
canvas's bottom, the photo's person goes on below it): below the square the
frame is the photo's person at the square's own scale and alignment, the
background colour is still outside the person, and with head motion the seam
at the square's bottom edge shows no step, the pixels near it holding still
while the face moves. Cheap on purpose: the real renderer at 180 pixels, a
few frames spread over the motion's cycle, no speech and no encoder."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from domain.params import with_defaults
from media.compose import Background, PhotoPerson, SceneCompositor, background_for, portrait_matte, presenter_box
from media.preview import Portrait, still
from media.render import Renderer, analyze_portrait, decode_portrait
from media.render.framing import frame_portrait

WIDTH, HEIGHT = 640, 360
TEAL = (0x0F, 0x76, 0x6E)
CHARACTER = {"style": "normal", "scale": 0.5, "offset": {"x": -0.5, "y": 0.3}, "matting": True}
#: frame indices spread over the sway's slow cycle (its terms run at 0.09–0.31 Hz)
POSED_FRAMES = (12, 40, 75, 110, 160)


@pytest.fixture(scope="module")
def presenter():
    image = Path("domain/presets/portraits/astronaut.png").read_bytes()
    rgb = decode_portrait(image)
    info = analyze_portrait(image)
    return image, rgb, info, portrait_matte(rgb)


def render(presenter, *, motion: float, still_body: bool = True) -> tuple[list[np.ndarray], SceneCompositor]:
    """Composed frames at ``POSED_FRAMES`` (one rest frame when ``motion`` is 0), and their compositor."""
    image, rgb, info, matte = presenter
    box = presenter_box(CHARACTER, WIDTH, HEIGHT)
    params = with_defaults({"resolution": box.side, "fps": 25, "motion_scale": motion})
    renderer = Renderer.for_model("builtin")
    prepared = renderer.prepare(image, info.to_dict(), params, matte=matte, still_body=still_body)
    f = prepared.framing
    compositor = SceneCompositor(
        WIDTH,
        HEIGHT,
        background_for({"type": "color", "color": "#0f766e"}, WIDTH, HEIGHT, portrait_rgb=rgb),
        box,
        True,
        person=PhotoPerson(rgb, matte, (f.left, f.top, f.side)),
    )
    silence = np.zeros(1600, np.float32)  # one frame at 25 fps: the mouth stays shut, the head still moves
    frames = []
    for index in POSED_FRAMES if motion else (0,):
        face = next(iter(renderer.render(prepared, silence, 16000, params, index, alpha=True)))
        frames.append(compositor.compose(face, 0.0, 0))
    return frames, compositor


def photo_on_canvas(presenter) -> tuple[np.ndarray, np.ndarray]:
    """The photo and its matte placed as the contract places the renderer's square (its own framing of the photo,
    scaled to the box): what the body below the square must show."""
    _, rgb, info, matte = presenter
    box = presenter_box(CHARACTER, WIDTH, HEIGHT)
    framing = frame_portrait(info, box.side, 0.5, 128)
    s = box.side / framing.side
    to_canvas = np.array(
        [[s, 0, box.left - framing.left * s + 0.5 * s - 0.5], [0, s, box.top - framing.top * s + 0.5 * s - 0.5]]
    )
    photo = cv2.warpAffine(rgb, to_canvas, (WIDTH, HEIGHT), flags=cv2.INTER_AREA)
    person = cv2.warpAffine(matte, to_canvas, (WIDTH, HEIGHT), flags=cv2.INTER_AREA)
    return photo, person


def test_below_the_square_the_frame_is_the_photos_person_and_the_background_around_it(presenter):
    [frame], _ = render(presenter, motion=0.0)
    photo, person = photo_on_canvas(presenter)
    box = presenter_box(CHARACTER, WIDTH, HEIGHT)
    below = (slice(box.top + box.side + 3, HEIGHT), slice(0, WIDTH))
    solid = cv2.erode((person[below] > 242).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    empty = cv2.dilate((person[below] > 10).astype(np.uint8), np.ones((7, 7), np.uint8)) == 0
    assert solid.sum() > 0.3 * box.side * (HEIGHT - box.top - box.side)  # the person goes on below the square
    shown, expected = frame[below].astype(np.float32), photo[below].astype(np.float32)
    assert np.abs(shown[solid] - expected[solid]).mean() < 6.0
    assert np.abs(shown[empty] - TEAL).max() < 3.0
    # far from the presenter, the background colour
    assert np.abs(frame[:, WIDTH // 2 :].reshape(-1, 3).astype(np.float32) - TEAL).max() < 3.0


def test_the_seam_at_the_squares_bottom_shows_no_step_while_the_head_moves(presenter):
    box = presenter_box(CHARACTER, WIDTH, HEIGHT)
    bottom = box.top + box.side
    _, person = photo_on_canvas(presenter)
    columns = np.flatnonzero(person[bottom] > 242)
    assert columns.size > 0.5 * box.side

    def step(frame: np.ndarray) -> float:
        """How much the row just inside the square differs from the row just below it, on the person."""
        rows = frame[bottom - 2 : bottom + 2, columns].astype(np.float32)
        return float(np.abs(rows[1] - rows[2]).mean())

    [rest], _ = render(presenter, motion=0.0)
    moving, _ = render(presenter, motion=2.0)
    assert max(step(frame) for frame in moving) < step(rest) + 1.5
    # the rows around the seam show what the body shows at rest: nothing slides against the shoulders
    for frame in moving:
        band = (slice(bottom - 6, bottom + 6), columns)
        assert np.abs(frame[band].astype(np.float32) - rest[band]).mean() < 1.5


def test_the_head_moves_and_the_squares_bottom_edge_much_less(presenter):
    _, _, info, _ = presenter
    box = presenter_box(CHARACTER, WIDTH, HEIGHT)
    bottom = box.top + box.side
    [rest], _ = render(presenter, motion=0.0)
    moving, _ = render(presenter, motion=1.0)
    # the head: the square's upper two thirds (hair, face); the edge: its last rows
    head = (slice(box.top + box.side // 8, box.top + 2 * box.side // 3), slice(box.left, box.left + box.side))
    edge = (slice(bottom - 8, bottom), slice(box.left, box.left + box.side))
    head_moved = np.mean([np.abs(f[head].astype(np.float32) - rest[head]).mean() for f in moving])
    edge_moved = np.mean([np.abs(f[edge].astype(np.float32) - rest[edge]).mean() for f in moving])
    assert head_moved > 3.0
    assert edge_moved < 0.15 * head_moved, (edge_moved, head_moved)


def test_over_a_video_the_body_is_drawn_on_every_frame(presenter):
    _, rgb, info, matte = presenter
    box = presenter_box(CHARACTER, WIDTH, HEIGHT)
    video = np.stack([np.full((HEIGHT, WIDTH, 3), c, np.uint8) for c in ((200, 40, 40), (40, 40, 200))])
    _, person = photo_on_canvas(presenter)
    [still_frame], compositor = render(presenter, motion=0.0)
    moving_bg = SceneCompositor(WIDTH, HEIGHT, Background(None, video), box, True, person=compositor.person)
    face = np.zeros((box.side, box.side, 4), np.uint8)  # a fully transparent square: only the body shows
    # below the square, away from where the photo's left edge fades out
    below = (slice(box.top + box.side + 3, HEIGHT), slice(box.left, box.left + box.side))
    solid = cv2.erode((person[below] > 242).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    for i, colour in enumerate(((200, 40, 40), (40, 40, 200))):
        frame = moving_bg.compose(face, 0.0, i)
        assert np.abs(frame[below][solid].astype(np.float32) - still_frame[below][solid]).mean() < 2.0
        assert np.abs(frame[:, -40:].reshape(-1, 3).astype(np.float32) - colour).max() == 0


@pytest.mark.parametrize("character", [{"style": "circle", "matting": True}, {"style": "normal", "matting": False}])
def test_a_circle_or_an_uncut_presenter_is_drawn_as_before(presenter, character):
    _, rgb, _, matte = presenter
    box = presenter_box({**CHARACTER, **character}, WIDTH, HEIGHT)
    face = np.dstack([np.full((box.side, box.side, 3), 180, np.uint8), np.full((box.side, box.side), 255, np.uint8)])
    frames = []
    for person in (None, PhotoPerson(rgb, matte, (20.0, 20.0, 200.0))):
        background = background_for({"type": "color", "color": "#0f766e"}, WIDTH, HEIGHT, portrait_rgb=rgb)
        frames.append(
            SceneCompositor(WIDTH, HEIGHT, background, box, character["matting"], person=person).compose(face, 0.0, 0)
        )
    assert np.array_equal(frames[0], frames[1])


def test_the_preview_shows_the_body_as_the_video_does(presenter):
    _, rgb, info, matte = presenter
    composition = {
        "canvas": {"width": WIDTH, "height": HEIGHT},
        "scenes": [
            {
                "script": "Good evening.",
                "character": CHARACTER,
                "background": {"type": "color", "color": "#0f766e"},
                "overlays": [],
            }
        ],
        "captions": {},
    }
    preview = still(composition, Portrait(rgb, info, matte), with_defaults({}), 0.0, lambda _: b"")
    [video], _ = render(presenter, motion=0.0)
    # the same picture: the preview's presenter is the renderer's frame at rest over the same body
    assert np.abs(preview.astype(np.float32) - video).mean() < 0.5
    box = presenter_box(CHARACTER, WIDTH, HEIGHT)
    below = preview[box.top + box.side + 3 :, box.left : box.left + box.side].reshape(-1, 3).astype(np.float32)
    assert (np.abs(below - TEAL).max(axis=1) > 30).mean() > 0.3


def test_where_the_photo_ends_above_the_canvas_bottom_the_person_fades_out(presenter):
    _, rgb, info, matte = presenter
    width, height = 360, 640  # 9:16: the astronaut's photo ends at her chest, above the canvas's bottom
    character = {"style": "normal", "scale": 0.5, "offset": {"x": 0.0, "y": -0.2}, "matting": True}
    composition = {
        "canvas": {"width": width, "height": height},
        "scenes": [{"script": "Hi.", "character": character, "background": {"type": "color", "color": "#0f766e"}}],
        "captions": {},
    }
    frame = still(composition, Portrait(rgb, info, matte), with_defaults({}), 0.0, lambda _: b"")
    box = presenter_box(character, width, height)
    middle = frame[:, box.left + box.side // 3 : box.left + 2 * box.side // 3].astype(np.float32)
    # how far each row is from the background, under the person's middle
    profile = np.abs(middle - TEAL).max(axis=2).mean(axis=1)
    bottom = box.top + box.side
    assert profile[bottom : bottom + 20].mean() > 60  # the suit goes on below the face's box
    assert profile[-40:].max() < 3  # the canvas's bottom is the background
    ends = bottom + int(np.argmax(profile[bottom:] < 3))
    # a fade, not a cut: no row takes more than a fifth of the step from the person to the background
    steps = np.abs(np.diff(profile[bottom + 20 : ends + 1]))
    assert steps.max() < 0.2 * profile[bottom : bottom + 20].mean(), steps.max()
