"""Speech: sentences from a script, a voice to speak them, cached synthesis,
and uploaded narration with its timing; ``language_name`` says a language's name. Callers import from here, never from
the modules: ``split_sentences`` and ``group_segments``, ``resolve_voice``,
``synthesize_sentences``, ``load_audio`` / ``probe_audio`` /
``split_at_silences``, ``words_by_sentence`` (a segment's timed words, sentence by sentence, for captions), and
``time_narration``, which decides how narration is
timed (its language; pocketsphinx, the espeak-ng warp, or recognition).
"""

from __future__ import annotations

from media.tts.audio_input import NotAudio, load_audio, probe_audio, split_at_silences
from media.tts.engines import engine_for
from media.tts.japanese import look_up_budget, look_ups_skipped
from media.tts.japanese import reading as japanese_reading
from media.tts.japanese import unreadable as japanese_unknown_words
from media.tts.language import detect_language, language_name, preload_language_detector
from media.tts.narration import NarrationTiming, time_narration
from media.tts.narration_check import check_narration
from media.tts.script_check import check_script, without_pictures
from media.tts.sentences import group_segments, split_sentences
from media.tts.synthesize import synthesize_sentences
from media.tts.voices import DEFAULT_VOICE, available_voices, resolve_voice, voice_for_script
from media.tts.written_words import words_by_sentence, written_words

__all__ = [
    "preload_language_detector",
    "language_name",
    "DEFAULT_VOICE",
    "NarrationTiming",
    "NotAudio",
    "available_voices",
    "check_narration",
    "check_script",
    "engine_for",
    "group_segments",
    "detect_language",
    "japanese_reading",
    "japanese_unknown_words",
    "load_audio",
    "look_up_budget",
    "look_ups_skipped",
    "probe_audio",
    "resolve_voice",
    "split_at_silences",
    "split_sentences",
    "synthesize_sentences",
    "time_narration",
    "voice_for_script",
    "without_pictures",
    "words_by_sentence",
    "written_words",
]
