"""Model registry: the built-in model plus operators' models from config."""

import json

import pytest

from domain.config import ConfigError, Settings
from media.errors import MediaError
from media.render.model_catalog import ADAPTERS, BUILTIN, adapter_options, known_models, models_for_pool, open_model


def settings(models, pools="cpu,amd64-gpu"):
    return Settings.from_env({"TALKFARM_MODELS": json.dumps(models), "TALKFARM_POOLS": pools})


def test_the_built_in_model_is_always_known_and_runs_everywhere():
    models = known_models(Settings.from_env({}))
    assert list(models) == ["builtin"] and models["builtin"].path.is_file()
    assert set(BUILTIN.pools) == {"cpu", "amd64-gpu", "arm64-npu"}


def test_registered_models_are_known_with_their_pools(tmp_path):
    models = known_models(
        settings(
            [
                {
                    "name": "w2l",
                    "path": str(tmp_path / "w.onnx"),
                    "adapter": "wav2lip",
                    "pools": ["amd64-gpu"],
                    "options": {"channel_order": "rgb"},
                },
                {"name": "mine", "path": "/models/mine.onnx", "adapter": "builtin"},
            ]
        )
    )
    assert models["w2l"].adapter == "wav2lip" and models["w2l"].pools == ("amd64-gpu",)
    assert models["w2l"].options == {"channel_order": "rgb"}
    assert models["mine"].pools == ("cpu", "amd64-gpu")  # default: every pool of the farm


def test_a_job_for_a_model_no_pool_runs_can_be_refused(tmp_path):
    s = settings([{"name": "w2l", "path": "/m.onnx", "adapter": "wav2lip", "pools": ["amd64-gpu"]}])
    assert "w2l" not in models_for_pool(s, "cpu") and "w2l" in models_for_pool(s, "amd64-gpu")


@pytest.mark.parametrize(
    "entry, complaint",
    [
        ({"name": "x", "path": "/m.onnx", "adapter": "sonic"}, "adapter"),
        ({"name": "", "path": "/m.onnx", "adapter": "wav2lip"}, "name"),
        ({"name": "x", "adapter": "wav2lip"}, "path"),
        ({"name": "x", "path": "/m.onnx", "adapter": "wav2lip", "pools": ["gpu"]}, "pools"),
        ({"name": "builtin", "path": "/m.onnx", "adapter": "builtin"}, "taken"),
        ({"name": "x", "path": "/m.onnx", "adapter": "wav2lip", "weights": "y"}, "unknown field"),
    ],
)
def test_bad_registry_entries_are_config_errors_naming_the_problem(entry, complaint):
    with pytest.raises(ConfigError, match=complaint):
        known_models(settings([entry]))


def test_a_registered_model_missing_on_this_worker_fails_the_job(tmp_path):
    spec = known_models(settings([{"name": "gone", "path": str(tmp_path / "gone.onnx"), "adapter": "wav2lip"}]))["gone"]
    with pytest.raises(MediaError) as caught:
        open_model(spec, "cpu")
    assert caught.value.code == "model_unavailable"


def test_a_corrupt_model_file_fails_the_job(tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"not onnx")
    spec = known_models(settings([{"name": "bad", "path": str(path), "adapter": "wav2lip"}]))["bad"]
    with pytest.raises(MediaError) as caught:
        open_model(spec, "cpu")
    assert caught.value.code == "model_unavailable"


def test_every_adapter_kind_in_the_map_is_accepted_by_config_with_its_own_options():
    assert list(ADAPTERS) == ["builtin", "wav2lip", "face_crop"]
    assert adapter_options("builtin") == () and adapter_options("wav2lip") == ("channel_order",)
    for kind in ADAPTERS:
        spec = known_models(settings([{"name": kind + "-model", "path": "/m.onnx", "adapter": kind}]))[kind + "-model"]
        assert spec.adapter == kind


def test_a_builtin_adapter_model_of_the_wrong_shape_is_refused_naming_the_shape_expected(tmp_path):
    torch = pytest.importorskip("torch")
    from media.render import controls
    from media.render.adapters import ModelRefused
    from media.render.renderer import Renderer

    class TooFewFields(torch.nn.Module):
        def forward(self, controls_):
            return torch.zeros(controls_.shape[0], controls.GRID, controls.GRID, 3) + 0.0 * controls_.sum()

    path = tmp_path / "few.onnx"
    k = len(controls.CONTROL_NAMES)
    torch.onnx.export(
        TooFewFields(),
        (torch.zeros(2, k),),
        str(path),
        input_names=["controls"],
        output_names=["fields"],
        dynamic_axes={"controls": {0: "n"}, "fields": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    s = settings([{"name": "few", "path": str(path), "adapter": "builtin", "pools": ["cpu"]}])
    # torch exports this output's sizes as symbolic, so the trial run is what catches it
    expected = (
        rf"model 'few' \(adapter builtin\): a trial batch of 2 gave output shape \[2, {controls.GRID}, "
        rf"{controls.GRID}, 3\]; expected \[N, {controls.GRID}, {controls.GRID}, {len(controls.FIELD_NAMES)}\]"
    )
    with pytest.raises(ModelRefused, match=expected):
        Renderer.for_model("few", settings=s)
