"""Speech engines behind one interface, loaded once per process.

Loading a Piper voice takes seconds, and several jobs run as threads in one
worker, so loaded engines live in a process-wide cache: the first job to need
a voice loads it (others wanting the same voice wait for that load instead of
starting their own), and later jobs reuse it. onnxruntime sessions are safe
to run from several threads, and Piper serialises its phonemiser itself.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
import threading
from importlib import metadata
from pathlib import Path
from typing import Protocol

import numpy as np

from domain.errors import JobFailure
from media.encode.wav import read_wav
from media.tts.voices import VoiceRef, espeak_binary

#: Piper's noise and length settings come from each voice's config; these are
#: the ones the farm sets itself. Part of the TTS cache key.
PIPER_SETTINGS = {"normalize_audio": True, "volume": 1.0}
ESPEAK_SETTINGS = {"speed_wpm": 160}
#: Pause Piper leaves between sentences it finds inside one piece of text.
PIPER_SENTENCE_GAP_S = 0.2
ESPEAK_TIMEOUT_S = 120


class SpeechEngine(Protocol):
    def speak(self, text: str) -> tuple[np.ndarray, int]:
        """Raw mono float32 audio for ``text`` and its sample rate."""


class PiperEngine:
    def __init__(self, ref: VoiceRef):
        from piper import PiperVoice

        try:
            self.voice = PiperVoice.load(ref.model_path, config_path=ref.config_path)
        except Exception as exc:  # missing file, bad JSON, not an ONNX model
            raise JobFailure("voice_unavailable", f"cannot load Piper voice {ref.name!r}: {exc}") from exc

    def speak(self, text: str) -> tuple[np.ndarray, int]:
        from piper import SynthesisConfig

        config = SynthesisConfig(**PIPER_SETTINGS)
        rate = self.voice.config.sample_rate
        gap = np.zeros(round(PIPER_SENTENCE_GAP_S * rate), np.float32)
        pieces: list[np.ndarray] = []
        for chunk in self.voice.synthesize(text, syn_config=config):
            if pieces:
                pieces.append(gap)
            pieces.append(np.asarray(chunk.audio_float_array, dtype=np.float32))
        return (np.concatenate(pieces) if pieces else np.zeros(0, np.float32)), rate


class EspeakEngine:
    def __init__(self, ref: VoiceRef):
        binary = espeak_binary()
        if not binary:
            raise JobFailure("voice_unavailable",
                             f"voice {ref.name!r} needs espeak-ng, which is not installed on this worker "
                             "(Debian package espeak-ng)")
        self.command = [binary, "-v", ref.espeak_voice or "en", "-s", str(ESPEAK_SETTINGS["speed_wpm"]),
                        "-b", "1", "--stdout", "--stdin"]

    def speak(self, text: str) -> tuple[np.ndarray, int]:
        try:
            done = subprocess.run(self.command, input=text.encode("utf-8"), capture_output=True,
                                  timeout=ESPEAK_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise JobFailure("tts_failed", f"espeak-ng did not run: {exc}", retryable=True) from exc
        if done.returncode != 0:
            raise JobFailure("tts_failed", f"espeak-ng exited {done.returncode}: "
                             f"{done.stderr.decode(errors='replace').strip()[-500:]}")
        try:
            return read_wav(done.stdout)
        except ValueError as exc:
            raise JobFailure("tts_failed", f"espeak-ng wrote no usable WAV: {exc}") from exc


_ENGINES = {"piper": PiperEngine, "espeak-ng": EspeakEngine}
_loaded: dict[VoiceRef, SpeechEngine] = {}
_loading: dict[VoiceRef, threading.Lock] = {}
_registry_lock = threading.Lock()


def engine_for(ref: VoiceRef) -> SpeechEngine:
    """The loaded engine for ``ref``, loading it on first use (once per process)."""
    engine = _loaded.get(ref)
    if engine is not None:
        return engine
    with _registry_lock:
        lock = _loading.setdefault(ref, threading.Lock())
    with lock:
        engine = _loaded.get(ref)
        if engine is None:
            engine = _ENGINES[ref.engine](ref)
            _loaded[ref] = engine
    return engine


def forget_engines() -> None:
    """Drop loaded engines (tests; a worker reloading its voices)."""
    with _registry_lock:
        _loaded.clear()
        _loading.clear()


def voice_identity(ref: VoiceRef) -> dict[str, str]:
    """What makes this voice sound the way it does, for the TTS cache key:
    the engine and its version, and for Piper the model's and config's bytes."""
    if ref.engine == "piper":
        return {
            "engine": f"piper-tts {_package_version('piper-tts')}",
            "model": _file_fingerprint(ref.model_path),
            "config": _file_fingerprint(ref.config_path),
        }
    return {"engine": f"espeak-ng {_espeak_version()}", "voice": ref.espeak_voice or ""}


def engine_settings(ref: VoiceRef) -> dict:
    return PIPER_SETTINGS if ref.engine == "piper" else ESPEAK_SETTINGS


def _file_fingerprint(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        stat = Path(path).stat()
    except OSError as exc:
        raise JobFailure("voice_unavailable", f"voice file {path} is missing: {exc}") from exc
    return _sha256_of(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime too, so a voice file replaced in place is hashed again.
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}:{size}"


@functools.lru_cache(maxsize=1)
def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.lru_cache(maxsize=1)
def _espeak_version() -> str:
    binary = espeak_binary()
    if not binary:
        return "missing"
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.split("Data at")[0].strip()
