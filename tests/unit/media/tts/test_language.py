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
        # a headline of kanji alone, with forms only Japan writes (経 続 価; Chinese 经/經 续/續 价/價): the
        # Mandarin voice read it before
        ("日経平均株価 大幅続伸", "ja"),
        ("広島 原爆 慰霊祭 参列者 対応", "ja"),
        ("今天日経指数上涨了百分之二，市场情绪良好，投资者信心增强。", "cmn"),  # one Japanese name in Chinese
        ("國務院總理今天在台北會見記者。", "cmn"),  # Traditional Chinese
        # Hong Kong's and Taiwan's forms (衞 綫 裏), outside Python's plain Big5, were taken for Japanese
        ("衞生防護中心今日公布，本港新增一宗確診個案，港鐵東涌綫服務受影響。", "cmn"),
        ("這裏很安全。", "cmn"),
        ("陶喆发布新专辑", "cmn"),
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
