"""The built-in model: the committed ONNX file is the torch definition, its
rest state moves nothing, and rows do not depend on their batch."""

import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pytest

from media.render import controls as ctl
from media.render.model_catalog import BUILTIN_PATH

torch = pytest.importorskip("torch")


def random_controls(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.zeros((n, ctl.COUNT), np.float32)
    values = {
        "jaw": rng.uniform(0, 1.5, n),
        "width": rng.uniform(-1, 1, n),
        "close": rng.uniform(0, 1, n),
        "tuck": rng.uniform(0, 1, n),
        "tongue": rng.uniform(0, 1, n),
        "teeth": rng.uniform(0, 1, n),
        "mouth_x": rng.uniform(80, 120, n),
        "mouth_y": rng.uniform(60, 90, n),
        "cos_roll": np.cos(rng.uniform(-0.2, 0.2, n)),
        "half_width": rng.uniform(30, 50, n),
        "lower_curve": rng.uniform(-0.01, 0.002, n),
        "rest_gap": rng.uniform(0, 8, n),
        "upper_teeth": rng.uniform(-4, 3, n),
        "chin": rng.uniform(50, 70, n),
        "jaw_curve": rng.uniform(0.003, 0.01, n),
        "chin_falloff": rng.uniform(20, 30, n),
        "nose": rng.uniform(-50, -30, n),
        "hinge_reach": rng.uniform(70, 110, n),
        "lip_band": rng.uniform(20, 40, n),
        "grid_step": rng.uniform(3.5, 5, n),
    }
    values["sin_roll"] = np.sqrt(1 - values["cos_roll"] ** 2)
    for name, v in values.items():
        rows[:, ctl.INDEX[name]] = v
    return rows


@pytest.fixture(scope="module")
def session():
    return ort.InferenceSession(str(BUILTIN_PATH), providers=["CPUExecutionProvider"])


def test_committed_onnx_computes_what_the_torch_model_defines(session):
    from media.render.builtin.model import MouthMotion

    rows = random_controls(6)
    expected = MouthMotion()(torch.from_numpy(rows)).numpy()
    (actual,) = session.run(None, {"controls": rows})
    assert actual.shape == (6, ctl.GRID, ctl.GRID, len(ctl.FIELD_NAMES))
    assert np.allclose(actual, expected, atol=1e-3)


def test_a_mouth_at_rest_moves_and_covers_nothing(session):
    rows = random_controls(3)
    rows[:, : ctl.ANIMATION_COUNT] = 0
    (fields,) = session.run(None, {"controls": rows})
    for name in ("shift_x", "shift_y", "cavity_strength"):
        assert (fields[..., ctl.FIELD_INDEX[name]] == 0).all()
    assert ctl.at_rest(rows).all()


def test_an_open_mouth_moves_the_lower_lip_down_and_keeps_the_region_edge_still(session):
    rows = random_controls(1)
    rows[:, ctl.INDEX["close"]] = rows[:, ctl.INDEX["tuck"]] = 0
    (fields,) = session.run(None, {"controls": rows})
    shift_y = fields[0, ..., ctl.FIELD_INDEX["shift_y"]]
    assert shift_y.max() > 3
    edge = np.concatenate([shift_y[0], shift_y[-1], shift_y[:, 0], shift_y[:, -1]])
    assert (edge == 0).all()


def test_a_row_gives_the_same_bytes_whatever_it_is_batched_with(session):
    rows = random_controls(16, seed=5)
    (together,) = session.run(None, {"controls": rows})
    for i in (0, 7, 15):
        (alone,) = session.run(None, {"controls": rows[i : i + 1]})
        assert alone[0].tobytes() == together[i].tobytes()


def test_rendering_does_not_import_torch():
    code = (
        "import sys, numpy as np\n"
        "from media.render.renderer import Renderer\n"
        "from media.render import batcher, providers, model_catalog, wav2lip, quality\n"
        "r = Renderer.for_model('builtin')\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_barely_parted_mouth_fades_in_instead_of_drawing_a_dark_line(session):
    from domain.presets import PRESETS
    from media.render.builtin.mouth import FieldApplier
    from media.render.face import analyze_portrait
    from media.render.renderer import Renderer

    data = PRESETS["astronaut"].read_bytes()
    renderer = Renderer.for_model("builtin")
    prepared = renderer.prepare(data, analyze_portrait(data), {"resolution": 512})
    region = prepared.mouth
    pixels = prepared.canvas[region.top : region.top + region.size, region.left : region.left + region.size]
    applier = FieldApplier(region.size)

    def largest_change(open_: float) -> int:
        rows = region.controls(np.array([open_], np.float32), np.zeros(1, np.float32))
        (fields,) = session.run(None, {"controls": rows})
        x, y, window = applier.apply(pixels, fields[0], region.interior, region.face_mask, rows[0])
        before = pixels[y : y + window.shape[0], x : x + window.shape[1]].astype(int)
        return int(np.abs(window.astype(int) - before).max())

    assert largest_change(0.01) < 40
    assert largest_change(0.8) > 100


def test_the_jaw_drops_the_chin_most_at_the_centre_and_fades_towards_the_hinge_and_down_the_neck(session):
    rows = random_controls(1, seed=3)
    rows[:, : ctl.ANIMATION_COUNT] = 0
    rows[:, ctl.INDEX["jaw"]] = 1.0
    rows[:, ctl.INDEX["cos_roll"]], rows[:, ctl.INDEX["sin_roll"]] = 1.0, 0.0
    (fields,) = session.run(None, {"controls": rows})
    shift_y = fields[0, ..., ctl.FIELD_INDEX["shift_y"]]
    step = rows[0, ctl.INDEX["grid_step"]]

    def at(lx: float, ly: float) -> float:
        j = int(round((rows[0, ctl.INDEX["mouth_x"]] + lx + 0.5) / step - 0.5))
        i = int(round((rows[0, ctl.INDEX["mouth_y"]] + ly + 0.5) / step - 0.5))
        return float(shift_y[i, j])

    chin, curve = rows[0, ctl.INDEX["chin"]], rows[0, ctl.INDEX["jaw_curve"]]
    reach = rows[0, ctl.INDEX["hinge_reach"]]
    # On the jaw's outline everything is carried; halfway to the hinge a point is
    # 1 - 0.5² as far forward of the hinge axis as the chin, and drops that much less.
    lx = 0.5 * reach
    assert at(lx, chin - curve * lx * lx) / at(0, chin) == pytest.approx(0.75, abs=0.05)
    assert at(0, chin) > 10 * abs(at(0, chin + 1.2 * rows[0, ctl.INDEX["chin_falloff"]]))
    assert at(0, -0.9 * abs(rows[0, ctl.INDEX["nose"]])) <= 0.0  # above the lips nothing drops
