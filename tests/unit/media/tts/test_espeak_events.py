"""espeak-ng's phoneme events, through libespeak-ng in-process."""

import pytest

from media.phonemes import TimingSource
from media.tts.espeak_events import espeak_library
from media.tts.voices import ESPEAK_VOICE_FOR_LANGUAGE

pytestmark = pytest.mark.skipif(
    espeak_library() is None, reason="libespeak-ng is not installed (apt-get install espeak-ng)"
)

#: English number words the broken Debian ``cmn`` voice reads tone digits as.
ENGLISH_DIGIT_PHONES = [["w", "ʌ", "n"], ["w", "ɒ", "n"], ["f", "aɪ", "v"], ["θ", "ɹ", "iː"]]


def _symbols(track):
    return [p.symbol for p in track.phones]


def _contains(symbols, run):
    return any(symbols[i : i + len(run)] == run for i in range(len(symbols)))


def test_english_phonemes_arrive_with_their_sample_positions():
    samples, rate, track = espeak_library().speak("Maybe both people bump a mop.", "en-us", 160)
    assert track.source == TimingSource.ESPEAK
    assert [s for s in _symbols(track) if s in ("m", "b", "p")] == list("mbbppbmpmp")
    assert all(p.start_s < p.end_s <= q.start_s for p, q in zip(track.phones, track.phones[1:]))
    assert track.phones[-1].end_s <= len(samples) / rate
    assert [w.text for w in track.words] == ["Maybe", "both", "people", "bump", "a", "mop."]
    assert track.words[3].start_s == track.phones[_symbols(track).index("ʌ") - 1].start_s  # "bump" starts at its b


def test_mandarin_is_spoken_in_mandarin_phonemes_not_english_digits():
    voice = ESPEAK_VOICE_FOR_LANGUAGE["cmn"]
    _, _, track = espeak_library().speak("今天的天气很好。我们五点见。", voice, 160)
    symbols = _symbols(track)
    # 今天 jīntiān: tɕ i n  tʰ iɛ n (espeak-ng's tS; i n | th iE n)
    assert symbols[:6] == ["tɕ", "i", "n", "tʰ", "iɛ", "n"]
    assert not any(_contains(symbols, run) for run in ENGLISH_DIGIT_PHONES)
    assert [w.text for w in track.words][:4] == ["今", "天", "的", "天"]


@pytest.mark.parametrize(
    ("voice", "text", "written"),
    [
        # espeak-ng's own word lengths: "Qué", "tal", "", "dijo", "ayer" (the quoted word is length 0)
        ("es", "¿Qué tal? «Hola», dijo (ayer).", ["¿Qué", "tal?", "«Hola»,", "dijo", "(ayer)."]),
        # "C'est" is "C", and its repeated event at the clause boundary points back at "le"
        ("fr", "Bonjour, le monde ! C'est « bien ».", ["Bonjour,", "le", "monde !", "C'est", "« bien »."]),
        ("de", "Er sagte: „Guten Tag“ – und ging.", ["Er", "sagte:", "„Guten", "Tag“ –", "und", "ging."]),
        ("en-us", "It's 5 o'clock, Dr. Smith.", ["It's", "5", "o'clock,", "Dr.", "Smith."]),
        ("hi", "नमस्ते, यह खबर है। पुल खुला।", ["नमस्ते,", "यह", "खबर", "है।", "पुल", "खुला।"]),
        ("ar", "مرحبا بكم. المجلس وافق، على الجسر؟", ["مرحبا", "بكم.", "المجلس", "وافق،", "على", "الجسر؟"]),
        ("es", "Cuesta 12,5 euros — o 1.200 pesos.", ["Cuesta", "12,5", "euros —", "o", "1.200", "pesos."]),
        # an ASCII hyphen as a dash: espeak-ng places the next word at the hyphen
        ("en-us", "yes -- no -- maybe so.", ["yes --", "no --", "maybe", "so."]),
        ("es", "Hola - dijo él.", ["Hola -", "dijo", "él."]),
    ],
)
def test_words_are_the_texts_as_written_with_their_punctuation(voice, text, written):
    # captions and their files show these words: none left out, none cut at an apostrophe or a quote
    _, _, track = espeak_library().speak(text, voice, 175)
    assert [w.text for w in track.words] == written
    assert all(w.start_s < w.end_s for w in track.words)  # each was spoken, so each has a duration
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in zip(track.words, track.words[1:]))


def test_chinese_characters_are_words_with_their_punctuation_beside_them():
    voice = ESPEAK_VOICE_FOR_LANGUAGE["cmn"]
    _, _, track = espeak_library().speak("你好，世界。今天（星期一）很好！北京25°C", voice, 160)
    assert [w.text for w in track.words] == [
        *["你", "好，", "世", "界。", "今", "天", "（星", "期", "一）", "很", "好！", "北", "京", "25°C"]
    ]


def test_the_voice_debian_calls_cmn_really_reads_tone_digits_as_english():
    # why ESPEAK_VOICE_FOR_LANGUAGE exists: if this ever stops holding, the mapping can go
    _, _, track = espeak_library().speak("今天", "cmn", 160)
    assert any(_contains(_symbols(track), run) for run in ENGLISH_DIGIT_PHONES)


def test_cantonese_is_spoken_in_cantonese_syllables():
    _, _, track = espeak_library().speak("今天天气很好。", "yue", 160)
    symbols = _symbols(track)
    # 今天 gam1 tin1, 很好 han2 hou2
    assert symbols[:6] == ["ɡ", "a", "m", "t", "i", "n"]
    assert _contains(symbols, ["h", "a", "n", "h", "ou"])
    assert not any(_contains(symbols, run) for run in ENGLISH_DIGIT_PHONES)


def test_an_unknown_espeak_voice_is_refused():
    from media.errors import MediaError

    with pytest.raises(MediaError) as caught:
        espeak_library().speak("hello", "no-such-voice", 160)
    assert caught.value.code == "voice_unknown"


def test_stressed_vowels_are_marked_from_espeaks_ipa_spelling():
    _, _, track = espeak_library().speak("Maybe both people bump a mop.", "en-us", 160)
    stressed = [p.symbol for p in track.phones if p.stress == 1]
    assert stressed == ["eɪ", "oʊ", "iː", "ʌ", "ɑː"]  # mˈeɪbi bˈoʊθ pˈiːpəl bˈʌmp ɐ mˈɑːp


def test_stress_marks_are_matched_back_in_order_past_tone_digits_and_unknown_phonemes():
    from media.tts.espeak_events import stresses_from_spelling

    assert stresses_from_spelling(["tɕ", "i", "n", "th", "iɛ", "n"], "tɕˈi5n thˈiɛ5n") == [0, 1, 0, 0, 1, 0]
    assert stresses_from_spelling(["m", "??", "eɪ", ""], "mˌeɪ") == [0, 0, 2, 0]


def test_every_language_espeak_ng_lists_speaks_through_the_library():
    """A job for any language the catalogue offers must find its voice: libespeak-ng
    knows ``fr-fr``, ``en-gb`` and a Cherokee voice only by their voice files (these failed
    every job, ``voice_unknown``, until the refs named the files)."""
    from domain.config import Settings
    from media.tts.voices import espeak_languages, resolve_voice

    settings = Settings.from_env({})
    library = espeak_library()
    refused = []
    for language in sorted(set(espeak_languages().values())):
        ref = resolve_voice(f"espeak:{language}", None, settings)
        try:
            library.speak("a", ref.espeak_voice, 160)
        except Exception as exc:  # noqa: BLE001 - collect them all for the message
            refused.append(f"{language} ({ref.espeak_voice}): {exc}")
    assert len(espeak_languages()) > 100 and refused == []
