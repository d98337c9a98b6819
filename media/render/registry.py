"""Render models: the built-in one plus those operators register in config.

``TALKFARM_MODELS`` is a JSON list (or a path to one) of
``{"name", "path", "adapter", "pools", "options"}``: ``adapter`` is
``builtin`` or ``wav2lip``; ``pools`` the pool tags whose workers hold the file
(default: every pool of the farm); ``options`` adapter settings, for
``wav2lip`` ``{"channel_order": "bgr" | "rgb"}``. The API asks
``known_models`` whether some pool can run a job's model (422 if none); a
worker loads the file when a job first needs it and shares the session
between its threads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.config import POOL_TAGS, ConfigError, Settings
from domain.errors import JobFailure
from media.render.providers import CPU_THREADS, OnnxModel, load_model

BUILTIN_NAME = "builtin"
BUILTIN_PATH = Path(__file__).with_name("builtin_lipsync.onnx")
ADAPTERS = ("builtin", "wav2lip")


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
    return ModelSpec(name.strip(), Path(path).expanduser(), adapter, tuple(pools), dict(options))


_sessions: dict[tuple[str, str, int], OnnxModel] = {}
_sessions_lock = threading.Lock()


def open_model(spec: ModelSpec, tag: str, *, available_providers=None, cpu_threads: int = CPU_THREADS) -> OnnxModel:
    """The process-wide session for this model on this pool tag (loaded once)."""
    key = (str(spec.path), tag, cpu_threads)
    with _sessions_lock:
        model = _sessions.get(key)
        if model is not None:
            return model
        if not spec.path.is_file():
            raise JobFailure("model_unavailable", f"model {spec.name!r}: no file at {spec.path} on this worker")
        try:
            model = load_model(spec.path, tag, available=available_providers, cpu_threads=cpu_threads)
        except Exception as exc:  # noqa: BLE001 - a broken model file fails the job with a code
            raise JobFailure("model_unavailable", f"model {spec.name!r} cannot be loaded: {exc}") from exc
        _sessions[key] = model
        return model


def mouth_model(spec: ModelSpec, model: OnnxModel):
    """The adapter object that turns audio and a portrait into this model's inputs."""
    if spec.adapter == "builtin":
        from media.render.builtin import BuiltinMouth

        return BuiltinMouth(model, key=spec.name)
    from media.render.wav2lip import Wav2LipMouth

    try:
        return Wav2LipMouth(model, key=spec.name, channel_order=spec.options.get("channel_order", "bgr"))
    except ValueError as exc:
        raise JobFailure("model_unavailable", f"model {spec.name!r}: {exc}") from exc
