"""Execution providers per pool, tag detection, and the CPU fallback."""

import pytest

from media.render.model_catalog import BUILTIN_PATH
from media.render.providers import CANN, CPU, CUDA, TENSORRT, choose_providers, detect_tag, load_model

# What onnxruntime.get_available_providers() reports on each kind of machine.
GPU_BOX = [TENSORRT, CUDA, CPU]
CUDA_ONLY_BOX = [CUDA, CPU]
NPU_BOX = [CANN, CPU]
PLAIN_BOX = ["AzureExecutionProvider", CPU]


@pytest.mark.parametrize(
    "tag, available, expected",
    [
        ("amd64-gpu", GPU_BOX, [TENSORRT, CUDA, CPU]),
        ("amd64-gpu", list(reversed(GPU_BOX)), [TENSORRT, CUDA, CPU]),
        ("amd64-gpu", CUDA_ONLY_BOX, [CUDA, CPU]),
        ("amd64-gpu", PLAIN_BOX, [CPU]),
        ("arm64-npu", NPU_BOX, [CANN, CPU]),
        ("arm64-npu", GPU_BOX, [CPU]),
        ("cpu", GPU_BOX, [CPU]),
        ("cpu", NPU_BOX, [CPU]),
    ],
)
def test_providers_are_chosen_best_first_for_the_pool(tag, available, expected):
    assert choose_providers(tag, available) == expected


def test_unknown_pool_tag_is_refused():
    with pytest.raises(ValueError):
        choose_providers("tpu", [CPU])


@pytest.mark.parametrize(
    "machine, available, tag",
    [
        ("x86_64", GPU_BOX, "amd64-gpu"),
        ("AMD64", CUDA_ONLY_BOX, "amd64-gpu"),
        ("x86_64", PLAIN_BOX, "cpu"),
        ("aarch64", NPU_BOX, "arm64-npu"),
        ("arm64", NPU_BOX, "arm64-npu"),
        ("aarch64", CUDA_ONLY_BOX, "cpu"),  # no arm64 GPU pool
        ("x86_64", NPU_BOX, "cpu"),
    ],
)
def test_tag_detection_from_machine_and_providers(machine, available, tag):
    assert detect_tag(machine, available) == tag


class FakeSession:
    def __init__(self, providers):
        self._providers = providers

    def get_providers(self):
        return self._providers


def test_accelerator_session_is_used_when_it_can_be_created():
    model = load_model(
        BUILTIN_PATH, "amd64-gpu", available=GPU_BOX, session_factory=lambda p, prov, t: FakeSession(prov)
    )
    assert model.effective_tag == "amd64-gpu" and model.providers[0] == TENSORRT


def test_a_failing_accelerator_falls_back_to_cpu_and_says_so():
    def factory(path, providers, threads):
        if providers != [CPU]:
            raise RuntimeError("libcudnn.so.9: cannot open shared object file")
        return FakeSession(providers)

    model = load_model(BUILTIN_PATH, "amd64-gpu", available=GPU_BOX, session_factory=factory)
    assert model.effective_tag == "cpu" and model.providers == [CPU]
    assert "libcudnn" in model.fallback_reason


def test_a_session_that_silently_lands_on_cpu_reports_cpu():
    model = load_model(
        BUILTIN_PATH, "arm64-npu", available=NPU_BOX, session_factory=lambda p, prov, t: FakeSession([CPU])
    )
    assert model.effective_tag == "cpu"


def test_the_built_in_model_loads_on_this_machine():
    model = load_model(BUILTIN_PATH, "cpu")
    assert model.effective_tag == "cpu" and model.input_names == ["controls"]
