import pytest

from media.encode.captions import write_captions
from media.tts.speech import Cue


def test_webvtt_and_srt_carry_the_sentence_timings(tmp_path):
    cues = [(0.0, 1.5, "Hello there."), Cue(1.5, 3725.25, "Second sentence.")]
    write_captions(cues, tmp_path / "c.vtt", tmp_path / "c.srt")
    assert (tmp_path / "c.vtt").read_text() == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello there.\n\n00:00:01.500 --> 01:02:05.250\nSecond sentence.\n"
    )
    assert (tmp_path / "c.srt").read_text() == (
        "1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n2\n00:00:01,500 --> 01:02:05,250\nSecond sentence.\n"
    )


def test_webvtt_escapes_markup_characters(tmp_path):
    write_captions([(0, 1, "Tom & Jerry <live> --> now")], vtt_path=tmp_path / "c.vtt")
    text = (tmp_path / "c.vtt").read_text()
    assert "Tom &amp; Jerry &lt;live&gt; --&gt; now" in text
    assert text.count("-->") == 1


def test_a_long_sentence_becomes_several_two_line_cues_sharing_its_time(tmp_path):
    sentence = " ".join(["word"] * 60)  # 299 characters
    screen = write_captions([(10.0, 20.0, sentence)], srt_path=tmp_path / "c.srt")
    assert len(screen) > 1
    assert all(len(lines) <= 2 and all(len(line) <= 42 for line in lines) for _, _, lines in screen)
    assert screen[0][0] == 10.0 and screen[-1][1] == 20.0
    assert all(a[1] == b[0] for a, b in zip(screen, screen[1:]))
    assert " ".join(" ".join(lines) for _, _, lines in screen) == sentence


def test_chinese_without_spaces_is_wrapped_by_characters(tmp_path):
    screen = write_captions([(0.0, 4.0, "今天天气很好我们去公园吧你想去吗好的" * 3)])
    assert all(len(line) <= 21 for _, _, lines in screen for line in lines)


def _words(text: str, start: float = 0.0, step: float = 0.3, pause_after: dict | None = None):
    from media.phonemes import Word

    words, at = [], start
    for i, token in enumerate(text.split()):
        words.append(Word(token, at, at + step - 0.05))
        at += step + (pause_after or {}).get(i, 0.0)
    return words


def test_narration_words_become_cues_that_end_at_sentence_punctuation():
    from media.encode.captions import word_cues

    cues = word_cues(_words("Good evening. Here is the news."))
    assert [c[2] for c in cues] == ["Good evening.", "Here is the news."]
    assert cues[0][:2] == pytest.approx((0.0, 0.55)) and cues[1][:2] == pytest.approx((0.6, 1.75))


def test_narration_cues_end_at_arabic_and_devanagari_sentence_marks_and_past_closing_quotes():
    from media.encode.captions import word_cues

    assert [c[2] for c in word_cues(_words("هل وافق؟ نعم وافق."))] == ["هل وافق؟", "نعم وافق."]
    assert [c[2] for c in word_cues(_words("पुल खुला। लोग खुश।"))] == ["पुल खुला।", "लोग खुश।"]
    assert [c[2] for c in word_cues(_words("မင်္ဂလာပါ။ ဒီနေ့ မိုးရွာတယ်။"))] == ["မင်္ဂလာပါ။", "ဒီနေ့ မိုးရွာတယ်။"]
    assert [c[2] for c in word_cues(_words("ሰላም ነው። ዝናብ ዘነበ።"))] == ["ሰላም ነው።", "ዝናብ ዘነበ።"]
    assert [c[2] for c in word_cues(_words("Բարև ձեզ։ Այսօր անձրև է։"))] == ["Բարև ձեզ։", "Այսօր անձրև է։"]
    assert [c[2] for c in word_cues(_words("დღეს წვიმს. ხვალ მზე."))] == ["დღეს წვიმს.", "ხვალ მზე."]
    assert [c[2] for c in word_cues(_words("«Está abierto.» Dijo ella."))] == ["«Está abierto.»", "Dijo ella."]
    # as sentences are cut: a quotation's mark followed by a lowercase word does not end the sentence
    assert [c[2] for c in word_cues(_words('"Stop!" she said. Then silence.'))] == [
        '"Stop!" she said.',
        "Then silence.",
    ]


def test_a_pause_in_the_narration_starts_a_new_cue():
    from media.encode.captions import word_cues

    cues = word_cues(_words("and then we waited for the bus", pause_after={2: 0.8}))
    assert [c[2] for c in cues] == ["And then we", "Waited for the bus"]


def test_recognised_words_without_punctuation_still_fit_the_screen_and_time(tmp_path):
    from media.encode.captions import LINE_CHARS, MAX_CUE_S, word_cues

    cues = word_cues(_words(" ".join(["newsroom"] * 40)))
    screen = write_captions(cues, tmp_path / "c.vtt", tmp_path / "c.srt")
    assert len(screen) == len(cues) > 1  # each cue fits on screen as it is
    assert all(len(lines) <= 2 and all(len(line) <= LINE_CHARS for line in lines) for _, _, lines in screen)
    assert all(end - start <= MAX_CUE_S for start, end, _ in cues)
    assert " ".join(c[2] for c in cues) == "Newsroom " + " ".join(["newsroom"] * 39)  # one sentence, cut for size


def test_chinese_words_join_without_spaces():
    from media.encode.captions import word_cues

    assert word_cues(_words("今 天 的 天 气 很 好 。"))[0][2] == "今天的天气很好。"


def test_recognised_lowercase_words_start_their_cue_capitalised_but_written_text_is_left_alone():
    from media.encode.captions import word_cues

    assert word_cues(_words("good evening here is the news"))[0][2] == "Good evening here is the news"
    assert word_cues(_words("iPhone sales rose."))[0][2] == "iPhone sales rose."
