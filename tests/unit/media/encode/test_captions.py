from media.encode.captions import write_captions
from media.tts.speech import Cue


def test_webvtt_and_srt_carry_the_sentence_timings(tmp_path):
    cues = [(0.0, 1.5, "Hello there."), Cue(1.5, 3725.25, "Second sentence.")]
    write_captions(cues, tmp_path / "c.vtt", tmp_path / "c.srt")
    assert (tmp_path / "c.vtt").read_text() == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.500\nHello there.\n\n"
        "00:00:01.500 --> 01:02:05.250\nSecond sentence.\n"
    )
    assert (tmp_path / "c.srt").read_text() == (
        "1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n"
        "2\n00:00:01,500 --> 01:02:05,250\nSecond sentence.\n"
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
