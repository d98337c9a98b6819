"""What a viewer sees, measured on rendered frames with mediapipe's face mesh
(distances in outer-eye-corner distances, IOD): the lips meet on m/b/p, oo is
narrower than ee, ah opens the jaw, and the mouth rests in pauses.

A short clip with known phones (m ɑ | p u | b i | pause | m u) is rendered on a
closed-mouth portrait (Grace Hopper, shipped by matplotlib) and on the
smiling astronaut, whose lips part over its teeth at rest.
"""

from pathlib import Path

import numpy as np
import pytest

from domain.presets import PRESETS
from media.phonemes import Phone, PhoneTrack, TimingSource
from media.render import quality
from media.render.builtin.visemes import viseme_of
from media.render.face import analyze_portrait
from media.render.renderer import Renderer

SR, FPS = 16000, 25
PARAMS = {"resolution": 512, "motion_scale": 0.0, "min_resolution": 64, "fps": FPS}
# (consonant, vowel) per syllable; the synthetic audio's syllables carry them.
SYLLABLES = (("m", "ɑ"), ("p", "u"), ("b", "i"), ("m", "u"))
PATTERN = ((0.20, 0.36), (0.06, 0.36), (0.06, 0.36), (0.55, 0.36), (0.40, 0.0))
CONSONANT_S = 0.09


def clip_phones() -> tuple[np.ndarray, PhoneTrack]:
    audio, syllables = quality.synthetic_speech(SR, pattern=PATTERN)
    phones = []
    for (start, end), (consonant, vowel) in zip(syllables, SYLLABLES):
        phones += [Phone(consonant, start, start + CONSONANT_S), Phone(vowel, start + CONSONANT_S, end, 1)]
    return np.array(audio), PhoneTrack(TimingSource.PIPER, tuple(phones))


def measure(frames) -> dict[str, np.ndarray]:
    """Per frame: inner-lip gap, mouth width and chin-to-nose-bridge distance, in IOD."""
    import mediapipe as mp

    out = {k: np.full(len(frames), np.nan) for k in ("gap", "width", "chin")}
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True) as mesh:
        for i, frame in enumerate(frames):
            result = mesh.process(np.ascontiguousarray(frame))
            assert result.multi_face_landmarks, f"no face on frame {i}"
            h, w = frame.shape[:2]
            p = np.array([(q.x * w, q.y * h) for q in result.multi_face_landmarks[0].landmark])
            iod = np.linalg.norm(p[33] - p[263])
            out["gap"][i] = np.linalg.norm(p[13] - p[14]) / iod
            out["width"][i] = np.linalg.norm(p[61] - p[291]) / iod
            out["chin"][i] = np.linalg.norm(p[152] - p[168]) / iod
    return out


def hopper_bytes() -> bytes:
    cbook = pytest.importorskip("matplotlib.cbook")
    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).read_bytes()


@pytest.fixture(scope="module", params=["grace_hopper", "astronaut"])
def rendered(request):
    data = hopper_bytes() if request.param == "grace_hopper" else PRESETS["astronaut"].read_bytes()
    renderer = Renderer.for_model("builtin")
    prepared = renderer.prepare(data, analyze_portrait(data), PARAMS)
    audio, phones = clip_phones()
    frames = list(renderer.render(prepared, audio, SR, PARAMS, phones=phones))
    return prepared, frames, phones, measure([prepared.still_frame] + frames)


def frames_during(phone: Phone, pad: int = 0) -> np.ndarray:
    return np.arange(int(phone.start_s * FPS) - pad, int(np.ceil(phone.end_s * FPS)) + pad)


def test_lips_meet_on_every_m_b_p(rendered):
    _, frames, phones, m = rendered
    gap = m["gap"][1:]
    bilabials = [p for p in phones.phones if viseme_of(p.symbol) == "PP"]
    assert len(bilabials) == 4
    for phone in bilabials:
        assert gap[frames_during(phone, pad=1)].min() <= 0.03, f"lips apart on {phone}"


def test_rounded_oo_is_narrower_than_spread_ee(rendered):
    _, frames, phones, m = rendered

    def width_at(symbol: str) -> float:
        return float(
            np.median(
                [m["width"][1:][int((p.start_s + p.end_s) / 2 * FPS)] for p in phones.phones if p.symbol == symbol]
            )
        )

    assert width_at("u") / width_at("i") <= 0.90


def test_an_open_vowel_drops_the_jaw_and_parts_the_lips(rendered):
    _, frames, phones, m = rendered
    rest_gap, rest_chin = m["gap"][0], m["chin"][0]
    ah = next(p for p in phones.phones if p.symbol == "ɑ")
    during = frames_during(ah)
    assert m["gap"][1:][during].max() >= max(0.10, rest_gap + 0.06)
    assert m["chin"][1:][during].max() - rest_chin >= 0.04


def test_the_mouth_is_exactly_at_rest_in_a_pause(rendered):
    prepared, frames, phones, m = rendered
    last_of_first_words = phones.phones[5].end_s
    first_after = phones.phones[6].start_s
    assert first_after - last_of_first_words >= 0.5
    pause = range(int(np.ceil((last_of_first_words + 0.1) * FPS)), int((first_after - 0.1) * FPS))
    assert len(pause) >= 6
    still = prepared.still_frame
    for i in pause:
        assert np.array_equal(frames[i], still), f"frame {i} moves in the pause"
    # ... and it really moved around it, so the test can fail.
    assert any(not np.array_equal(frames[i], still) for i in range(pause.start - 4, pause.start))


def test_nothing_outside_the_mouth_region_changes(rendered):
    prepared, frames, _, _ = rendered
    renderer = Renderer.for_model("builtin")
    x0, y0, x1, y1 = renderer.mouth_box(prepared)
    still = prepared.still_frame
    outside = np.ones(still.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert all(np.array_equal(f[outside], still[outside]) for f in frames)
    assert any(not np.array_equal(f, still) for f in frames)
