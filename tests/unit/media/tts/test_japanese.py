"""Japanese written with kanji is spoken as its readings, and its words stay the written ones."""

from difflib import SequenceMatcher

import pytest

from domain.config import Settings
from domain.errors import JobFailure
from media.errors import MediaError
from media.tts.engines import engine_for, engine_settings
from media.tts.espeak_events import espeak_library
from media.tts.japanese import KANJI, reading, unreadable
from media.tts.script_check import check_readable
from media.tts.synthesize import cache_key
from media.tts.voices import VoiceRef, _espeak_ref, voice_for_script

needs_espeak = pytest.mark.skipif(espeak_library() is None, reason="libespeak-ng is not installed")

NEWS = "東京都で2026年12月7日、新しい首相が記者会見を行いました。"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        # phrases apart; particles as said (は ワ, へ エ); long vowels written long (トウキョウ トーキョー)
        ("今日は東京へ行きます。", "キョーワ トーキョーエ イキマス。"),
        ("私の先生は経済の教授です。", "ワタクシノ センセーワ ケーザイノ キョージュデス。"),
        # numbers are left to espeak-ng, which reads them in Japanese; their counters are said with them
        ("2026年12月7日", "ニセンニジューロクネン ジューニガツ ナノカ"),
        ("4月1日と9時に3人", "シガツ ツイタチト クジニ サンニン"),
        ("1日で2人", "イチニチデ フタリ"),  # one day (not the first of a month), two people
        # verbs keep their ou: 思う is o-mo-u
        ("彼は思う。", "カレワ オモウ。"),
        # kanji numerals, which Sudachi reads but counts as unknown words (they were refused), and their counters
        ("一つの問題", "ヒトツノ モンダイ"),
        ("十月に五千円", "ジューガツニ ゴセンエン"),
        ("第三十一回", "ダイサンジューイッカイ"),  # 31回: the last one said イッ before カイ
        ("二十日と三日間", "ハツカト ミッカカン"),
        # the first of the month after any month: 今月 1日, 来月1日 (イチニチ, one day, before)
        ("今月 1日から", "コンゲツ ツイタチカラ"),
        ("来月1日に", "ライゲツ ツイタチニ"),
        # forms pasted from PDFs: ㈱, ㍻, Kangxi radicals (⼀⼈), read as the kanji they stand for; they reached
        # the voice as kanji and it said "Chinese letter"
        ("㈱トヨタ", "カブシキガイシャ トヨタ"),
        ("⼀⼈で来た。", "ヒトリデ キタ。"),
        ("正式に", "セーシキニ"),  # an adjectival noun's long vowel
        # counters that change the number's last sound, past ten too; the day of the month and people do not
        ("3本と21分と20本", "サンボント ニジューイップント ニジュッポン"),
        ("14時に13日と11人", "ジューヨジニ ジューサンニチト ジューイチニン"),
    ],
)
def test_a_sentence_is_given_to_the_voice_as_its_readings(written, said):
    assert reading(written).spoken == said


@pytest.mark.parametrize(
    ("written", "said"),
    [
        # a round hundred doubles the counter's first sound as 1, 6, 8 and 10 do (read ヒャクポン, ヒャクカイ before)
        ("100本", "ヒャッポン"), ("300本", "サンビャッポン"), ("600本", "ロッピャッポン"), ("800本", "ハッピャッポン"),
        ("三百本", "サンビャッポン"), ("100回", "ヒャッカイ"), ("100個", "ヒャッコ"), ("100分", "ヒャップン"),
        ("100杯", "ヒャッパイ"), ("100匹", "ヒャッピキ"), ("100発", "ヒャッパツ"), ("100件", "ヒャッケン"),
        ("1100本", "センヒャッポン"), ("ビル100階", "ビル ヒャッカイ"),
        # a round thousand or ten thousand changes it as 三 does (read センポン, イチマンポン before)
        ("1000本", "センボン"), ("3000本", "サンゼンボン"), ("1000分", "センプン"), ("花火1万発", "ハナビ イチマンパツ"),
        # and the counters neither changes keep it
        ("100点", "ヒャクテン"), ("100歳", "ヒャクサイ"), ("1000回", "センカイ"), ("1000階", "センカイ"),
    ],
)  # fmt: skip
def test_a_round_hundred_or_thousand_is_said_with_its_counter_as_japanese_says_it(written, said):
    assert reading(written).spoken == said


@pytest.mark.parametrize(
    ("written", "said"),
    [
        # floors, nights, pairs of shoes (read イチカイ, イチハク, サンソク before)
        ("1階", "イッカイ"), ("3階", "サンガイ"), ("6階", "ロッカイ"), ("8階", "ハッカイ"), ("10階", "ジュッカイ"),
        ("何階ですか。", "ナンガイデスカ。"), ("3階建て", "サンガイダテ"),
        ("1泊", "イッパク"), ("2泊", "ニハク"), ("3泊", "サンパク"), ("4泊", "ヨンハク"), ("6泊", "ロッパク"),
        ("8泊", "ハッパク"), ("10泊", "ジュッパク"), ("2泊3日", "ニハク ミッカ"),
        ("1足", "イッソク"), ("3足", "サンゾク"), ("8足", "ハッソク"), ("10足", "ジュッソク"),
        # houses, shots, head of cattle, companies, ships, letters, garments
        ("3軒", "サンゲン"), ("1軒", "イッケン"), ("ミサイル2発", "ミサイル ニハツ"), ("1発", "イッパツ"),
        ("3発", "サンパツ"), ("牛1頭", "ウシ イットー"), ("1社", "イッシャ"), ("漁船1隻", "ギョセン イッセキ"),
        ("1通", "イッツー"), ("4通", "ヨンツー"), ("1着", "イッチャク"),
        # the counter's own reading after the other numbers, which the dictionary misread (ニポン, ゴバイ)
        ("2本", "ニホン"), ("5杯", "ゴハイ"), ("何本", "ナンボン"), ("何分ですか", "ナンプンデスカ"),
        # 分 before の and a number is a fraction, not minutes (read サンプン, ジュップン before)
        ("3分の1", "サンブンノ イチ"), ("10分の1", "ジューブンノ イチ"), ("5分の電車", "ゴフンノ デンシャ"),
        # how many people, what time (the dictionary: ナニジン "of what nation", イツ "when")
        ("何人が参加しましたか。", "ナンニンガ サンカシマシタカ。"), ("会議は何時に始まりますか。", "カイギワ ナンジニ ハジマリマスカ。"),
        ("何時間", "ナンジカン"), ("何時頃に来ますか。", "ナンジゴロニ キマスカ。"),
        # 何 before を, が, か, も, に or a verb is ナニ (the dictionary: ナンヲ, ナンガ); 着 after it a verb, not a counter
        ("明日は何を着ていく。", "アスワ ナニヲ キテ イク。"), ("何が起きたのか。", "ナニガ オキタノカ。"),
        ("何か質問はありますか。", "ナニカ シツモンワ アリマスカ。"), ("何着ていく？", "ナニ キテ イク?"),
        ("スーツを何着買いましたか。", "スーツヲ ナンチャク カイマシタカ。"),
    ],
)  # fmt: skip
def test_the_common_counters_of_the_news_are_said_with_their_numbers_sound_changes(written, said):
    assert reading(written).spoken == said


def test_no_kanji_reach_the_voice_and_each_spoken_kana_points_into_its_own_word():
    said = reading(NEWS)
    assert not KANJI.search(said.spoken)
    # 首相 is シュショー: its kana point at 首 then 相, and the phrase's particle が at が
    at = said.spoken.index("シュショーガ")
    assert [NEWS[said.written_at(at + k)] for k in range(6)] == ["首", "首", "首", "相", "相", "が"]
    assert NEWS[said.written_at(said.spoken.index("ナノカ"))] == "7"  # 7日 said as one: from its number
    written = [said.written_at(k) for k in range(len(said.spoken))]
    assert written == sorted(written) and max(written) <= len(NEWS)


def test_a_long_script_is_read_whole_past_the_analysers_input_limit():
    script = NEWS * 2000  # 64,000 characters, 190 KB: Sudachi refuses one input of about 49 KB
    said = reading(script)
    assert not KANJI.search(said.spoken) and said.spoken.count("シュショーガ") == 2000
    assert unreadable(script) == []


def test_words_the_dictionary_does_not_know_are_named_once():
    assert unreadable("龘は珍しい。龘と東京。") == ["龘"]
    assert unreadable("すばらしい。") == []


@needs_espeak
def test_the_voice_says_the_kanji_as_a_person_writing_them_in_kana_would_have_it_say_them():
    voice = engine_for(_espeak_ref("ja"))
    kanji = voice.speak("東京の新しい橋が開通しました。").phones.phones
    kana = voice.speak("とーきょーの あたらしい はしが かいつーしました。").phones.phones
    symbols = [p.symbol for p in kanji]
    assert SequenceMatcher(None, symbols, [p.symbol for p in kana]).ratio() > 0.9
    # not the names of the characters ("Chinese letter"), which it said before: in English, at four times the length
    assert kanji[-1].end_s < 1.3 * kana[-1].end_s


@needs_espeak
def test_the_speechs_words_are_the_written_phrases_each_timed_in_order():
    words = engine_for(_espeak_ref("ja")).speak(NEWS).phones.words
    # a phrase is a word with its particles, endings and punctuation: what captions light together
    assert [w.text for w in words] == [
        "東京", "都で", "2026年", "12月", "7日、", "新しい", "首相が", "記者", "会見を", "行いました。"
    ]  # fmt: skip
    assert all(w.end_s > w.start_s for w in words)
    assert all(a.end_s <= b.start_s for a, b in zip(words, words[1:]))


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        # an opening bracket goes with the phrase after it, a space with none
        ("山田 太郎さんは「東京」へ。（速報）日本", ["山田", "太郎さんは", "「東京」へ。", "（速報）", "日本"]),
        # a light verb goes with its noun (発表 しました is one verb); いる after a particle is a verb of its own
        (
            "「経済対策」を発表しました。彼は東京にいる。",
            ["「経済", "対策」を", "発表しました。", "彼は", "東京に", "いる。"],
        ),
    ],
)
def test_phrases_are_what_a_japanese_reader_would_light_together(text, phrases):
    assert [text[a:b] for a, b in reading(text).phrases] == phrases


def test_kanji_are_taken_for_espeak_ngs_japanese_voice_and_refused_for_one_that_is_not_given_readings():
    ref, _ = voice_for_script(NEWS, None, "ja", Settings())
    assert ref.engine == "espeak-ng"
    piper = VoiceRef("kokoro-ja", "piper", "ja")  # an operator's Japanese Piper voice: its phonemiser names kanji
    with pytest.raises(MediaError) as refused:
        check_readable(NEWS, piper.language, piper.name)
    assert refused.value.code == "script_unreadable" and "(東 京 都 年 月 日 新 首 …)" in refused.value.detail
    with pytest.raises(MediaError) as unknown:
        voice_for_script("龘の新しい橋。", None, "ja", Settings())
    assert "(龘)" in unknown.value.detail


def test_the_speech_cache_keys_a_japanese_sentence_by_its_dictionary_too(monkeypatch):
    japanese = _espeak_ref("ja")
    assert "sudachidict-small" in str(engine_settings(japanese)["readings"])
    assert "readings" not in engine_settings(_espeak_ref("fr"))
    from media.tts import engines

    before = cache_key(NEWS, japanese)
    monkeypatch.setattr(engines, "reader_identity", lambda: "sudachipy 9, sudachidict-small 2099, 1")
    assert cache_key(NEWS, japanese) != before  # another dictionary: its readings may differ, so may the speech


@needs_espeak
def test_a_japanese_narrations_kanji_transcript_is_aligned_to_it_phrase_by_phrase():
    """A narration's transcript in kanji is timed by espeak-ng reading it aloud, warped onto the narration: read
    as the names of its characters it matched nothing. Here another voice reads it in kana, more slowly."""
    from media.tts.synthesis_alignment import align_through_speech

    narration, rate, _ = espeak_library().speak(
        "とーきょーで あたらしい しゅしょーが きしゃ かいけんを おこないました。", "jpx/ja+f3", 140
    )
    aligned = align_through_speech(narration, rate, "東京で新しい首相が記者会見を行いました。", "ja")
    assert not isinstance(aligned, str), aligned
    assert [w.text for w in aligned.words] == ["東京で", "新しい", "首相が", "記者", "会見を", "行いました。"]
    assert aligned.words[-1].start_s > 0.7 * len(narration) / rate  # the last phrase near the narration's end
    wrong = align_through_speech(narration, rate, "全く違う文章で天気予報をお伝えします。", "ja")
    assert isinstance(wrong, str) and "does not match" in wrong


def test_any_text_gives_readings_whose_places_lie_in_it_in_order():
    """Whatever a script holds (Latin, kana, kanji, emoji, Arabic, combining marks, private use, joiners), its
    reading maps every spoken character into the written text and its phrases are in order, none empty: Sudachi
    gave some characters (U+FE0F after ‼) an empty word, which made an empty phrase at the end."""
    import random

    ranges = [(0x20, 0x7E), (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xFF00, 0xFFEF), (0x1F300, 0x1FAFF),
              (0x0600, 0x06FF), (0x300, 0x36F), (0x20000, 0x2A6DF), (0xE000, 0xF8FF), (0x2000, 0x206F),
              (0xFE00, 0xFE0F), (0x2E80, 0x2FDF), (0x3200, 0x33FF), (0xF900, 0xFAFF), (0x3007, 0x3007)]  # fmt: skip
    rng = random.Random(1)
    for _ in range(2000):
        text = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(0, 120)))
        said = reading(text)
        assert all(0 <= said.written_at(k) <= len(text) for k in range(len(said.spoken))), text
        assert all(0 <= start < end <= len(text) for start, end in said.phrases), text
        assert all(a[1] <= b[0] for a, b in zip(said.phrases, said.phrases[1:])), text
        # what is let through reaches the voice with no kanji left in it (㈱ reached it as (株) before)
        assert unreadable(text) or not KANJI.search(said.spoken), (text, said.spoken)
        assert list(said.unknown) == unreadable(text), text  # the worker refuses from its reading what the API does


@needs_espeak
def test_the_worker_refuses_to_speak_kanji_it_has_no_reading_for_but_aligns_a_narration_with_them():
    """A script past a batch's look-up bound reaches the worker unchecked: the voice would name each kanji, so the
    job fails with ``script_unreadable``, naming the words, and is not retried. A narration's transcript with such
    a word is still aligned (the refusal, first made in the engine, lost a narration's captions: its transcript
    fell back to recognition, which has no Japanese words)."""
    from domain.errors import JobFailure
    from media.tts.synthesis_alignment import align_through_speech
    from media.tts.synthesize import synthesize

    with pytest.raises(JobFailure) as refused:
        synthesize("龘の新しい橋が開通しました。", _espeak_ref("ja"))
    assert refused.value.code == "script_unreadable" and "龘" in refused.value.message
    assert not refused.value.retryable
    narration, rate, _ = espeak_library().speak("りゅうの あたらしい はしが かいつーしました。", "jpx/ja+f3", 140)
    aligned = align_through_speech(narration, rate, "龘の新しい橋が開通しました。", "ja")
    assert not isinstance(aligned, str), aligned
    assert [w.text for w in aligned.words] == ["龘の", "新しい", "橋が", "開通しました。"]


@needs_espeak
def test_the_worker_cuts_a_japanese_sentence_into_words_once_to_refuse_what_it_cannot_read_and_to_speak_it(
    monkeypatch,
):
    """The worker looked each sentence up twice: for words with no reading, then again in the voice for its kana."""
    from media.tts import japanese
    from media.tts.synthesize import synthesize

    tokenizer, looked_up = japanese._tokenizer(), []

    class Counting:
        def tokenize(self, text, mode):
            looked_up.append(text)
            return tokenizer.tokenize(text, mode)

    monkeypatch.setattr(japanese, "_tokenizer", Counting)
    speech = synthesize(NEWS, _espeak_ref("ja"))
    assert looked_up == [NEWS] and speech.samples.size
    looked_up.clear()
    with pytest.raises(JobFailure) as refused:
        synthesize("龘の新しい橋が開通しました。", _espeak_ref("ja"))
    assert "龘" in refused.value.message and len(looked_up) == 1


def test_a_look_up_bound_passes_what_lies_beyond_it_and_counts_what_it_looks_up():
    from media.tts.japanese import look_up_budget

    unknown = "龘の新しい橋が開通しました。"
    with look_up_budget(len(unknown)):
        with pytest.raises(MediaError):
            check_readable(unknown, "ja", "espeak:ja", reads_kanji=True)  # within the bound: looked up
        check_readable(unknown, "ja", "espeak:ja", reads_kanji=True)  # past it: left to the worker
        check_readable("すばらしい。" * 10, "ja", "espeak:ja", reads_kanji=True)  # kana: nothing to look up
    with pytest.raises(MediaError):
        check_readable(unknown, "ja", "espeak:ja", reads_kanji=True)  # outside any bound: looked up


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (0, "ゼロ"), (4, "ヨン"), (12, "ジューニ"), (300, "サンビャク"), (600, "ロッピャク"), (800, "ハッピャク"),
        (3000, "サンゼン"), (8000, "ハッセン"), (2026, "ニセンニジューロク"), (10_000, "イチマン"),
        (10_000_000, "イッセンマン"), (120_000_000, "イチオクニセンマン"), (10**12, "イッチョー"),
        (10 * 10**12, "ジュッチョー"),
    ],
)  # fmt: skip
def test_numbers_are_said_with_their_sound_changes(value, said):
    from media.tts.japanese import number_kana

    assert number_kana(value) == said


@pytest.mark.parametrize(
    ("written", "said", "unknown"),
    [
        (
            "人口は1億2000万人です。",
            "ジンコーワ イチオクニセンマンニンデス。",
            [],
        ),  # spelled イチオクニレーレーレーマン
        ("二〇二六年", "ニセンニジューロクネン", []),
        ("12月7日㈰に", "ジューニガツ ナノカヒニ", []),  # ㈰ was キゴウ, "symbol"
        ("〇〇さん", None, ["〇〇"]),  # a placeholder, not a number: refused, not named "letter 3007"
        ("⻄日本", None, ["⻄"]),  # a radical with no NFKC form: refused, not dropped
    ],
)
def test_what_a_pdf_or_a_placeholder_holds_is_read_or_refused_never_dropped(written, said, unknown):
    if said is not None:
        assert reading(written).spoken == said
    assert unreadable(written) == unknown
