"""A worker refuses an operator's model whose inputs or outputs do not fit its
adapter when it loads it (at warm-up), names the model and the shape expected,
fails that model's jobs with ``model_invalid`` (not retried), and goes on
serving its other models."""

from __future__ import annotations

import json

import pytest

from domain.config import Settings
from domain.db import upgrade
from media.errors import MediaError
from media.render.adapters import ModelRefused
from tasks.render_job import _as_failure
from workers.runtime import WorkerRuntime

torch = pytest.importorskip("torch")
NAMES = ["audio", "masked_face", "reference_face"]


class Reference(torch.nn.Module):
    def __init__(self, out_side: int):
        super().__init__()
        self.out_side = out_side

    def forward(self, audio, masked_face, reference_face):
        face = torch.nn.functional.interpolate(reference_face, size=(self.out_side, self.out_side))
        return face + 0.0 * (audio.mean() + masked_face.mean())


def export(path, out_side):
    torch.onnx.export(
        Reference(out_side),
        (torch.zeros(2, 80, 20), torch.zeros(2, 3, 64, 64), torch.zeros(2, 3, 64, 64)),
        str(path),
        input_names=NAMES,
        output_names=["face"],
        dynamic_axes={n: {0: "n"} for n in NAMES + ["face"]},
        opset_version=17,
        dynamo=False,
    )
    return path


@pytest.fixture
def runtime(tmp_path):
    models = [
        {"name": "good", "path": str(export(tmp_path / "good.onnx", 64)), "adapter": "face_crop"},
        {"name": "broken", "path": str(export(tmp_path / "broken.onnx", 32)), "adapter": "face_crop"},
        {"name": "elsewhere", "path": str(tmp_path / "absent.onnx"), "adapter": "wav2lip", "pools": ["amd64-gpu"]},
    ]
    settings = Settings.from_env(
        {"TALKFARM_MODELS": json.dumps(models)}, data_dir=tmp_path / "data", pools=("cpu", "amd64-gpu")
    )
    upgrade(settings)
    return WorkerRuntime(settings, "cpu", 1, ["CPUExecutionProvider"])


def test_loading_the_pool_s_models_refuses_the_misshapen_one_and_keeps_the_others(runtime, caplog):
    refused = runtime.load_models()
    assert list(refused) == ["broken"]  # "elsewhere" is another pool's: not loaded here
    assert refused["broken"].startswith("model_invalid: model 'broken' (adapter face_crop)")
    assert "expected [N, 3, 64, 64]" in refused["broken"]
    assert "not serving model broken" in caplog.text
    assert runtime.renderer("good").mouth.crop.side == 64
    assert runtime.renderer("builtin").spec.name == "builtin"


def test_a_job_for_the_refused_model_fails_with_its_code_and_is_not_retried(runtime):
    runtime.load_models()
    with pytest.raises(ModelRefused) as caught:
        runtime.renderer("broken")  # what the frames stage asks for
    failure = _as_failure(caught.value)
    assert (failure.code, failure.retryable) == ("model_invalid", False)
    assert "'broken'" in failure.message and "expected [N, 3, 64, 64]" in failure.message


def test_the_refusals_of_warm_up_go_out_with_the_heartbeat(runtime):
    from domain.models import Worker

    runtime.start()
    try:
        runtime.warm_up()
        runtime._beat()
        with runtime.sessions() as session:
            row = session.get(Worker, runtime.worker_id)
            assert row is not None and list(row.refused_models) == ["broken"]
            assert row.refused_models["broken"].startswith("model_invalid: model 'broken'")
    finally:
        runtime.stop()


def test_replacing_a_refused_model_s_file_serves_it_without_a_restart(runtime, tmp_path):
    from domain.models import Worker

    runtime.start()
    try:
        runtime.warm_up()
        runtime.retry_changed_models()  # the file has not changed: still refused
        assert list(runtime.refused_models) == ["broken"]

        export(tmp_path / "broken.onnx", 64)  # the operator puts a file of the right shape in its place
        runtime.retry_changed_models()  # what the next heartbeat does
        assert runtime.refused_models == {}
        assert runtime.renderer("broken").mouth.crop.side == 64
        runtime._beat()
        with runtime.sessions() as session:
            assert session.get(Worker, runtime.worker_id).refused_models == {}
    finally:
        runtime.stop()


def test_a_model_that_goes_bad_after_warm_up_is_reported_by_its_next_load(runtime, tmp_path):
    runtime.warm_up()
    assert list(runtime.refused_models) == ["broken"]
    runtime._renderers.pop("good")  # as in a new worker process that loads it for its first job
    (tmp_path / "good.onnx").write_bytes(b"not a model")
    with pytest.raises(MediaError):
        runtime.renderer("good")
    assert sorted(runtime.refused_models) == ["broken", "good"]
    with pytest.raises(MediaError):
        runtime.renderer("elsewhere")  # another pool's model is not this worker's to report
    assert sorted(runtime.refused_models) == ["broken", "good"]
