"""Model registry: the built-in model plus operators' models from config."""

import json

import pytest

from domain.config import ConfigError, Settings
from media.errors import MediaError
from media.render.registry import BUILTIN, known_models, models_for_pool, open_model


def settings(models, pools="cpu,amd64-gpu"):
    return Settings.from_env({"TALKFARM_MODELS": json.dumps(models), "TALKFARM_POOLS": pools})


def test_the_built_in_model_is_always_known_and_runs_everywhere():
    models = known_models(Settings.from_env({}))
    assert list(models) == ["builtin"] and models["builtin"].path.is_file()
    assert set(BUILTIN.pools) == {"cpu", "amd64-gpu", "arm64-npu"}


def test_registered_models_are_known_with_their_pools(tmp_path):
    models = known_models(settings([
        {"name": "w2l", "path": str(tmp_path / "w.onnx"), "adapter": "wav2lip", "pools": ["amd64-gpu"],
         "options": {"channel_order": "rgb"}},
        {"name": "mine", "path": "/models/mine.onnx", "adapter": "builtin"},
    ]))
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
