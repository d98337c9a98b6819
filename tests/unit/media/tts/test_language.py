import pytest

from media.tts.language import detect_language


@pytest.mark.parametrize(
    "script, language",
    [
        ("Good evening. Here is the news from the coast, where the storm has passed.", "en"),
        ("Der Bundestag hat heute ein neues Gesetz zum Klimaschutz beschlossen.", "de"),
        ("Le conseil municipal a voté hier soir le nouveau budget de la ville.", "fr"),
        ("今天的天气很好。我们下午去公园散步吧。", "cmn"),
        ("佢哋今日喺度食緊飯，你嚟唔嚟？", "yue"),  # written Cantonese: 佢哋, 喺, 嚟, 唔
        ("東京の天気は晴れです。", "ja"),  # kanji with kana is Japanese, not Chinese
        ("오늘 날씨가 좋습니다.", "ko"),
    ],
)
def test_a_scripts_language_is_detected(script, language):
    assert detect_language(script).language == language


def test_chinese_is_told_by_its_characters_not_guessed():
    detected = detect_language("市议会星期二开会讨论新桥。")
    assert (detected.language, detected.method, detected.confidence) == ("cmn", "script", 1.0)
    assert detected.name == "Mandarin Chinese"


def test_a_latin_name_inside_a_chinese_script_does_not_change_its_language():
    assert detect_language("苹果公司今天发布了新款iPhone手机。").language == "cmn"


@pytest.mark.parametrize("script", ["OK", "Hi.", "12345 678", "…", "Ciao, come stai?"])
def test_too_little_to_go_on_is_no_guess(script):
    assert detect_language(script) is None
