"""Bring-your-own models that redraw the whole face crop (adapter ``face_crop``,
MuseTalk's shape): log-mel features and a masked plus a reference face in,
the face crop out, in one batched call; and models of the wrong shape refused.

The models here are tiny stand-ins the tests build with torch. The painter has
the contract's inputs and output (docs/adapters.md) at a 64-pixel crop: it
returns the reference face, with the lower half's green channel replaced by
the loudness of the frame's audio window plus whatever the masked face holds
there (0, if the adapter blanked it).
"""

import json

import numpy as np
import pytest

from domain.config import ConfigError, Settings
from domain.presets import PRESETS
from media.render.adapters import ModelRefused
from media.render.audio_features import LOG_MEL_SILENCE, log_mel, log_mel_windows
from media.render.batcher import DirectRunner
from media.render.face import analyze_portrait
from media.render.model_catalog import known_models
from media.render.renderer import Renderer
from tests.unit.media.render.face_crop_regions import untouched_regions

torch = pytest.importorskip("torch")
SR = 16000
SIDE, STEPS = 64, 20
PARAMS = {"resolution": 256, "motion_scale": 0.0, "min_resolution": 64, "lip_sync_correction": False}


class LoudnessPainter(torch.nn.Module):
    def forward(self, audio, masked_face, reference_face):
        loudness = ((audio.amax(dim=(1, 2)) + 1.0) / 2.0).clamp(0, 1).reshape(-1, 1, 1)
        half = reference_face.shape[2] // 2
        green_lower = loudness * torch.ones_like(reference_face[:, 1, half:, :]) + masked_face[:, 1, half:, :]
        green = torch.cat([reference_face[:, 1, :half, :], green_lower], dim=1)
        return torch.stack([reference_face[:, 0], green, reference_face[:, 2]], dim=1)


class Shaped(torch.nn.Module):
    """Takes anything, returns zeros of a given shape per row: for wrong-shape models."""

    def __init__(self, out_shape):
        super().__init__()
        self.out_shape = out_shape

    def forward(self, audio, masked_face, reference_face):
        n = masked_face.shape[0]
        return (
            torch.zeros((n, *self.out_shape))
            + 0.0 * masked_face.mean()
            + 0.0 * audio.mean()
            + 0.0 * reference_face.mean()
        )


def export(module, path, shapes, names=("audio", "masked_face", "reference_face"), dynamic=True):
    inputs = tuple(torch.zeros(2, *s) for s in shapes)
    axes = {n: {0: "n"} for n in (*names, "face")} if dynamic else None
    torch.onnx.export(
        module,
        inputs,
        str(path),
        input_names=list(names),
        output_names=["face"],
        dynamic_axes=axes,
        opset_version=17,
        dynamo=False,
    )
    return path


def settings_for(models):
    return Settings.from_env(
        {
            "TALKFARM_MODELS": json.dumps(
                [{"name": n, "path": str(p), "adapter": "face_crop", "pools": ["cpu"]} for n, p in models.items()]
            )
        }
    )


GOOD_SHAPES = [(80, STEPS), (3, SIDE, SIDE), (3, SIDE, SIDE)]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("face-crop-models")


@pytest.fixture(scope="module")
def painter_path(model_dir):
    return export(LoudnessPainter(), model_dir / "painter.onnx", GOOD_SHAPES)


@pytest.fixture(scope="module")
def renderer(painter_path):
    return Renderer.for_model("painter", settings=settings_for({"painter": painter_path}))


@pytest.fixture(scope="module")
def clip(renderer):
    data = PRESETS["astronaut"].read_bytes()
    prepared = renderer.prepare(data, analyze_portrait(data), PARAMS)
    tone = 0.5 * np.sin(np.arange(SR) * 2 * np.pi * 220 / SR).astype(np.float32)
    audio = np.concatenate([np.zeros(SR // 2, np.float32), tone, np.zeros(SR // 2, np.float32)])
    return prepared, audio, list(renderer.render(prepared, audio, SR, PARAMS))


# --- the audio features -------------------------------------------------------------------
def test_log_mel_is_80_bands_at_100_frames_per_second_and_silence_is_minus_one():
    assert log_mel(np.zeros(SR), SR).shape == (80, 101)
    assert (log_mel(np.zeros(SR), SR) == LOG_MEL_SILENCE).all() and LOG_MEL_SILENCE == -1.0
    tone = 0.5 * np.sin(np.arange(SR) * 2 * np.pi * 1000 / SR)
    mel = log_mel(tone, SR)
    # Slaney mel of 0..8 kHz in 82 points: 1 kHz is mel 15 of 0..~45.2, band 26 (its peak)
    assert int(mel[:, 50].argmax()) == 26
    assert 0.5 < mel.max() < 1.5
    assert log_mel(0.5 * np.sin(np.arange(22050) * 2 * np.pi * 1000 / 22050), 22050).shape == (80, 101)


def test_each_video_frame_gets_the_window_centred_on_its_middle():
    mel = np.tile(np.arange(300, dtype=np.float32), (80, 1))  # each column holds its frame number
    windows = log_mel_windows(mel, fps=25, n_frames=75, steps=STEPS)
    assert windows.shape == (75, 80, STEPS)
    # frame 10 is shown from 0.40 s to 0.44 s: its middle is log-mel frame 42, the window 32..51
    assert list(windows[10, 0, [0, STEPS // 2, -1]]) == [32.0, 42.0, 51.0]
    assert (windows[0, :, :8] == LOG_MEL_SILENCE).all()  # before the segment: silence
    assert windows[0, 0, 8] == 0.0
    assert (windows[74, :, -1] == LOG_MEL_SILENCE).all()  # after its end too
    assert log_mel_windows(mel, 25, 75, STEPS, shift_frames=2)[10, 0, STEPS // 2] == 50.0


# --- rendering through the adapter --------------------------------------------------------
def test_the_crop_side_and_audio_window_come_from_the_model_file(renderer):
    assert (renderer.mouth.crop.side, renderer.mouth.crop.steps) == (SIDE, STEPS)
    assert renderer.mouth.batch_key == ("painter", "face_crop", SIDE)


def test_the_model_redraws_the_lower_face_only(clip):
    prepared, _, frames = clip
    still = prepared.still_frame
    outside, upper = untouched_regions(prepared)
    assert len(frames) == 50
    for frame in frames:
        assert np.array_equal(frame[outside], still[outside])
        assert np.array_equal(frame[upper], still[upper])


def test_loudness_reaches_the_frames_it_belongs_to_and_the_faces_are_fed_the_right_way_round(clip):
    prepared, _, frames = clip
    box, m = prepared.mouth, prepared.framing.margin
    cx, cy = box.left - m + box.size // 2, box.top - m + int(box.size * 0.8)
    loud, silent, original = frames[25][cy, cx], frames[3][cy, cx], prepared.still_frame[cy, cx]
    assert loud[1] > 200 and silent[1] < 10  # green follows the loudness; the masked half was 0
    assert abs(int(loud[0]) - int(original[0])) < 25  # red is the reference face's, not the blanked one
    assert abs(int(loud[2]) - int(original[2])) < 25


def test_a_chunk_is_one_model_call_and_batched_output_equals_one_frame_at_a_time(renderer, clip):
    prepared, audio, _ = clip
    plan = renderer.mouth.plan(prepared.mouth, audio, SR, {**PARAMS, "fps": 25, "dynamic_scale": 1.0}, 50, 0)

    class Counting(DirectRunner):
        calls = 0

        def run(self, key, model, feeds):
            Counting.calls += 1
            assert len(next(iter(feeds.values()))) == 8
            return super().run(key, model, feeds)

    together = renderer.mouth.draw(prepared.mouth, prepared.canvas, plan, np.arange(20, 28), Counting())
    assert Counting.calls == 1
    for i, patch in zip(range(20, 28), together):
        (alone,) = renderer.mouth.draw(prepared.mouth, prepared.canvas, plan, np.array([i]), DirectRunner())
        assert alone[2].tobytes() == patch[2].tobytes()


def test_dynamic_scale_zero_leaves_the_mouth_as_in_the_portrait(renderer, clip):
    prepared, audio, _ = clip
    frames = list(renderer.render(prepared, audio, SR, {**PARAMS, "dynamic_scale": 0.0}))
    assert all(np.array_equal(f, prepared.still_frame) for f in frames)


# --- models of the wrong shape -------------------------------------------------------------
@pytest.mark.parametrize(
    "name, module, shapes, kwargs, expected",
    [
        (
            "forty-bands",
            Shaped((3, SIDE, SIDE)),
            [(40, STEPS), (3, SIDE, SIDE), (3, SIDE, SIDE)],
            {},
            r"input 'audio' .* has shape \[n, 40, 20\]; expected \[N, 80, 20\]",
        ),
        ("small-output", Shaped((3, 32, 32)), GOOD_SHAPES, {}, r"3, 32, 32\]; expected \[N, 3, 64, 64\]"),
        (
            "not-square",
            Shaped((3, SIDE, SIDE)),
            [(80, STEPS), (3, SIDE, 48), (3, SIDE, 48)],
            {},
            r"input 'masked_face' .* has shape \[n, 3, 64, 48\]; expected \[N, 3, 48, 48\]",
        ),
        (
            "grey-faces",
            Shaped((3, SIDE, SIDE)),
            [(80, STEPS), (1, SIDE, SIDE), (1, SIDE, SIDE)],
            {},
            r"input 'masked_face' .* expected \[N, 3, 64, 64\]",
        ),
        (
            "batch-of-two",
            Shaped((3, SIDE, SIDE)),
            GOOD_SHAPES,
            {"dynamic": False},
            r"fixed batch size 2; expected \[N, 80, 20\]",
        ),
        (
            "renamed",
            Shaped((3, SIDE, SIDE)),
            GOOD_SHAPES,
            {"names": ("mel", "masked_face", "reference_face")},
            r"no input audio: expected inputs audio \[N, 80, 20\], masked_face \[N, 3, 64, 64\], reference_face \[N, 3, 64, 64\]; "
            r"the file has mel",
        ),
    ],
)
def test_a_model_of_the_wrong_shape_is_refused_at_load_naming_it_and_the_shape_expected(
    model_dir, name, module, shapes, kwargs, expected
):
    path = export(module, model_dir / f"{name}.onnx", shapes, **kwargs)
    with pytest.raises(ModelRefused, match=expected) as caught:
        Renderer.for_model(name, settings=settings_for({name: path}))
    assert caught.value.code == "model_invalid" and f"model {name!r} (adapter face_crop)" in caught.value.detail


def test_a_model_whose_declared_shapes_lie_is_caught_by_the_trial_run(model_dir):
    class Flattened(torch.nn.Module):
        def forward(self, audio, masked_face, reference_face):
            unused = 0.0 * (audio.mean() + masked_face.mean())
            return (
                reference_face[:, :, : reference_face.shape[2] // 2, :] + unused
            )  # half the crop, symbolic in the file

    path = model_dir / "liar.onnx"
    names = ["audio", "masked_face", "reference_face"]
    torch.onnx.export(
        Flattened(),
        tuple(torch.zeros(2, *s) for s in GOOD_SHAPES),
        str(path),
        input_names=names,
        output_names=["face"],
        dynamic_axes={**{n: {0: "n"} for n in names}, "face": {0: "n", 2: "h"}},
        opset_version=17,
        dynamo=False,
    )
    with pytest.raises(
        ModelRefused, match=r"a trial batch of 2 gave output shape \[2, 3, 32, 64\]; expected \[N, 3, 64, 64\]"
    ):
        Renderer.for_model("liar", settings=settings_for({"liar": path}))


def test_a_refused_model_stays_refused_and_the_other_models_keep_rendering(model_dir, painter_path):
    broken = export(Shaped((3, 32, 32)), model_dir / "broken.onnx", GOOD_SHAPES)
    settings = settings_for({"broken": broken, "painter": painter_path})
    for _ in range(2):
        with pytest.raises(ModelRefused, match="'broken'"):
            Renderer.for_model("broken", settings=settings)
    assert Renderer.for_model("painter", settings=settings).mouth.crop.side == SIDE
    assert Renderer.for_model("builtin", settings=settings).spec.name == "builtin"


# --- config --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "entry, complaint",
    [
        (
            {"name": "x", "path": "/m.onnx", "adapter": "face_crop", "options": {"side": 256}},
            "unknown option.*side for adapter face_crop; it takes channel_order",
        ),
        (
            {"name": "x", "path": "/m.onnx", "adapter": "builtin", "options": {"channel_order": "rgb"}},
            "unknown option.*channel_order for adapter builtin; it takes none",
        ),
        ({"name": "x", "path": "/m.onnx"}, "adapter is required, one of builtin, wav2lip, face_crop"),
    ],
)
def test_face_crop_config_errors_name_the_problem(entry, complaint):
    with pytest.raises(ConfigError, match=complaint):
        known_models(Settings.from_env({"TALKFARM_MODELS": json.dumps([entry])}))


def test_a_bad_channel_order_refuses_the_model(painter_path):
    settings = Settings.from_env(
        {
            "TALKFARM_MODELS": json.dumps(
                [{"name": "p", "path": str(painter_path), "adapter": "face_crop", "options": {"channel_order": "bgra"}}]
            )
        }
    )
    with pytest.raises(ModelRefused, match="channel_order must be 'bgr' or 'rgb', not 'bgra'"):
        Renderer.for_model("p", settings=settings)


def test_frames_of_several_jobs_share_calls_and_come_out_as_they_would_alone(painter_path):
    import threading

    from media.render.batcher import DynamicBatcher

    settings = settings_for({"painter": painter_path})
    portraits = []
    for name in ("astronaut", "astronaut_wide"):
        data = PRESETS[name].read_bytes()
        portraits.append((data, analyze_portrait(data)))
    tone = 0.5 * np.sin(np.arange(SR) * 2 * np.pi * 220 / SR).astype(np.float32)
    audio = np.concatenate([np.zeros(SR // 4, np.float32), tone])
    alone = Renderer.for_model("painter", settings=settings)
    expected = [
        [f.tobytes() for f in alone.render(alone.prepare(*p, PARAMS), audio[i * 800 :], SR, PARAMS)]
        for i, p in enumerate(portraits)
    ]
    batcher = DynamicBatcher(max_batch_size=16, max_batch_delay_ms=2000)
    shared = Renderer.for_model("painter", settings=settings, batcher=batcher)
    got: dict[int, list[bytes]] = {}
    start = threading.Barrier(2)

    def job(i):
        prepared = shared.prepare(*portraits[i], PARAMS)
        # both jobs count as clients before either sends a frame, as running jobs do: otherwise the
        # first could finish alone before the second registers (a slow start, on a busy machine)
        with batcher.client():
            start.wait()
            got[i] = [f.tobytes() for f in shared.render(prepared, audio[i * 800 :], SR, PARAMS)]

    threads = [threading.Thread(target=job, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert [got[i] for i in range(2)] == expected
    assert max(batcher.stats.snapshot()["batch_sizes"]) > 8  # two jobs' chunks went through one call


def test_lip_sync_correction_finds_the_stand_in_in_sync(renderer, clip):
    prepared, _, _ = clip
    assert renderer.correction_frames(prepared, {"fps": 25}) in (-1, 0, 1)
