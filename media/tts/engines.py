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
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypedDict

import numpy as np

from domain.errors import JobFailure
from media.errors import MediaError
from media.phonemes import Phone, PhoneTrack, TimingSource
from media.tts.espeak_events import espeak_library
from media.tts.japanese import reader_identity, reading
from media.tts.phone_symbols import group_piper_phonemes
from media.tts.piper_words import WORD_RULES, piper_words
from media.tts.spoken_text import RULES as SPOKEN_FORM_RULES
from media.tts.spoken_text import reads_spoken_forms, spoken_form
from media.tts.voices import VoiceRef, espeak_binary, reads_by_dictionary


class PiperSettings(TypedDict):
    normalize_audio: bool
    volume: float


#: Piper's noise and length settings come from each voice's config; these are
#: the ones the farm sets itself. Part of the TTS cache key.
PIPER_SETTINGS: PiperSettings = {"normalize_audio": True, "volume": 1.0}
#: espeak-ng's, part of the cache key too: its sentences are cached with their words, which are now the text's as
#: written ("«Hola»,", "C'est"; before, cut at espeak-ng's word lengths: "Hola" missing, "C"), a sign read aloud
#: spoken in its own word ("50%": "fifty percent"; before, "percent" in the word after). Piper's sentences are cached
#: with words too, since ``piper_words`` (``engine_settings``).
ESPEAK_WPM = 160
ESPEAK_SETTINGS = {"speed_wpm": ESPEAK_WPM, "words": "as written, signs read aloud in theirs"}
#: Pause Piper leaves between sentences it finds inside one piece of text.
PIPER_SENTENCE_GAP_S = 0.2


class EngineSpeech(NamedTuple):
    """What an engine says: raw mono float32 audio, its rate, and when each
    phone sounds in it (seconds from its first sample)."""

    samples: np.ndarray
    sample_rate: int
    phones: PhoneTrack


class SpeechEngine(Protocol):
    def speak(self, text: str) -> EngineSpeech:
        """Raw audio for ``text``, with its phone timing."""


class PiperEngine:
    """Piper with its own per-phoneme alignments: the voice model is patched in
    memory to output each phoneme's sample count (needs the ``onnx`` package),
    counts that add up exactly to the audio. The written words are timed by
    those phonemes too (``piper_words``), for the word captions.

    The voice runs on one onnxruntime thread. Speech is made one segment ahead
    while the frames of the segment before are rendered and encoded on every
    core, and onnxruntime's default pool (a thread per core, spinning between
    operators) took 40 % more CPU for the same audio (0.100 against 0.071 CPU
    seconds per second of speech), which the renderer and
    x264 then lacked (``benchmarks/tts_speed.py --threads``)."""

    #: the espeak-ng voice whose phonemes the voice speaks (its words are found by that voice's reading); None for
    #: a voice that phonemises otherwise (pinyin, Japanese), whose captions share each sentence's time out
    espeak_voice: str | None = None

    def __init__(self, ref: VoiceRef):
        if ref.model_path is None:  # a Piper VoiceRef always names its model
            raise JobFailure("voice_unavailable", f"cannot load Piper voice {ref.name!r}: no model file")
        try:
            self.voice = load_piper_voice(Path(ref.model_path), Path(ref.config_path) if ref.config_path else None)
        except Exception as exc:  # missing file, bad JSON, not an ONNX model
            raise JobFailure("voice_unavailable", f"cannot load Piper voice {ref.name!r}: {exc}") from exc
        from piper.config import PhonemeType

        if self.voice.config.phoneme_type == PhonemeType.ESPEAK:
            self.espeak_voice = self.voice.config.espeak_voice

    def speak(self, text: str) -> EngineSpeech:
        from piper import SynthesisConfig

        config = SynthesisConfig(**PIPER_SETTINGS)
        rate = self.voice.config.sample_rate
        gap = np.zeros(round(PIPER_SENTENCE_GAP_S * rate), np.float32)
        pieces: list[np.ndarray] = []
        phones: list[Phone] = []
        aligned, offset = True, 0
        for chunk in self.voice.synthesize(text, syn_config=config, include_alignments=True):
            if pieces:
                pieces.append(gap)
                offset += len(gap)
            audio = np.asarray(chunk.audio_float_array, dtype=np.float32)
            pieces.append(audio)
            alignments = chunk.phoneme_alignments
            if alignments is None or sum(int(a.num_samples) for a in alignments) != len(audio):
                aligned = False  # an unpatchable model, or ids Piper could not match back
            else:
                grouped = group_piper_phonemes([(a.phoneme, int(a.num_samples)) for a in alignments])
                phones += [
                    Phone(symbol, (offset + start) / rate, (offset + end) / rate, stress)
                    for symbol, start, end, stress in grouped
                ]
            offset += len(audio)
        samples = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        if not aligned:
            return EngineSpeech(
                samples, rate, PhoneTrack(TimingSource.LOUDNESS, note="Piper gave no phoneme alignments for this voice")
            )
        words = piper_words(text, phones, self.espeak_voice, ESPEAK_WPM) if self.espeak_voice else ()
        return EngineSpeech(samples, rate, PhoneTrack(TimingSource.PIPER, tuple(phones), words))


#: onnxruntime threads for a Piper voice (see PiperEngine)
PIPER_THREADS = 1


def load_piper_voice(model_path: Path, config_path: Path | None = None, threads: int = PIPER_THREADS) -> Any:
    """``PiperVoice.load(model_path, config_path, include_alignments=True)``, with
    the session on ``threads`` onnxruntime threads (``load`` offers no options)."""
    import json

    import onnx
    import onnxruntime as ort
    from piper import PiperConfig, PiperVoice
    from piper.patch_voice_with_alignment import add_alignment_output

    config = json.loads(Path(config_path or f"{model_path}.json").read_text(encoding="utf-8"))
    model = onnx.load(str(model_path))
    try:
        add_alignment_output(model)
    except ValueError:  # already patched on disk, or no tensor to expose: as Piper's own loader does
        pass
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), sess_options=options, providers=["CPUExecutionProvider"])
    return PiperVoice(config=PiperConfig.from_dict(config), session=session)


class EspeakEngine:
    """espeak-ng through its library: audio and phoneme events in one pass."""

    def __init__(self, ref: VoiceRef):
        library = espeak_library()
        if library is None:
            raise JobFailure(
                "voice_unavailable",
                f"voice {ref.name!r} needs espeak-ng, which is not installed on this worker (Debian package espeak-ng)",
            )
        self.library = library
        self.voice = ref.espeak_voice or "en"
        self.language = ref.language
        self.japanese = reads_by_dictionary(ref)

    def speak(self, text: str) -> EngineSpeech:
        try:
            said = reading(text) if self.japanese else spoken_form(text, self.language)
            if said is not None:
                samples, rate, phones = self.library.speak(said.spoken, self.voice, ESPEAK_WPM, said)
            else:
                samples, rate, phones = self.library.speak(text, self.voice, ESPEAK_WPM)
        except MediaError as exc:
            raise JobFailure(exc.code, exc.detail) from exc
        return EngineSpeech(samples, rate, phones)


_ENGINES: dict[str, Callable[[VoiceRef], SpeechEngine]] = {"piper": PiperEngine, "espeak-ng": EspeakEngine}
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


def engine_settings(ref: VoiceRef) -> Mapping[str, object]:
    if ref.engine == "piper":
        # its sentences are cached with their words, which espeak-ng's reading finds (none cached before)
        return {**PIPER_SETTINGS, "words": f"rules {WORD_RULES}, espeak-ng {_espeak_version()}"}
    if reads_by_dictionary(ref):
        return {**ESPEAK_SETTINGS, "readings": reader_identity()}
    if reads_spoken_forms(ref.language):  # what the voice is given for the text (Arabic percentages, …)
        return {**ESPEAK_SETTINGS, "spoken_forms": SPOKEN_FORM_RULES}
    return ESPEAK_SETTINGS


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
