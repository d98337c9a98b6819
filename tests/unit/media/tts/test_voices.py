import json

import pytest

from domain.config import Settings
from media.errors import MediaError
from media.tts import voices
from media.tts.voices import available_voices, parse_espeak_voices, resolve_voice

ESPEAK_LISTING = """Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)
 5  yue             --/M      Chinese_(Cantonese) sit/yue              (zh-yue 5)(zh 8)
 5  de              --/M      German             gmw/de
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 5  en-us           --/M      English_(America)  gmw/en-US            (en 3)
"""


@pytest.fixture
def espeak(monkeypatch):
    languages = parse_espeak_voices(ESPEAK_LISTING)
    monkeypatch.setattr(voices, "espeak_languages", lambda: languages)
    return languages


@pytest.fixture
def settings_with_german_piper_voice(tmp_path):
    model = tmp_path / "de_DE-test-medium.onnx"
    model.write_bytes(b"not loaded by resolve")
    (tmp_path / "de_DE-test-medium.onnx.json").write_text(json.dumps({"language": {"code": "de_DE"}}))
    return Settings.from_env({}, data_dir=tmp_path, voices=json.dumps({"hans": str(model)}))


def test_no_voice_and_no_language_gets_the_bundled_joe_voice():
    ref = resolve_voice(None, None, Settings.from_env({}))
    assert (ref.name, ref.engine, ref.language) == ("joe", "piper", "en-us")
    assert ref.model_path.is_file() and ref.config_path.is_file()


def test_espeak_listing_maps_zh_to_mandarin_by_priority(espeak):
    assert espeak["cmn"] == "cmn"
    assert espeak["zh-yue"] == "yue"
    assert espeak["en"] == "en-gb"


@pytest.mark.parametrize("language", ["zh", "zh-CN", "cmn", "zh_CN", "zh-TW", "zh-Hant", "zh-Hant-TW", "cmn-TW"])
def test_mandarin_falls_back_to_espeak_ngs_pinyin_voice_not_the_one_that_reads_english(espeak, language):
    ref = resolve_voice(None, language, Settings.from_env({}))
    assert (ref.name, ref.engine, ref.espeak_voice) == ("espeak:cmn", "espeak-ng", "cmn-latn-pinyin")


@pytest.mark.parametrize("language", ["zh-HK", "zh-Hant-HK", "zh-MO", "yue"])
def test_hong_kong_and_macau_chinese_is_spoken_in_cantonese(espeak, language):
    # before, "zh-HK" and "zh-TW" (standard tags a CMS sends) were refused: "No voice speaks 'zh-TW'"
    assert resolve_voice(None, language, Settings.from_env({})).name == "espeak:yue"


@pytest.mark.parametrize(("language", "voice"), [("iw", "espeak:he"), ("iw-IL", "espeak:he"), ("in-ID", "espeak:id")])
def test_the_withdrawn_codes_java_and_android_still_send_are_their_replacements(language, voice):
    if not voices.espeak_languages():
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    assert resolve_voice(None, language, Settings.from_env({})).name == voice


def test_cantonese_keeps_espeak_ngs_yue_voice(espeak):
    ref = resolve_voice(None, "zh-yue", Settings.from_env({}))
    assert ref.name == "espeak:yue" and ref.espeak_voice.split("/")[-1] == "yue"  # sit/yue, not the jyutping voice


def test_a_language_with_a_neural_voice_prefers_piper_over_espeak(espeak, settings_with_german_piper_voice):
    assert resolve_voice(None, "de", settings_with_german_piper_voice).name == "hans"
    assert resolve_voice(None, "en-GB", settings_with_german_piper_voice).name == "joe"  # same language, other region
    assert resolve_voice(None, "de", Settings.from_env({})).name == "espeak:de"


def test_operator_voice_resolves_by_name_with_its_config_beside_it(settings_with_german_piper_voice):
    ref = resolve_voice("hans", None, settings_with_german_piper_voice)
    assert ref.engine == "piper" and ref.language == "de-de"
    assert ref.config_path == ref.model_path.with_name(ref.model_path.name + ".json")


def test_unknown_voice_name_is_a_422_voice_unknown(espeak):
    with pytest.raises(MediaError) as caught:
        resolve_voice("nobody", None, Settings.from_env({}))
    assert caught.value.code == "voice_unknown"
    assert "joe" in caught.value.detail


def test_language_nobody_speaks_is_a_422_voice_unknown(espeak):
    with pytest.raises(MediaError) as caught:
        resolve_voice(None, "tlh", Settings.from_env({}))
    assert caught.value.code == "voice_unknown"


def test_espeak_voice_for_a_language_espeak_lacks_is_voice_unknown(espeak):
    with pytest.raises(MediaError) as caught:
        resolve_voice("espeak:tlh", None, Settings.from_env({}))
    assert caught.value.code == "voice_unknown"


def test_without_espeak_ng_mandarin_is_refused_and_the_detail_says_why(monkeypatch):
    monkeypatch.setattr(voices, "espeak_languages", lambda: {})
    with pytest.raises(MediaError) as caught:
        resolve_voice(None, "zh", Settings.from_env({}))
    assert caught.value.code == "voice_unknown"
    assert "espeak-ng is not installed" in caught.value.detail


def test_named_voice_in_another_language_than_asked_is_refused(espeak):
    with pytest.raises(MediaError) as caught:
        resolve_voice("joe", "zh", Settings.from_env({}))
    assert caught.value.code == "voice_language_mismatch"


def test_available_voices_lists_piper_voices_first_then_espeak_languages(espeak, settings_with_german_piper_voice):
    listed = available_voices(settings_with_german_piper_voice)
    names = [v["name"] for v in listed]
    assert names[:2] == ["joe", "hans"]
    assert "espeak:cmn" in names and "espeak:de" in names
    assert "espeak:zh-yue" not in names and len(names) == len(set(names))  # aliases are not voices


def test_a_named_voice_that_cannot_speak_the_detected_language_is_refused_naming_both(espeak):
    from media.tts.voices import voice_for_script

    with pytest.raises(MediaError) as caught:
        voice_for_script("Der Bundestag hat heute ein neues Gesetz beschlossen.", "joe", None, Settings.from_env({}))
    assert caught.value.code == "voice_language_mismatch"
    assert "'joe'" in caught.value.detail and "en-us" in caught.value.detail and "German (de)" in caught.value.detail


def test_a_script_without_language_gets_a_voice_for_its_detected_language(espeak):
    from media.tts.voices import voice_for_script

    ref, detected = voice_for_script("今天的天气很好。", None, None, Settings.from_env({}))
    assert (ref.name, ref.espeak_voice, detected.language) == ("espeak:cmn", "cmn-latn-pinyin", "cmn")
    ref, detected = voice_for_script("Kindergarten Angst Zeitgeist", "joe", "en", Settings.from_env({}))
    assert ref.name == "joe" and detected is None  # the caller's language wins over detection
