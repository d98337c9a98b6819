"""A brand kit, judged on the frames a viewer sees: jobs submitted through the
API (the kit laid under them at intake), rendered by the real worker stages.
The lower third's bar is the kit's primary colour, its letters the kit's
uploaded font, the kit's logo sits at its anchor; a job's own bar colour and
font beat the kit's; the kit's intro and outro play before and after, scaled
to the canvas, crossfaded, carrying the visible watermark, with silence under
them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from media.watermark import VisibleWatermark
from tests import brand_files
from tests import composition_files as files
from tests.stubs import RecordingSender
from tests.unit.api.bearer import client
from tests.unit.compose.test_composed_jobs import make_services
from tests.unit.compose.viewing import audio_of, fetch, frame_at

W, H, FPS = 640, 360, 10
PRIMARY, OWN_BAR, KIT_BACKGROUND = (0x10, 0xA0, 0x40), (0x20, 0x40, 0xC0), (0x30, 0x30, 0x30)
INTRO, OUTRO = (0xC0, 0x20, 0x20), (0xE0, 0xC0, 0x20)
LOWER_THIRD = {"type": "text", "text": "Jane Doe Reports", "role": "lower_third"}


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Two jobs of one tenant whose default kit has a logo, colours, a block-letter font, an intro and an outro:
    one leaves its lower third to the kit, the other gives its own bar colour and font."""
    from api.app import create_app
    from domain import lifecycle
    from domain.models import Job
    from domain.tenants import create_key, get_or_create_tenant
    from tests.stubs import StubControl
    from workers.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("brand")
    services = make_services(root)
    with services.sessions() as session, session.begin():
        api = client(
            create_app(services.settings, sender=RecordingSender()),
            create_key(session, get_or_create_tenant(session, "newsroom")),
        )

    def upload(data: bytes, name: str, purpose: str) -> str:
        import io

        response = api.post(
            "/v1/assets",
            data={"file": (io.BytesIO(data), name), "purpose": purpose},
            content_type="multipart/form-data",
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        return str(response.get_json()["id"])

    kit = api.post(
        "/v1/brand-kits",
        json={
            "name": "Evening news",
            "default": True,
            "logo_asset_id": upload(files.logo(), "logo.png", "logo"),
            "logo": {"anchor": "top_left", "scale": 0.1},
            "colors": {"primary": _hex(PRIMARY), "text": "#ffffff", "background": _hex(KIT_BACKGROUND)},
            "fonts": {"body": upload(brand_files.block_font(), "block.ttf", "font")},
            "intro_asset_id": upload(brand_files.sting("0x" + _hex(INTRO)[1:]), "intro.mp4", "background"),
            "outro_asset_id": upload(brand_files.sting("0x" + _hex(OUTRO)[1:]), "outro.mp4", "background"),
            "transition": {"type": "crossfade", "duration": 0.4},
        },
    )
    assert kit.status_code == 201, kit.get_data(as_text=True)

    def render(name: str, overlay: dict) -> tuple[dict, Path]:
        body = {
            "script": "Good evening, here is the news.",
            "avatar": "astronaut",
            "canvas": {"width": W, "height": H},
            "overlays": [overlay],
            "params": {"fps": FPS, "motion_scale": 0.0},
        }
        submitted = api.post("/v1/jobs", json=body)
        assert submitted.status_code == 202, submitted.get_data(as_text=True)
        with services.sessions() as session, session.begin():
            session.get(Job, submitted.get_json()["id"]).not_before = None
            claim = lifecycle.claim(session, submitted.get_json()["id"], "worker-1", 60)
        output, _ = run_pipeline(StubControl(claim), services)
        return output, fetch(services, output["key"], root / f"{name}.mp4")

    kits = render("kit", LOWER_THIRD)
    own = render("own", {**LOWER_THIRD, "background_color": _hex(OWN_BAR), "font": "noto-sans"})
    return services, kits, own, root


def _near(frame: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 28) -> np.ndarray:
    return np.abs(frame.astype(np.int32) - np.array(rgb)).max(axis=-1) <= tolerance


def _bar(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """A lower third's bar is drawn at 235/255 over the background."""
    return tuple(int(round(c * 235 / 255 + b * 20 / 255)) for c, b in zip(rgb, KIT_BACKGROUND))  # type: ignore[return-value]


def _lower_left(frame: np.ndarray) -> np.ndarray:
    """Where a lower third sits on a 640×360 canvas (left of the presenter, above the bottom safe margin)."""
    return frame[int(0.62 * H) : int(0.93 * H), int(0.03 * W) : int(0.26 * W)]


def test_the_lower_third_bar_is_the_kits_primary_unless_the_job_gives_its_own(rendered):
    _, (kit_output, kit_video), (_, own_video), _ = rendered
    middle = 1.0 + 1.0  # after the 1 s intro
    kit_frame, own_frame = _lower_left(frame_at(kit_video, middle)), _lower_left(frame_at(own_video, middle))
    assert _near(kit_frame, _bar(PRIMARY)).sum() > 300
    assert _near(own_frame, _bar(PRIMARY)).sum() == 0
    assert _near(own_frame, _bar(OWN_BAR)).sum() > 300


def test_the_lower_third_is_drawn_in_the_kits_uploaded_font_unless_the_job_names_one(rendered):
    _, (_, kit_video), (_, own_video), _ = rendered
    middle = 2.0
    white = [int((_lower_left(frame_at(video, middle)) > 200).all(axis=-1).sum()) for video in (kit_video, own_video)]
    # block letters are solid: the same words cover far more of the bar than Noto Sans's strokes do
    assert white[0] > 1.5 * white[1] > 0, white  # measured: 1042 against 562 pixels


def test_the_kits_logo_sits_at_its_anchor(rendered):
    _, (_, kit_video), _, _ = rendered
    frame = frame_at(kit_video, 2.0)
    # top_left inside the safe area (5 % of the width, 8 % of the height), 10 % of the height tall: the red disc
    top, left, side = int(0.08 * H), int(0.05 * W), int(0.1 * H)
    corner = frame[top : top + side, left : left + side]
    red = (corner[..., 0] > 150) & (corner[..., 1] < 90) & (corner[..., 2] < 90)
    assert red.sum() > 0.5 * side * side * 0.6  # the disc covers about 60 % of its square
    elsewhere = frame[top : top + side, W // 2 - side : W // 2 - side // 2]
    assert ((elsewhere[..., 0] > 150) & (elsewhere[..., 1] < 90)).sum() == 0


def test_intro_and_outro_play_scaled_to_the_canvas_and_crossfade_into_the_job(rendered):
    services, (output, video), _, root = rendered
    assert (output["width"], output["height"]) == (W, H)
    away = (slice(H // 4, H // 2), slice(W // 8, W // 4))  # clear of the logo, the presenter and the watermark
    intro = frame_at(video, 0.2)
    # (the invisible watermark's grain moves a few pixels by more than a few levels: shares, not every pixel)
    assert _near(intro[away], INTRO, 16).mean() > 0.97
    assert _near(intro, INTRO, 16).mean() > 0.9  # the 4:3 clip covers the whole 16:9 canvas
    job = frame_at(video, 2.0)[away]
    assert _near(job, KIT_BACKGROUND, 16).mean() > 0.97
    fading = frame_at(video, 0.8)[away].reshape(-1, 3).mean(axis=0)  # 3 of the 4 fade frames in: 60 % of the job's
    expected = np.array(INTRO) * 0.4 + np.array(KIT_BACKGROUND) * 0.6
    assert np.abs(fading - expected).max() < 20, (fading, expected)
    outro = frame_at(video, output["duration_s"] - 0.15)
    assert _near(outro[away], OUTRO, 16).mean() > 0.97
    # the job's own 1 s + speech + 1 s: the clips add their length, the speech keeps its own
    audio = audio_of(video, root)
    rate = 16000
    assert np.sqrt(np.mean(audio[: int(0.8 * rate)] ** 2)) < 0.003  # silence under the intro
    assert np.sqrt(np.mean(audio[int(1.1 * rate) : int((output["duration_s"] - 1.1) * rate)] ** 2)) > 0.01


def test_the_intro_carries_the_visible_watermark(rendered):
    services, (_, video), _, _ = rendered
    settings = services.settings
    mark = VisibleWatermark(
        text=settings.watermark_text,
        position=settings.watermark_position,
        size=0.05,
        opacity=settings.watermark_opacity,
    ).overlay_for(W, H)
    h, w = mark.weight.shape[:2]
    intro = frame_at(video, 0.2)
    region = intro[mark.y : mark.y + h, mark.x : mark.x + w]
    assert (~_near(region, INTRO, 40)).sum() > 0.05 * h * w  # the mark's letters, over the intro's colour
