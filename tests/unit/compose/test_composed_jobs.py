"""Composed jobs, judged on what a viewer sees and hears: colours, where the
face lands, the circle's corners, alpha in a transparent WebM, text read back
by OCR, the music's level under speech and in pauses, and renditions that
neither speak nor animate again (counted)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from domain.config import Settings
from domain.db import session_factory, upgrade
from media.compose import presenter_box
from media.render.face import analyze_image, decode_portrait
from media.render.framing import frame_portrait
from media.watermark.invisible import InvisibleWatermark
from media.watermark.payload_keys import watermark_key
from storage import open_storage
from tests.unit.compose.jobs import Services, add_asset, composition, new_tenant, run_job, scene, tone_wav
from tests.unit.compose.viewing import audio_of, band_level_db, fetch, frame_at, frames_of, ocr, rgba_frame_at

LOWER_THIRD = {
    "type": "text",
    "text": "Jane Doe",
    "role": "lower_third",
    "start": 0.0,
    "end": None,
    "font": None,
    "size": None,
    "color": None,
    "background_color": None,
    "position": None,
}
BLUE = "#2060c0"
MAIN_CHARACTER = {"scale": 0.6, "offset": {"x": 0.5, "y": 0.1}}
CIRCLE = {
    "style": "circle",
    "scale": 0.5,
    "offset": {"x": 0.0, "y": -0.2},
    "matting": True,
    "circle_background": "#ffffff",
}


def make_services(root: Path) -> Services:
    settings = Settings.from_env({}, data_dir=root / "data", pools=("cpu",))
    upgrade(settings)
    return Services(settings, session_factory(settings), open_storage(settings))


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """One English job: a cut-out presenter right of centre on blue, a lower third, word captions,
    and a 9:16 circle rendition; speech and renders counted."""
    import workers.composed as composed

    root = tmp_path_factory.mktemp("english")
    services = make_services(root)
    spoken = []
    real_speak = composed.speak_segment

    def counted_speak(*args, **kwargs):
        spoken.append(args[1].index)
        return real_speak(*args, **kwargs)

    composed.speak_segment = counted_speak
    try:
        comp = composition(
            960,
            540,
            [
                scene(
                    "Good evening. Here is the news from the farm.",
                    character=MAIN_CHARACTER,
                    background={"type": "color", "color": BLUE},
                    overlays=[LOWER_THIRD],
                )
            ],
            captions={"burn_in": True, "style": "word"},
            renditions=[{"canvas": {"width": 360, "height": 640}, "character": CIRCLE, "captions": None}],
        )
        output = run_job(services, new_tenant(services), comp, watermark=True)
    finally:
        composed.speak_segment = real_speak
    main = fetch(services, output["key"], root / "main.mp4")
    rendition = fetch(services, output["renditions"][0]["key"], root / "r1.mp4")
    return services, output, main, rendition, spoken, root


def test_a_colour_background_reads_as_that_colour_outside_the_person(english):
    _, _, main, _, _, _ = english
    frame = frame_at(main, 1.0)
    # the left third: no presenter there (centre at 3/4 of the width), no text above the lower third
    region = frame[40:300, 20:300].reshape(-1, 3).astype(np.float32)
    assert np.abs(np.median(region, axis=0) - (0x20, 0x60, 0xC0)).max() < 10


def test_the_face_lands_where_scale_and_offset_put_it(english):
    _, _, main, _, _, _ = english
    frame = frame_at(main, 1.0)
    found = analyze_image(frame).face_box
    # the contract: the box is scale × the canvas height, centred at offset × the half-canvas (x right,
    # y down) from the canvas centre; within it, the face where the renderer's framing puts it
    side = 0.6 * 540
    left, top = 480 * (1 + 0.5) - side / 2, 270 * (1 + 0.1) - side / 2
    portrait = analyze_image(decode_portrait(Path("domain/presets/portraits/astronaut.png").read_bytes()))
    framing = frame_portrait(portrait, int(side), 0.5, 128)
    (x0, y0), (x1, y1) = (np.array(portrait.face_box).reshape(2, 2) - (framing.left, framing.top)) * framing.scale
    expected = np.array([left + (x0 + x1) / 2, top + (y0 + y1) / 2])
    centre = np.array([(found[0] + found[2]) / 2, (found[1] + found[3]) / 2])
    assert np.abs(centre - expected).max() < 0.03 * 540, (centre, expected)
    assert (found[3] - found[1]) == pytest.approx((y1 - y0), rel=0.15)


def test_the_lower_third_and_the_word_captions_read_back(english):
    _, output, main, _, _, root = english
    text = " ".join(ocr(frame_at(main, t), root) for t in np.linspace(0.3, output["duration_s"] - 0.2, 8))
    assert "Jane Doe" in text
    spoken_words = {w.lower().strip(".,") for w in text.split()}
    assert len({"good", "evening", "here", "news", "farm"} & spoken_words) >= 3, text


def test_a_rendition_neither_speaks_nor_animates_again(english):
    services, output, main, rendition, spoken, _ = english
    rendered = services.counting
    assert (output["width"], output["height"]) == (960, 540)
    assert [(r["width"], r["height"]) for r in output["renditions"]] == [(360, 640)]
    assert rendition.stat().st_size == output["renditions"][0]["bytes"]
    segments = len(spoken)
    assert sorted(spoken) == list(range(segments))  # each segment spoken once, for both cuts
    assert rendered.prepares == 1 and rendered.renders == segments  # one face render for both cuts


def test_a_vertical_rendition_without_a_character_shows_the_face_centred_in_its_upper_half(tmp_path):
    """The same script as a landscape and a vertical cut, the vertical one given only its canvas: its face is
    centred across and in the upper half, whole, where the landscape placement (large, right of centre) would
    have cut it off at the right edge and put the lower third over its mouth."""
    services = make_services(tmp_path)
    comp = composition(
        640,
        360,
        [
            scene(
                "Good evening from the farm.",
                character={"scale": 0.8, "offset": {"x": 0.45, "y": 0.1}},
                background={"type": "color", "color": BLUE},
                overlays=[LOWER_THIRD],
            )
        ],
        renditions=[{"canvas": {"width": 360, "height": 640}, "character": None, "captions": None}],
    )
    output = run_job(services, new_tenant(services), comp)
    vertical = fetch(services, output["renditions"][0]["key"], tmp_path / "vertical.mp4")
    x0, y0, x1, y1 = analyze_image(frame_at(vertical, 0.8)).face_box
    assert abs((x0 + x1) / 2 - 180) < 0.05 * 360, (x0, x1)  # centred across
    assert 0 < x0 and x1 < 360 and 0 < y0, (x0, y0, x1, y1)  # whole
    # its centre in the upper half, the chin above the lower third (its bar begins at 0.56 of the height)
    assert (y0 + y1) / 2 < 320 and y1 < 0.55 * 640, (y0, y1)
    assert services.counting.renders == 1  # one face render for both cuts


def test_a_vertical_job_that_leaves_out_its_presenter_shows_the_whole_face_above_the_lower_third(tmp_path):
    """A 9:16 job body that gives no character, as the CLI's ``--canvas 1080x1920`` sends it: the face whole,
    centred across and in the upper half, its chin above the lower third. (The default was 0.8 of the height: a
    box wider than the canvas, the face in the middle and the lower third over its mouth.)"""
    from domain.composition import normalise_composition

    body = {
        "script": "Good evening from the farm.",
        "avatar": "astronaut",
        "canvas": {"width": 360, "height": 640},
        "background": {"type": "color", "color": BLUE},
        "overlays": [{"type": "text", "text": "Jane Doe", "role": "lower_third"}],
    }
    comp = normalise_composition(body)
    assert comp is not None
    comp["scenes"][0] |= {"voice": "joe", "language": "en"}  # what intake resolves
    services = make_services(tmp_path)
    output = run_job(services, new_tenant(services), comp)
    x0, y0, x1, y1 = analyze_image(frame_at(fetch(services, output["key"], tmp_path / "v.mp4"), 0.8)).face_box
    assert abs((x0 + x1) / 2 - 180) < 0.05 * 360 and 0 < x0 and x1 < 360 and 0 < y0, (x0, y0, x1, y1)
    assert (y0 + y1) / 2 < 320 and y1 < 0.55 * 640, (y0, y1)  # the lower third's bar begins at 0.56


def test_a_circle_leaves_the_corners_of_its_box_as_the_background(english):
    _, _, _, rendition, _, _ = english
    frame = frame_at(rendition, 1.0).astype(np.float32)
    box = presenter_box(CIRCLE, 360, 640)
    inset = 4
    for x, y in ((box.left + inset, box.top + inset), (box.left + box.side - inset, box.top + inset)):
        assert np.abs(frame[y, x] - (0x20, 0x60, 0xC0)).max() < 16, (x, y, frame[y, x])
    # inside the circle, left of the presenter: the circle's own white
    left_inside = frame[box.top + box.side // 2 - 20 : box.top + box.side // 2, box.left + 8 : box.left + 14]
    assert left_inside.mean() > 200


def test_every_cut_carries_the_invisible_payload(english):
    services, _, _, rendition, _, _ = english
    detection = InvisibleWatermark(watermark_key(services.settings)).detect(rendition)
    assert detection.found and detection.payload.job_code == 7


@pytest.mark.parametrize(("output_format", "codec"), [("webm", "vp9"), ("mov", "prores")])
def test_a_transparent_video_has_alpha_0_in_the_corners_and_255_on_the_face(tmp_path, output_format, codec):
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(2.0), "audio", "audio/wav")
    narrated = scene(None, audio_asset_id="ast_narration", background={"type": "transparent"})
    output = run_job(services, tenant, composition(480, 270, [narrated], output_format=output_format))
    video = fetch(services, output["key"], tmp_path / f"video.{output_format}")
    assert output["video_codec"] == codec and output["key"].endswith(f".{output_format}")
    assert output["content_credentials"] == "none"  # this farm has no signing key: the document says so
    rgba = rgba_frame_at(video, 1.0, tmp_path)
    assert rgba.shape == (270, 480, 4)
    for y, x in ((3, 3), (3, 476), (266, 3), (150, 10)):
        assert rgba[y, x, 3] == 0, (y, x)
    face = analyze_image(np.ascontiguousarray(rgba[..., :3])).face_box
    cx, cy = int((face[0] + face[2]) / 2), int((face[1] + face[3]) / 2)
    assert rgba[cy - 5 : cy + 5, cx - 5 : cx + 5, 3].min() == 255
    # its poster keeps the alpha too: a PNG, clear in the corners, the face opaque (it was a JPEG on black)
    poster = output["files"]["poster"]
    assert poster["content_type"] == "image/png" and poster["key"].endswith(".png")
    still = np.asarray(Image.open(fetch(services, poster["key"], tmp_path / "poster.png")))
    assert still.shape == (270, 480, 4)
    assert still[3, 3, 3] == still[266, 476, 3] == 0
    assert still[cy - 5 : cy + 5, cx - 5 : cx + 5, 3].min() == 255
    assert (
        np.abs(
            still[cy - 5 : cy + 5, cx - 5 : cx + 5, :3].astype(int) - rgba[cy - 5 : cy + 5, cx - 5 : cx + 5, :3]
        ).mean()
        < 30
    )


@pytest.mark.parametrize(("output_format", "codec"), [("mp4", "aac"), ("webm", "opus"), ("mov", "pcm_s16le")])
def test_every_output_format_carries_its_sound_at_48_khz(tmp_path, output_format, codec):
    import av

    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(1.0), "audio", "audio/wav")
    narrated = scene(None, audio_asset_id="ast_narration")
    output = run_job(services, tenant, composition(256, 144, [narrated], output_format=output_format))
    with av.open(str(fetch(services, output["key"], tmp_path / f"video.{output_format}"))) as container:
        sound = container.streams.audio[0].codec_context
        assert (sound.name, sound.sample_rate, sound.channels) == (codec, 48000, 1)


def test_music_is_ducked_under_speech(tmp_path):
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    # speech: a 220 Hz voice on for 1 s, off for 1 s; music: a steady 660 Hz bed
    add_asset(services, tenant, "ast_narration", tone_wav(6.0), "audio", "audio/wav")
    rate = 24000
    t = np.arange(int(4.0 * rate)) / rate
    music = (0.5 * np.sin(2 * np.pi * 660 * t) * 32767).astype("<i2")
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(music.tobytes())
    add_asset(services, tenant, "ast_music", buffer.getvalue(), "audio", "audio/wav")
    narrated = scene(None, audio_asset_id="ast_narration")
    comp = composition(
        256, 144, [narrated], music={"asset_id": "ast_music", "volume": 0.5, "ducking": True, "fade": 0.2}
    )
    output = run_job(services, tenant, comp)
    audio = audio_of(fetch(services, output["key"], tmp_path / "video.mp4"), tmp_path)
    # the narration speaks in [0, 1), [2, 3), [4, 5) s; the music loops past its 4 s
    under_speech = np.mean([band_level_db(audio, 16000, 660, s + 0.3, s + 0.8) for s in (2.0, 4.0)])
    in_pauses = np.mean([band_level_db(audio, 16000, 660, s + 0.4, s + 0.8) for s in (1.0, 3.0)])
    print(f"music under speech {under_speech:.1f} dB, in pauses {in_pauses:.1f} dB")
    # ducked enough to leave the voice clear, not so far that the bed is gone while someone speaks
    assert 8.0 < in_pauses - under_speech < 16.0
    assert output["duration_s"] == pytest.approx(6.0, abs=0.15)  # looped past the music's own 4 s, trimmed to speech


def test_a_chinese_lower_third_and_captions_read_back(tmp_path):
    services = make_services(tmp_path)
    lower_third = {**LOWER_THIRD, "text": "北京新闻"}
    chinese = scene(
        "今天天气很好。我们在北京。",
        voice=None,
        language="zh",
        overlays=[lower_third],
        background={"type": "color", "color": BLUE},
    )
    comp = composition(960, 540, [chinese], captions={"burn_in": True, "style": "subtitle"})
    output = run_job(services, new_tenant(services), comp)
    video = fetch(services, output["key"], tmp_path / "video.mp4")
    read = "".join(
        ocr(frame_at(video, t), tmp_path, "chi_sim") for t in np.linspace(0.3, output["duration_s"] - 0.2, 6)
    )
    read = read.replace(" ", "")
    assert "北京新闻" in read, read
    assert sum(char in read for char in "今天天气很好我们在") >= 6, read


def test_a_hebrew_lower_third_and_word_captions_read_back(tmp_path):
    """Hebrew, spoken by espeak-ng, was refused before the farm shipped a font for it: now its lower third and its
    word captions are drawn, right to left, and tesseract reads them back."""
    services = make_services(tmp_path)
    lower_third = {**LOWER_THIRD, "text": "חדשות הערב"}
    hebrew = scene(
        "שלום לכולם. ראש הממשלה נאם היום בירושלים.",
        voice=None,
        language="he",
        overlays=[lower_third],
        background={"type": "color", "color": BLUE},
    )
    comp = composition(960, 540, [hebrew], captions={"burn_in": True, "style": "word"})
    output = run_job(services, new_tenant(services), comp)
    video = fetch(services, output["key"], tmp_path / "video.mp4")
    read = " ".join(ocr(frame_at(video, t), tmp_path, "heb") for t in np.linspace(0.3, output["duration_s"] - 0.2, 8))
    assert "חדשות" in read and "הערב" in read, read
    spoken = ["שלום", "לכולם", "ראש", "הממשלה", "נאם", "היום", "בירושלים"]
    assert sum(word in read for word in spoken) >= 5, read


def test_a_japanese_job_written_in_kanji_is_spoken_and_its_phrases_lit_as_written(tmp_path):
    """Japanese in kanji was refused (espeak-ng's voice names each kanji); now it is spoken as its readings, and the
    word captions show the written phrases, each lit while it is spoken, read back by tesseract."""
    services = make_services(tmp_path)
    japanese = scene(
        "東京で新しい首相が記者会見を行いました。",
        voice=None,
        language="ja",
        background={"type": "color", "color": BLUE},
    )
    comp = composition(960, 540, [japanese], captions={"burn_in": True, "style": "word"})
    output = run_job(services, new_tenant(services), comp)
    video = fetch(services, output["key"], tmp_path / "video.mp4")
    # a frame every 0.25 s: each page is read in several, whichever of them tesseract reads best (a page read as
    # "0者 見を" in one frame, with its highlighted phrase in yellow, is whole in the next)
    times = np.arange(0.3, output["duration_s"] - 0.1, 0.25)
    read = "".join(ocr(frame_at(video, t), tmp_path, "jpn") for t in times).replace(" ", "")
    assert sum(phrase in read for phrase in ("東京で", "新しい", "首相が", "記者", "会見を", "行いました")) >= 4, read
    assert output["duration_s"] < 6.0  # its readings, not "Chinese letter" for each of its ten kanji (11.7 s)


def test_a_cut_out_presenters_edge_carries_no_halo_of_the_photos_wall(tmp_path, monkeypatch):
    """The cameraman's photo has a pale wall: his soft edges, over a black canvas, showed a light fringe of it. The
    job now draws him in his own colours there (``presenter_colours``, through the face render and the body alike):
    where the two videos differ by more than the invisible mark does, his edge is darker (luma 48 → 41 when
    written)."""
    import workers.stages.composition as stage

    black = {"type": "color", "color": "#000000"}
    comp = composition(640, 360, [scene("Hello.", avatar={"preset": "cameraman"}, background=black)])

    def first_frame(name: str) -> np.ndarray:
        services = make_services(tmp_path / name)
        output = run_job(services, new_tenant(services), comp)
        return frame_at(fetch(services, output["key"], tmp_path / f"{name}.mp4"), 0.2)

    cleaned = first_frame("after")
    monkeypatch.setattr(stage, "presenter_colours", lambda rgb, matte: rgb)  # the photo's colours as they are
    fringed = first_frame("before")
    luma = np.array([0.2126, 0.7152, 0.0722])
    before, after = fringed.astype(float) @ luma, cleaned.astype(float) @ luma
    edge = np.abs(before - after) > 8
    print(f"{edge.sum()} edge pixels: luma {before[edge].mean():.1f} with the wall's fringe, {after[edge].mean():.1f}")
    assert edge.sum() > 300  # his outline, not a few pixels of encoding noise
    assert after[edge].mean() < 0.9 * before[edge].mean()


def test_a_rendition_that_shows_the_photo_whole_keeps_the_photos_own_colours(tmp_path, monkeypatch):
    """The cuts share one face render. Where one cut shows the photo whole (a rendition with ``matting: false``),
    the cut-out's unmixed edge colours showed there as dark blotches where the sky met the cameraman's hand and
    tripod (120 pixels of this 540×960 cut off by more than 30 levels; 0 now): the render keeps the photo's
    colours when any cut shows it whole."""
    import workers.stages.composition as stage

    uncut = {"canvas": {"width": 540, "height": 960}, "character": {**MAIN_CHARACTER, "matting": False}}
    comp = composition(
        640, 360, [scene("Hello.", avatar={"preset": "cameraman"})], renditions=[{**uncut, "captions": None}]
    )

    def rendition_frame(name: str) -> np.ndarray:
        services = make_services(tmp_path / name)
        output = run_job(services, new_tenant(services), comp)
        [rendition] = output["renditions"]
        return frame_at(fetch(services, rendition["key"], tmp_path / f"{name}.mp4"), 0.2).astype(int)

    shown = rendition_frame("farm")
    monkeypatch.setattr(stage, "presenter_colours", lambda rgb, matte: rgb)
    photo = rendition_frame("photo")
    off = int((np.abs(shown - photo).max(axis=2) > 30).sum())
    print(f"{off} pixels of the uncut rendition off by more than 30 levels")
    assert off < 20


def test_a_title_with_an_emoji_shows_it_in_colour_and_its_words_read_back(tmp_path):
    """🔴 LIVE, a title social video is made with: refused before the farm shipped a colour emoji font."""
    services = make_services(tmp_path)
    title = {**LOWER_THIRD, "text": "🔴 LIVE Council votes", "role": "title"}
    comp = composition(960, 540, [scene("Hello.", overlays=[title], background={"type": "color", "color": BLUE})])
    output = run_job(services, new_tenant(services), comp)
    frame = frame_at(fetch(services, output["key"], tmp_path / "video.mp4"), 0.3)
    top = frame[: frame.shape[0] // 4].astype(int)
    red = (top[..., 0] > 180) & (top[..., 1] < 110) & (top[..., 2] < 110)  # the disc; the canvas is blue
    assert red.sum() > 300, red.sum()
    assert "LIVE" in ocr(frame, tmp_path, "eng")


def test_a_composed_job_resumes_from_its_last_finished_segment(tmp_path):
    import sqlalchemy as sa

    from domain import lifecycle
    from domain.errors import Interrupted
    from domain.models import Job
    from tests.stubs import StubControl
    from tests.unit.compose.jobs import job_spec
    from workers.pipeline import run_pipeline

    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(24.0), "audio", "audio/wav")
    comp = composition(
        256,
        144,
        [scene(None, audio_asset_id="ast_narration")],
        renditions=[{"canvas": {"width": 144, "height": 256}, "character": None, "captions": None}],
    )
    with services.sessions() as session, session.begin():
        job = Job(tenant_id=tenant, pool="cpu", spec=job_spec(comp, fps=10), wm_code=9)
        session.add(job)
        session.flush()
        job_id = job.id

    def claimed():
        with services.sessions() as session, session.begin():
            session.execute(sa.update(Job).where(Job.id == job_id).values(not_before=None))
            return lifecycle.claim(session, job_id, "worker-1", 60)

    # drained at the boundary after the first segment, while it is still being stored in the background
    first = StubControl(claimed(), stop_when=lambda: Interrupted("draining") if services.counting.frames else None)
    with pytest.raises(Interrupted):
        run_pipeline(first, services)
    frames_first = services.counting.frames
    with services.sessions() as session, session.begin():
        done = lifecycle.finished_segments(session, job_id)
        lifecycle.hand_back(session, first.claim, "drained")
    assert list(done) == [0] and frames_first == done[0].frames

    output, _ = run_pipeline(StubControl(claimed()), services)

    total = round(24.0 * 10)
    assert services.counting.frames - frames_first == total - done[0].frames  # only the missing segment
    assert output["duration_s"] == pytest.approx(24.0, abs=0.15)
    assert [(r["width"], r["height"]) for r in output["renditions"]] == [(144, 256)]


def test_scenes_have_their_own_backgrounds_and_a_crossfade_between_them(tmp_path):
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(2.0), "audio", "audio/wav")
    red = scene(
        None,
        audio_asset_id="ast_narration",
        background={"type": "color", "color": "#c02020"},
        character={"offset": {"x": 0.6, "y": 0.0}, "scale": 0.5},
    )
    blue = scene(
        None,
        audio_asset_id="ast_narration",
        background={"type": "color", "color": BLUE},
        character={"offset": {"x": 0.6, "y": 0.0}, "scale": 0.5},
        transition={"type": "crossfade", "duration": 0.5},
    )
    output = run_job(services, tenant, composition(320, 180, [red, blue]))
    video = fetch(services, output["key"], tmp_path / "video.mp4")
    # two 2 s narrations, the second held back by its 0.5 s fade (it was 4.0: the fade ran over its first sound)
    assert output["duration_s"] == pytest.approx(4.5, abs=0.15)

    def background_at(t):
        return np.median(frame_at(video, t)[20:160, 10:100].reshape(-1, 3), axis=0)

    assert np.abs(background_at(1.5) - (0xC0, 0x20, 0x20)).max() < 12  # the first scene's red
    halfway = background_at(2.2)  # 0.2 s into the 0.5 s fade: between the two
    assert 0x20 + 20 < halfway[0] < 0xC0 - 20 and 0x20 + 20 < halfway[2] < 0xC0 - 20
    assert np.abs(background_at(3.0) - (0x20, 0x60, 0xC0)).max() < 12  # then the second scene's blue


def test_captions_are_never_dissolved_by_a_crossfade(tmp_path):
    """A crossfade dissolves the pictures, not the words being spoken: the second scene's first captions were drawn
    into its picture and faded in with it, hard to read for the length of the fade; then they were drawn whole over
    the dissolve, as its first words were spoken inside it. Now the scene speaks only after the fade, and its
    captions come with the words: none over the dissolve, whole from the first frame they show."""
    services = make_services(tmp_path)
    red = (0xC0, 0x20, 0x20)
    first = scene("Good evening.", background={"type": "color", "color": "#c02020"})
    second = scene(
        "Now over to our reporter in the harbour.",
        background={"type": "color", "color": BLUE},
        transition={"type": "crossfade", "duration": 1.2},
    )
    comp = composition(480, 270, [first, second], captions={"burn_in": True, "style": "subtitle"})
    output = run_job(services, new_tenant(services), comp)
    frames = frames_of(fetch(services, output["key"], tmp_path / "video.mp4"))

    def white_letters(frame: np.ndarray) -> int:
        return int((frame[180:].astype(np.int16).min(axis=2) > 225).sum())  # in the captions' room, at the bottom

    # the fade begins where the corner stops being the first scene's red
    start = next(t for t, f in frames if np.abs(np.median(f[5:40, 5:60].reshape(-1, 3), axis=0) - red).max() > 3)
    during = [white_letters(f) for t, f in frames if start <= t < start + 1.2 - 1e-3]
    shown = [white_letters(f) for t, f in frames if start + 1.2 <= t <= start + 1.9]
    shown = shown[next(n for n, count in enumerate(shown) if count > 40) :]  # from the first caption's first frame
    assert shown and min(shown) > 0.5 * np.median(shown), shown
    assert max(during) < 0.1 * np.median(shown), (during, shown)  # a few white pixels of the spacesuit


def test_a_draft_composes_smaller_with_its_draft_label(tmp_path):

    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(2.0), "audio", "audio/wav")

    comp = composition(
        960,
        540,
        [scene(None, audio_asset_id="ast_narration")],
        renditions=[{"canvas": {"width": 540, "height": 960}, "character": None, "captions": None}],
    )
    output = run_job(services, tenant, comp, draft=True)
    # the canvas the draft's spec records (640 px on the longer side), not another: it was 480x270 here while the
    # spec said 640x360, and a 1920x1080 draft came out 960x540; every rendition is drawn too, scaled alike, so
    # its layout can be checked before approval
    assert (output["width"], output["height"]) == (640, 360)
    assert [(r["width"], r["height"]) for r in output["renditions"]] == [(360, 640)]
    video = fetch(services, output["key"], tmp_path / "video.mp4")
    assert "DRAFT" in ocr(frame_at(video, 1.0), tmp_path)


@pytest.mark.parametrize(
    ("canvas", "rendition"), [((768, 1366), (1366, 768)), ((3840, 960), (128, 512)), ((182, 720), (720, 182))]
)
def test_every_draft_cut_is_the_size_the_draft_rule_gives_it(canvas, rendition):
    """The canvas the spec records is the one drawn (768x1366 recorded 358x640 and was drawn 358x636, the scale
    taken from the rounded width), and a small rendition keeps its shape (a 128x512 rendition of a 3840x960 job
    drafted at 64x84)."""
    from domain.drafts import draft_canvas, draft_render
    from tests.unit.compose.jobs import job_spec
    from workers.stages.composition import job_cuts

    comp = composition(*canvas, [scene()], renditions=[{"canvas": dict(zip(("width", "height"), rendition))}])
    spec = job_spec(comp)
    spec = {**spec, "draft": True, "draft_render": draft_render(spec["params"], comp["canvas"])}

    class Draft:  # what job_cuts reads of an attempt
        def __init__(self):
            self.spec, self.params, self.fps = spec, spec["params"], 25
            self.settings = Settings.from_env({}, data_dir=Path("/nonexistent"), pools=("cpu",))
            self.claim = type("Claim", (), {"wm_code": 1, "tenant_id": "ten_x"})()

    cuts = job_cuts(Draft())
    recorded = spec["draft_render"]["canvas"]
    assert (cuts[0].width, cuts[0].height) == (recorded["width"], recorded["height"])
    expected = draft_canvas(dict(zip(("width", "height"), rendition)))
    assert (cuts[1].width, cuts[1].height) == (expected["width"], expected["height"])
    assert abs((cuts[1].width / cuts[1].height) / (rendition[0] / rendition[1]) - 1) < 0.02


@pytest.mark.parametrize("first_transparent", [True, False])
def test_a_crossfade_between_a_transparent_scene_and_an_opaque_one_fades_the_alpha(tmp_path, first_transparent):
    """The API takes a WebM whose scenes mix a transparent background and an opaque one; a crossfade between them
    failed the job (OpenCV cannot blend a picture with alpha and one without). The alpha now fades too."""
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(1.5), "audio", "audio/wav")
    clear, blue = {"type": "transparent"}, {"type": "color", "color": BLUE}
    first = scene(None, audio_asset_id="ast_narration", background=clear if first_transparent else blue)
    second = scene(
        None,
        audio_asset_id="ast_narration",
        background=blue if first_transparent else clear,
        transition={"type": "crossfade", "duration": 0.6},
    )
    output = run_job(services, tenant, composition(320, 180, [first, second], output_format="webm"))
    video = fetch(services, output["key"], tmp_path / "video.webm")
    corner = [int(rgba_frame_at(video, t, tmp_path)[5:20, 5:20, 3].mean()) for t in (1.0, 1.75, 2.8)]
    start, end = (0, 255) if first_transparent else (255, 0)
    assert abs(corner[0] - start) < 10 and abs(corner[2] - end) < 10, corner
    assert 40 < corner[1] < 215, corner  # halfway through the fade, between the two


def _signed_job(tmp_path: Path, output_format: str, draft: bool = False) -> tuple[Services, dict, bytes]:
    """A composed job with a 9:16 rendition, run by a worker that has a C2PA signing key; and the key's CA."""
    from tests.credentials import c2pa_credentials

    chain, key, ca = c2pa_credentials()
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    settings = Settings.from_env(
        {},
        data_dir=tmp_path / "data",
        pools=("cpu",),
        c2pa_cert=str(tmp_path / "chain.pem"),
        c2pa_key=str(tmp_path / "key.pem"),
    )
    upgrade(settings)
    services = Services(settings, session_factory(settings), open_storage(settings))
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(1.0), "audio", "audio/wav")
    comp = composition(
        256,
        144,
        [scene(None, audio_asset_id="ast_narration")],
        output_format=output_format,
        renditions=[{"canvas": {"width": 144, "height": 256}, "character": None, "captions": None}],
    )
    return services, run_job(services, tenant, comp, draft=draft), ca


@pytest.mark.parametrize("output_format, draft", [("mp4", False), ("mov", False), ("mp4", True)])
def test_every_cut_and_its_poster_carry_content_credentials(tmp_path, output_format, draft):
    """Each cut's video and its poster (a still of it) are signed alike; a draft's say it was a draft."""
    from media.watermark.c2pa_manifest import read_manifest

    services, output, ca = _signed_job(tmp_path, output_format, draft)
    assert output["content_credentials"] == output["renditions"][0]["content_credentials"] == "embedded"
    for n, cut in enumerate([output, output["renditions"][0]]):
        manifest = read_manifest(fetch(services, cut["key"], tmp_path / f"cut{n}.{output_format}"))
        assert manifest["present"] and manifest["signature_valid"], manifest
        assert manifest["generation"]["job_id"].startswith("job_")
        assert manifest["generation"]["draft"] is draft
        poster = fetch(services, cut["files"]["poster"]["key"], tmp_path / f"poster{n}.jpg")
        still = read_manifest(poster, trust_anchors_pem=ca, mime="image/jpeg")
        assert still["trusted"] and still["generation"] == manifest["generation"], still


def test_every_webm_cut_has_a_c2pa_sidecar_that_binds_to_its_bytes_only(tmp_path):
    import json

    import c2pa

    services, output, ca = _signed_job(tmp_path, "webm")
    assert output["content_credentials"] == output["renditions"][0]["content_credentials"] == "sidecar"
    trust = c2pa.Context(settings=c2pa.Settings.from_dict({"trust": {"trust_anchors": ca.decode()}}))

    def store(video: Path, sidecar: Path) -> dict:
        """What c2pa-python's Reader makes of ``video`` with ``sidecar`` as its manifest store."""
        with open(video, "rb") as stream, c2pa.Reader("video/webm", stream, sidecar.read_bytes(), context=trust) as r:
            return json.loads(r.json())

    cuts = []
    for n, cut in enumerate([output, output["renditions"][0]]):
        listed = cut["files"]["content_credentials"]
        assert listed["content_type"] == "application/c2pa" and listed["key"].endswith(".c2pa")
        video = fetch(services, cut["key"], tmp_path / f"cut{n}.webm")
        cuts.append((video, fetch(services, listed["key"], tmp_path / f"cut{n}.c2pa")))
    for video, sidecar in cuts:
        found = store(video, sidecar)
        assert found["validation_state"] == "Trusted", found.get("validation_status")
        assertions = {a["label"]: a["data"] for a in found["manifests"][found["active_manifest"]]["assertions"]}
        assert assertions["dev.talkfarm.generation"]["job_id"].startswith("job_")
    (main, main_sidecar), (rendition, rendition_sidecar) = cuts
    for video, sidecar in [(main, rendition_sidecar), (rendition, main_sidecar)]:
        found = store(video, sidecar)
        assert found["validation_state"] == "Invalid"
        assert "assertion.dataHash.mismatch" in [s["code"] for s in found["validation_status"]]


@pytest.mark.parametrize("play", ["loop", "freeze"])
def test_a_background_video_loops_or_freezes(tmp_path, play):
    import subprocess

    from media.encode.ffmpeg_binary import ffmpeg_exe

    # one second of red, then one of green: a 2 s clip under 5 s of speech
    clip = tmp_path / "clip.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=0xc02020:s=160x90:r=10:d=1",
            "-f",
            "lavfi",
            "-i",
            "color=c=0x20c020:s=160x90:r=10:d=1",
            "-filter_complex",
            "[0][1]concat=n=2",
            "-pix_fmt",
            "yuv420p",
            str(clip),
        ],
        check=True,
    )
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(5.0), "audio", "audio/wav")
    add_asset(services, tenant, "ast_clip", clip.read_bytes(), "video", "video/mp4")
    narrated = scene(
        None,
        audio_asset_id="ast_narration",
        character={"offset": {"x": 0.6, "y": 0.0}, "scale": 0.5},
        background={"type": "video", "asset_id": "ast_clip", "fit": "cover", "play": play},
    )
    output = run_job(services, tenant, composition(320, 180, [narrated]))
    video = fetch(services, output["key"], tmp_path / "video.mp4")

    def background_at(t):
        return np.median(frame_at(video, t)[20:160, 10:100].reshape(-1, 3), axis=0)

    red, green = np.array((0xC0, 0x20, 0x20)), np.array((0x20, 0xC0, 0x20))
    assert np.abs(background_at(0.5) - red).max() < 16 and np.abs(background_at(1.5) - green).max() < 16
    assert np.abs(background_at(2.5) - (red if play == "loop" else green)).max() < 16


def test_a_webm_may_mix_transparent_and_opaque_scenes(tmp_path):
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(1.0), "audio", "audio/wav")
    clear = scene(None, audio_asset_id="ast_narration", background={"type": "transparent"})
    blue = scene(None, audio_asset_id="ast_narration", background={"type": "color", "color": BLUE})
    output = run_job(services, tenant, composition(256, 144, [clear, blue], output_format="webm"))
    video = fetch(services, output["key"], tmp_path / "video.webm")
    assert output["duration_s"] == pytest.approx(2.0, abs=0.15)
    assert rgba_frame_at(video, 0.5, tmp_path)[3, 3, 3] == 0
    later = rgba_frame_at(video, 1.5, tmp_path)
    assert later[3, 3, 3] == 255 and np.abs(later[3, 3, :3].astype(int) - (0x20, 0x60, 0xC0)).max() < 16


def test_a_portrait_is_cut_out_once_and_its_matte_kept_with_its_analysis(tmp_path, monkeypatch):
    import workers.stages.composition as composition_stage
    from domain.models import Asset
    from media.render.face import analyze_portrait

    segmented = []
    real = composition_stage.portrait_matte
    monkeypatch.setattr(composition_stage, "portrait_matte", lambda rgb: segmented.append(1) or real(rgb))
    services = make_services(tmp_path)
    tenant = new_tenant(services)
    photo = Path("domain/presets/portraits/astronaut.png").read_bytes()
    add_asset(services, tenant, "ast_portrait", photo, "image", "image/png")
    with services.sessions() as session, session.begin():
        session.get(Asset, "ast_portrait").info = analyze_portrait(photo).to_dict()
    add_asset(services, tenant, "ast_narration", tone_wav(1.0), "audio", "audio/wav")
    job = composition(256, 144, [scene(None, audio_asset_id="ast_narration", avatar={"asset_id": "ast_portrait"})])

    run_job(services, tenant, job, wm_code=21)
    with services.sessions() as session:
        recorded = session.get(Asset, "ast_portrait").info["matte"]
    assert services.storage.exists(recorded["key"]) and segmented == [1]

    run_job(services, tenant, job, wm_code=22)
    assert segmented == [1]  # the second job read the kept matte


def test_a_cut_out_presenter_shows_its_body_below_its_box(english):
    _, _, main, _, _, _ = english
    frame = frame_at(main, 1.0)
    box = presenter_box({**MAIN_CHARACTER, "style": "normal"}, 960, 540)
    # below the face's box, under its middle half (the astronaut's suit, the photo's own person): not the background
    below = frame[
        box.top + box.side + 6 : box.top + box.side + 40, box.left + box.side // 4 : box.left + 3 * box.side // 4
    ]
    person = np.abs(below.reshape(-1, 3).astype(np.float32) - (0x20, 0x60, 0xC0)).max(axis=1) > 40
    assert person.mean() > 0.9, person.mean()


def test_a_scene_is_prepared_while_its_first_segment_is_spoken(tmp_path, monkeypatch):
    """The portrait's framing, the background and the layers are made while Piper speaks, not after."""
    import workers.composed as composed

    services = make_services(tmp_path)
    tenant = new_tenant(services)
    prepared = threading.Event()
    prepare, speak = composed.prepare_scene, composed.speak_segment
    waited_for_preparing: list[bool] = []

    def counted_prepare(*args, **kwargs):
        prepare(*args, **kwargs)
        prepared.set()

    def speak_once_prepared(attempt, plan, *args):
        if plan.index == 0:
            waited_for_preparing.append(prepared.wait(timeout=20))
        return speak(attempt, plan, *args)

    monkeypatch.setattr(composed, "prepare_scene", counted_prepare)
    monkeypatch.setattr(composed, "speak_segment", speak_once_prepared)
    output = run_job(services, tenant, composition(256, 144, [scene("Good evening.")]), fps=10)

    assert waited_for_preparing == [True]
    assert output["duration_s"] > 0.5


def _letter_rows(frame: np.ndarray, top: float, bottom: float) -> int:
    """How many rows of a band (shares of the frame's height; the middle columns, clear of the DRAFT label and the
    presenter) hold white letters: a text's drawn height."""
    h, w = frame.shape[:2]
    band = frame[int(top * h) : int(bottom * h), int(0.3 * w) : int(0.62 * w)]
    return int(((band.astype(np.int16).min(axis=2) > 215).sum(axis=1) >= 2).sum())


def test_a_draft_draws_the_sizes_a_request_gives_at_its_own_scale(tmp_path):
    """A title and captions given a ``size`` (pixels on the 960x540 canvas) are drawn at 640/960 of it on the 640x360
    draft, so the draft shows them as large for its size as the final does. Before, the draft drew them at the
    final's pixels: a title of 48 took as many rows of the 360-row draft as of the 540-row final."""

    services = make_services(tmp_path)
    tenant = new_tenant(services)
    title = {"type": "text", "text": "RAIN", "role": "title", "size": 48, "start": 0, "end": None}
    comp = composition(
        960,
        540,
        [scene("Rain, then sun.", character={"offset": {"x": 0.6, "y": 0.0}, "scale": 0.5}, overlays=[title])],
        captions={"burn_in": True, "style": "subtitle", "size": 40},
    )
    final = fetch(services, run_job(services, tenant, comp)["key"], tmp_path / "final.mp4")
    draft = fetch(services, run_job(services, tenant, comp, wm_code=8, draft=True)["key"], tmp_path / "draft.mp4")
    big, small = frame_at(final, 0.6), frame_at(draft, 0.6)
    assert small.shape[:2] == (360, 640)
    for top, bottom in ((0.0, 0.3), (0.7, 1.0)):  # the title at the top, the captions at the bottom
        rows = _letter_rows(big, top, bottom), _letter_rows(small, top, bottom)
        assert rows[0] > 20, rows
        assert rows[1] / rows[0] == pytest.approx(640 / 960, abs=0.12), rows


@pytest.mark.parametrize("output_format", ["webm", "mov"])
def test_webm_and_mov_are_bt709_tagged_and_their_colours_decode_as_given(tmp_path, output_format):
    """A WebM's and a MOV's frames were converted with BT.601's matrix (FFmpeg's default) and left untagged, so a
    player or an editor guessed; the MP4 was always BT.709 and tagged. Now all three are. A WebM's index (Cues)
    comes before its clusters, so a browser seeks without reading the file to its end; a MOV starts at timecode
    00:00:00:00."""
    import av

    services = make_services(tmp_path)
    tenant = new_tenant(services)
    add_asset(services, tenant, "ast_narration", tone_wav(1.0), "audio", "audio/wav")
    narrated = scene(None, audio_asset_id="ast_narration", background={"type": "color", "color": "#c02020"})
    output = run_job(services, tenant, composition(256, 144, [narrated], output_format=output_format))
    video = fetch(services, output["key"], tmp_path / f"video.{output_format}")
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        assert (context.color_primaries, context.color_trc, context.colorspace, context.color_range) == (1, 1, 1, 1)
        if output_format == "mov":  # "00:00:00:0" at this test's 10 fps: FFmpeg writes one digit for the frames
            assert stream.metadata.get("timecode", "").startswith("00:00:00:0")
    corner = frame_at(video, 0.5)[4:20, 4:40].reshape(-1, 3).astype(int)
    assert np.abs(np.median(corner, axis=0) - (0xC0, 0x20, 0x20)).max() < 8  # decoded with the matrix it was made in
    poster = output["files"]["poster"]
    still = np.asarray(Image.open(fetch(services, poster["key"], tmp_path / poster["key"].rsplit("/", 1)[-1])))
    assert np.abs(np.median(still[4:20, 4:40, :3].reshape(-1, 3), axis=0) - (0xC0, 0x20, 0x20)).max() < 8
    if output_format == "webm":
        data = video.read_bytes()
        assert data.index(b"\x1c\x53\xbb\x6b") < data.index(b"\x1f\x43\xb6\x75")  # Cues before the first Cluster


def test_two_tenants_jobs_speak_into_their_own_caches(tmp_path):
    """The worker caches a job's speech in its tenant's own cache (a shared one told a tenant, by a job's speech
    time, whether another had spoken a sentence): the same script for two tenants is spoken twice and stored twice;
    the same tenant's second job is served from its cache."""
    services = make_services(tmp_path)
    script = "The minister will resign on Friday."
    comp = composition(160, 96, [scene(script)])
    first, second = new_tenant(services), new_tenant(services, "wire")
    run_job(services, first, comp, wm_code=1)
    run_job(services, second, comp, wm_code=2)
    run_job(services, second, comp, wm_code=3)
    cached = [key for key in services.storage.list("cache/tts/") if key.endswith(".wav")]
    assert len(cached) == 2, cached
    assert services.timings["tts"] < 0.05  # the third job: its tenant's own cache
