"""What espeak-ng says for numbers, signs and letters it would misread, and that captions keep the written words."""

import unicodedata

import pytest

from media.tts.engines import engine_for, engine_settings
from media.tts.espeak_events import espeak_library
from media.tts.synthesize import synthesize
from media.tts.voices import _espeak_ref

needs_espeak = pytest.mark.skipif(espeak_library() is None, reason="libespeak-ng is not installed")

#: য় as web text brings it, base and nukta (U+09AF U+09BC), which NFC leaves apart (U+09DF is a composition exclusion)
DECOMPOSED_YYA = "\u09af\u09bc"


def _said(language: str, text: str) -> list[str]:
    return [phone.symbol for phone in engine_for(_espeak_ref(language)).speak(text).phones.phones]


@needs_espeak
@pytest.mark.parametrize(
    ("language", "written", "as_if"),
    [
        # Arabic: a percentage with "per cent" after it, in Arabic-Indic digits or Western ones
        ("ar", "ارتفع بنسبة ٤٥٪ اليوم", "ارتفع بنسبة ٤٥ بالمِئَة اليوم"),
        ("ar", "ارتفع بنسبة 45% اليوم", "ارتفع بنسبة 45 بالمِئَة اليوم"),
        # the Arabic decimal separator, which espeak-ng skipped ("three five"), is read as the point is
        ("ar", "نما ٣٫٥٪", "نما ٣.٥ بالمِئَة"),
        # Mandarin: 百分之 before the number, 点 and the digits after it one by one; not "percent" in English
        ("cmn", "上涨了0.3%。", "上涨了百分之零点三。"),
        ("cmn", "增长12.5", "增长12点五"),
        ("cmn", "增长12.05%", "增长百分之12点零五"),
        ("yue", "上升0.3%", "上升百分之零点三"),
        # Bengali: য় ড় ঢ় before a vowel sign as the one letter espeak-ng reads with it (it dropped the vowel)
        ("bn", "হ" + DECOMPOSED_YYA + "েছে", "হ\u09dfেছে"),
        ("bn", "প\u09a1\u09bcে", "প\u09dcে"),
        ("bn", "আষা\u09a2\u09bcে", "আষা\u09ddে"),
    ],
)
def test_the_voice_says_what_a_reader_of_the_language_says_for_the_written_text(language, written, as_if):
    assert _said(language, written) == _said(language, as_if)


@needs_espeak
def test_a_percentage_is_not_said_as_the_bare_number():
    # espeak-ng left the sign unsaid in Arabic, and said it in English ("(en)pəsɛnt") in Mandarin
    assert len(_said("ar", "٤٥٪")) > len(_said("ar", "٤٥")) + 4
    assert "ɛ" not in _said("cmn", "0.3%")


@needs_espeak
def test_a_word_ending_in_ya_with_nukta_keeps_no_vowel_it_was_not_written_with():
    # word-final য় read as one letter gains an "o" (হয় hɔjo); apart, as written, it is right (hɔj)
    assert _said("bn", "হ" + DECOMPOSED_YYA) == ["h", "ɔ", "j"]


@needs_espeak
@pytest.mark.parametrize(
    ("language", "written", "words"),
    [
        ("ar", "ارتفع بنسبة ٤٥٪ اليوم", ["ارتفع", "بنسبة", "٤٥٪", "اليوم"]),
        ("cmn", "上涨了0.3%。", ["上", "涨", "了", "0.3%。"]),
        ("bn", "তা হ" + DECOMPOSED_YYA + "েছে।", ["তা", "হ" + DECOMPOSED_YYA + "েছে।"]),
    ],
)
def test_the_captions_keep_the_written_words_each_timed(language, written, words):
    speech = synthesize(written, _espeak_ref(language))
    timed = speech.phones.words
    assert [w.text for w in timed] == words
    assert all(w.end_s > w.start_s for w in timed)
    assert all(a.end_s <= b.start_s + 1e-6 for a, b in zip(timed, timed[1:]))


def _phones_of(speech, word):
    return [p.symbol for p in speech.phones if word.start_s - 1e-6 <= p.start_s and p.end_s <= word.end_s + 1e-6]


@needs_espeak
def test_a_digit_after_a_chinese_character_lights_its_own_word():
    # espeak-ng places the word event of a lone digit after a character at that character: 七 went to 月, 零 to 了
    speech = engine_for(_espeak_ref("cmn")).speak("12月7日，上涨了0.3%。").phones
    by_text = {w.text: _phones_of(speech, w) for w in speech.words}
    assert by_text["月"] == ["yɛ"]
    assert by_text["7"] == ["tɕʰ", "i"]
    assert by_text["了"] == ["l", "ə"]
    assert by_text["0.3%。"][:5] == ["p", "ai", "f", "ə", "n"]  # 百分之…


@needs_espeak
def test_the_percentage_word_holds_all_its_speech_in_arabic():
    speech = engine_for(_espeak_ref("ar")).speak("ارتفع ٤٥٪ اليوم").phones
    number = speech.words[1]
    assert number.text == "٤٥٪"
    said = _phones_of(speech, number)
    assert said[-4:] == _said("ar", "بالمِئَة")[-4:]


def test_the_speech_cache_keys_the_languages_read_here_by_their_rules():
    assert "spoken_forms" in engine_settings(_espeak_ref("ar"))
    assert "spoken_forms" in engine_settings(_espeak_ref("cmn"))
    assert "spoken_forms" in engine_settings(_espeak_ref("bn"))
    assert "spoken_forms" not in engine_settings(_espeak_ref("fr"))


def test_nfc_leaves_the_nukta_letters_apart_as_the_producer_found():
    assert unicodedata.normalize("NFC", "হ\u09dfেছে") == "হ" + DECOMPOSED_YYA + "েছে"
