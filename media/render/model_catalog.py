"""Render models: the built-in one plus those operators register in config,
and the adapters that plug them into the renderer.

``TALKFARM_MODELS`` is a JSON list (or a path to one) of
``{"name", "path", "adapter", "pools", "options"}``:

- ``adapter`` (required) names the adapter kind, a key of ``ADAPTERS``:
  ``builtin`` (the built-in motion model's interface), ``wav2lip``
  (Wav2Lip-style models) or ``face_crop`` (MuseTalk-shaped models that redraw
  the whole face crop); docs/adapters.md gives each one's ONNX contract;
- ``pools``: the pool tags whose workers hold the file (default: every pool
  of the farm);
- ``options``: the adapter's keyword options, e.g. ``{"channel_order": "rgb"}``
  for ``wav2lip`` and ``face_crop``.

The API asks ``known_models`` whether some pool can run a job's model (422 if
none). A worker loads the file when a job first needs it (or at warm-up),
shares the session between its threads, and checks the file against its
adapter's contract: a model with other inputs or outputs is refused with
``ModelRefused`` (code ``model_invalid``), naming the model and the shape
expected; the worker goes on serving its other models.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from domain.config import POOL_TAGS, ConfigError, Settings
from media.errors import MediaError
from media.render import controls
from media.render.adapters import AdapterFactory, ModelRefused, RenderAdapter, TensorShape, check_tensors, trial_run
from media.render.builtin import MODEL_PATH
from media.render.builtin.adapter import BuiltinMouth
from media.render.musetalk import musetalk_adapter
from media.render.providers import CPU_THREADS, OnnxModel, load_model
from media.render.wav2lip import wav2lip_adapter

BUILTIN_NAME = "builtin"
BUILTIN_PATH = MODEL_PATH


def builtin_adapter(model: OnnxModel, key: str) -> BuiltinMouth:
    """``ADAPTERS["builtin"]``: controls ``[N, K]`` in, motion fields out."""
    fields = TensorShape("motion fields", (None, controls.GRID, controls.GRID, len(controls.FIELD_NAMES)))
    check_tensors(
        key,
        "builtin",
        model.session,
        {"controls": TensorShape("per-frame controls", (None, len(controls.CONTROL_NAMES)))},
        [fields],
    )
    trial_run(key, "builtin", model, {"controls": np.zeros((2, len(controls.CONTROL_NAMES)), np.float32)}, fields)
    return BuiltinMouth(model, key=key)


#: adapter name in config -> factory(model, key=<model name>, **options), as Celery's BACKEND_ALIASES
ADAPTERS: dict[str, AdapterFactory] = {
    "builtin": builtin_adapter,
    "wav2lip": wav2lip_adapter,
    "face_crop": musetalk_adapter,
}


@dataclass(frozen=True)
class ModelSpec:
    name: str
    path: Path
    adapter: str
    pools: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)

    def runs_on(self, tag: str) -> bool:
        return tag in self.pools


BUILTIN = ModelSpec(BUILTIN_NAME, BUILTIN_PATH, "builtin", POOL_TAGS)


def known_models(settings: Settings) -> dict[str, ModelSpec]:
    """Every model a job may name, the built-in one first; ``ConfigError`` on a bad entry."""
    models = {BUILTIN_NAME: BUILTIN}
    for position, entry in enumerate(settings.model_registry()):
        spec = _spec(entry, position, settings.pools)
        if spec.name in models:
            raise ConfigError(f"TALKFARM_MODELS[{position}]: the name {spec.name!r} is taken")
        models[spec.name] = spec
    return models


def models_for_pool(settings: Settings, tag: str) -> dict[str, ModelSpec]:
    return {name: spec for name, spec in known_models(settings).items() if spec.runs_on(tag)}


def adapter_options(adapter: str) -> tuple[str, ...]:
    """The option names an adapter takes: its factory's keyword-only parameters."""
    parameters = inspect.signature(ADAPTERS[adapter]).parameters.values()
    return tuple(p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY)


def _spec(entry: Any, position: int, farm_pools: tuple[str, ...]) -> ModelSpec:
    where = f"TALKFARM_MODELS[{position}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected an object with name, path, adapter, pools")
    unknown = set(entry) - {"name", "path", "adapter", "pools", "options"}
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    name, path, adapter = entry.get("name"), entry.get("path"), entry.get("adapter")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: name must be a non-empty string")
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(f"{where} ({name}): path must be a file path")
    if adapter is None:
        raise ConfigError(f"{where} ({name}): adapter is required, one of {', '.join(ADAPTERS)} (see docs/adapters.md)")
    if adapter not in ADAPTERS:
        raise ConfigError(f"{where} ({name}): adapter must be one of {', '.join(ADAPTERS)}, not {adapter!r}")
    pools = entry.get("pools", list(farm_pools))
    if isinstance(pools, str):
        pools = [p.strip() for p in pools.split(",") if p.strip()]
    if not isinstance(pools, list) or not pools or any(p not in POOL_TAGS for p in pools):
        raise ConfigError(f"{where} ({name}): pools must be a non-empty list of {', '.join(POOL_TAGS)}")
    options = entry.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError(f"{where} ({name}): options must be an object")
    accepted = adapter_options(adapter)
    stray = sorted(set(options) - set(accepted))
    if stray:
        takes = f"it takes {', '.join(accepted)}" if accepted else "it takes none"
        raise ConfigError(f"{where} ({name}): unknown option(s) {', '.join(stray)} for adapter {adapter}; {takes}")
    return ModelSpec(name.strip(), Path(path).expanduser(), adapter, tuple(pools), dict(options))


#: a model file as loaded: its path, size and mtime (ns); a replaced file is another version
FileVersion = tuple[str, int, int]
_sessions: dict[tuple[FileVersion, str, int], OnnxModel] = {}
_refusals: dict[tuple[str, FileVersion, str], ModelRefused] = {}
_sessions_lock = threading.Lock()


def file_version(path: Path) -> FileVersion:
    """Which version of the file at ``path`` this is (size and mtime; -1s when it is not there).
    Sessions and refusals are kept per version, so replacing a model's file is
    seen by the next load, without restarting the worker."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_size, stat.st_mtime_ns)


def open_model(
    spec: ModelSpec, tag: str, *, available_providers: Sequence[str] | None = None, cpu_threads: int = CPU_THREADS
) -> OnnxModel:
    """The process-wide session for this model on this pool tag (loaded once).
    ``MediaError('model_unavailable')`` if the file is missing or unreadable."""
    version = file_version(spec.path)
    key = (version, tag, cpu_threads)
    with _sessions_lock:
        model = _sessions.get(key)
        if model is not None:
            return model
        for stale in [k for k in _sessions if k[0][0] == version[0] and k[0] != version]:
            del _sessions[stale]  # an older version of this file: let it go
        if not spec.path.is_file():
            raise MediaError("model_unavailable", f"model {spec.name!r}: no file at {spec.path} on this worker")
        try:
            model = load_model(spec.path, tag, available=available_providers, cpu_threads=cpu_threads)
        except Exception as exc:  # noqa: BLE001 - a broken model file fails the job with a code
            raise MediaError("model_unavailable", f"model {spec.name!r} cannot be loaded: {exc}") from exc
        _sessions[key] = model
        return model


def render_adapter(spec: ModelSpec, model: OnnxModel) -> RenderAdapter:
    """The adapter that turns audio and a portrait into this model's inputs and
    its outputs into pixels; ``ModelRefused`` if the file does not fit it (the
    refusal is remembered, so later jobs for the model fail at once)."""
    key = (spec.name, file_version(spec.path), model.effective_tag)
    with _sessions_lock:
        refused = _refusals.get(key)
    if refused is not None:
        raise refused
    try:
        return ADAPTERS[spec.adapter](model, key=spec.name, **spec.options)
    except ModelRefused as exc:
        with _sessions_lock:
            _refusals[key] = exc
        raise
