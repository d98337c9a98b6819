"""Scripts a voice would read out as the names of their characters are refused before a job exists."""

import json
import re
import subprocess
import sys
from difflib import SequenceMatcher

import pytest

from domain.config import Settings
from media.errors import MediaError
from media.tts.espeak_events import espeak_library
from media.tts.script_check import READERS, check_readable, without_pictures
from media.tts.voices import _espeak_ref, espeak_languages, reads_by_dictionary, voice_for_script

needs_espeak = pytest.mark.skipif(espeak_library() is None, reason="libespeak-ng is not installed")

#: a word in each writing system ``READERS`` lists
SAMPLES = {
    "Chinese characters": "北京",
    "Japanese kana": "すばらしい",
    "Cyrillic letters": "Москва",
    "Arabic letters": "مرحبا",
    "Hebrew letters": "שלום",
    "Thai letters": "กรุงเทพ",
}


def _names_each_character(spelled: str, writing: str) -> bool:
    """Whether espeak-ng's IPA for a sample word is a name per character ("Chinese letter Chinese letter",
    "em o es ka…") rather than a reading (one word, or for Chinese one syllable per character)."""
    pieces = re.sub(r"\([a-z-]+\)", "", spelled).split()
    if writing == "Chinese characters":  # read a syllable per character too: a name repeats the script's name
        return len(pieces) >= 2 and SequenceMatcher(None, pieces[0], pieces[1]).find_longest_match().size >= 5
    return len(pieces) >= 2


def _disagreements() -> list[tuple[str, str, str]]:
    """(language, writing system, espeak-ng's IPA) wherever ``READERS`` and espeak-ng disagree."""
    library = espeak_library()
    disagree = []
    for language in sorted(set(espeak_languages().values())):
        voice = _espeak_ref(language).espeak_voice
        for writing, word in SAMPLES.items():
            try:
                [spelled] = library.spell([word], voice)
            except MediaError:
                continue  # a voice libespeak-ng cannot load is not offered for speech either
            listed = language.split("-")[0] in READERS[writing][1]
            if listed == _names_each_character(spelled, writing):
                disagree.append((language, writing, spelled))
    return disagree


@needs_espeak
def test_the_table_says_which_voices_read_each_writing_system_as_espeak_ng_does():
    # in a process of its own: loading every voice leaves libespeak-ng's state changed for the tests after it
    # (a Mandarin narration then speaks one phone fewer), and nothing in the farm loads them all
    script = "import json, tests.unit.media.tts.test_script_check as t; print(json.dumps(t._disagreements()))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize(
    ("script", "language", "named"),
    [
        ("龘の新しい橋が開通しました。", "ja", "龘"),  # a word the dictionary has no reading for
        ("The mayor of 北京 spoke.", "en", "北 京"),
        ("Путин говорит.", "en", "П у т и н г о в …"),
        ("Breaking: مرحبا", "de", "م ر ح ب ا"),
        ("北京欢迎你, すばらしい", "zh", "す ば ら し い"),
    ],
)
def test_a_script_the_voice_would_spell_out_is_refused_naming_the_characters(script, language, named):
    with pytest.raises(MediaError) as refused:
        voice_for_script(script, None, language, Settings())
    assert refused.value.code == "script_unreadable"
    assert f"({named})" in refused.value.detail


@pytest.mark.parametrize(
    ("script", "language"),
    [
        ("北京欢迎你。", "zh"),
        ("すばらしい。", "ja"),
        ("東京の新しい橋が開通しました。", "ja"),  # kanji: espeak-ng's Japanese voice is given their readings
        ("Привет, мир. Paris!", "ru"),
        ("مرحبا بكم في Paris، ١٢٣", "ar"),
        ("नमस्ते Delhi", "hi"),  # Devanagari and Latin: espeak-ng reads both in any voice
        ("Athens is Αθήνα, Seoul is 서울.", "en"),  # Greek and Hangul too
    ],
)
def test_scripts_the_voice_reads_are_taken(script, language):
    ref, _ = voice_for_script(script, None, language, Settings())
    check_readable(script, ref.language, ref.name, reads_kanji=reads_by_dictionary(ref))


def test_punctuation_and_digits_of_a_writing_system_are_not_letters_to_refuse():
    check_readable("Done، ok؟ ١٢٣ 「quoted」、。", "en", "joe")  # Arabic comma and digits, CJK punctuation


def test_a_voice_of_unknown_language_is_not_held_to_the_table():
    check_readable("北京", None, "operator-voice")


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Breaking news 🔴 tonight 🚨", "Breaking news tonight"),
        ("thumbs 👍🏽 up, family 👨‍👩‍👧 ok, flag 🇺🇸 here", "thumbs up, family ok, flag here"),
        ("hi ☺️! press 1️⃣ now", "hi! press 1 now"),
        ("Paris → Lyon ▲2% ★★★☆ ☀ 25°C © Brand™ €5", "Paris Lyon 2% 25°C © Brand™ €5"),
        ("今天很好🎉。Bonjour le monde ! 🎉", "今天很好。Bonjour le monde !"),
        ("क्‍ष", "क्‍ष"),  # a joiner between letters is writing, not an emoji's
        ("🎉", ""),
        ("Go 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f team", "Go team"),  # its tags too
    ],
)
def test_pictures_are_left_out_of_what_a_voice_says_and_words_that_are_symbols_stay(text, spoken):
    assert without_pictures(text) == spoken
