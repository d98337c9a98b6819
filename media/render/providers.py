"""Execution providers: which onnxruntime backends a pool uses, best first.

| tag | providers, best first |
| --- | --- |
| ``amd64-gpu`` | TensorRT, CUDA, CPU |
| ``arm64-npu`` | CANN, CPU |
| ``cpu`` | CPU |

A session that cannot be created on an accelerator (driver missing, device
busy, an operator the provider lacks) falls back to the CPU, logs why, and
reports the tag it really serves as ``effective_tag`` so the worker can
advertise itself honestly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"
CANN = "CANNExecutionProvider"

PREFERENCES: dict[str, tuple[str, ...]] = {
    "amd64-gpu": (TENSORRT, CUDA, CPU),
    "arm64-npu": (CANN, CPU),
    "cpu": (CPU,),
}
#: CPU threads one session may use; a worker runs several jobs, and the encoder needs cores too
CPU_THREADS = 1


def detect_tag(machine: str, available: Sequence[str]) -> str:
    """The pool tag this hardware serves: ``platform.machine()`` + ``get_available_providers()``."""
    arch = machine.strip().lower()
    if arch in ("x86_64", "amd64", "x64") and CUDA in available:
        return "amd64-gpu"
    if arch in ("aarch64", "arm64", "armv8", "armv8l") and CANN in available:
        return "arm64-npu"
    return "cpu"


def choose_providers(tag: str, available: Sequence[str]) -> list[str]:
    """This pool's providers, best first, among those onnxruntime has; CPU always last."""
    if tag not in PREFERENCES:
        raise ValueError(f"unknown pool tag {tag!r}; known: {', '.join(PREFERENCES)}")
    chosen = [p for p in PREFERENCES[tag] if p in available and p != CPU]
    return chosen + [CPU]


def served_tag(providers: Sequence[str]) -> str:
    """The pool a session really serves, from the providers it actually runs on."""
    if TENSORRT in providers or CUDA in providers:
        return "amd64-gpu"
    if CANN in providers:
        return "arm64-npu"
    return "cpu"


@dataclass
class OnnxModel:
    """One onnxruntime session shared by all threads of a worker (``run`` is thread-safe)."""

    path: Path
    session: Any
    providers: list[str]
    effective_tag: str
    fallback_reason: str = ""

    @property
    def input_names(self) -> list[str]:
        return [i.name for i in self.session.get_inputs()]

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        outputs: list[np.ndarray] = self.session.run(None, feeds)
        return outputs


def load_model(
    path: Path | str,
    tag: str,
    *,
    available: Sequence[str] | None = None,
    cpu_threads: int = CPU_THREADS,
    session_factory: Callable[..., Any] | None = None,
) -> OnnxModel:
    """A session for ``path`` on the best providers of ``tag``, falling back to the CPU."""
    import onnxruntime as ort

    available = list(ort.get_available_providers() if available is None else available)
    providers = choose_providers(tag, available)
    create = session_factory or _create_session
    reason = ""
    if providers != [CPU]:
        try:
            session = create(path, providers, cpu_threads)
            running = list(session.get_providers())
            if served_tag(running) != "cpu":
                return OnnxModel(Path(path), session, running, served_tag(running))
            reason = f"onnxruntime placed the model on {running} only"
        except Exception as exc:  # noqa: BLE001 - any provider failure means: use the CPU
            reason = f"{type(exc).__name__}: {exc}"
        log.warning("cannot run %s on %s (%s); falling back to the CPU", path, providers[:-1], reason)
    session = create(path, [CPU], cpu_threads)
    return OnnxModel(Path(path), session, [CPU], "cpu", fallback_reason=reason)


def _create_session(path: Path | str, providers: list[str], cpu_threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = cpu_threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=providers)
