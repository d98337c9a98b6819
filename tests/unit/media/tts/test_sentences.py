import pytest

from media.tts.sentences import MAX_SEGMENT_S, estimate_speech_s, group_segments, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dr. Smith went to Washington. He arrived at 3.5 p.m. on Monday.",
            ["Dr. Smith went to Washington.", "He arrived at 3.5 p.m. on Monday."],
        ),
        ("I moved to the U.S. The U.S. Army is big.", ["I moved to the U.S.", "The U.S. Army is big."]),
        ('He said "Stop." Then he left! Did he?', ['He said "Stop."', "Then he left!", "Did he?"]),
        ("Wait... what? Yes... Then silence.", ["Wait... what?", "Yes...", "Then silence."]),
        (
            "See No. 5 and Fig. 3 for details. J. R. R. Tolkien wrote it.",
            ["See No. 5 and Fig. 3 for details.", "J. R. R. Tolkien wrote it."],
        ),
        (
            "Apples, pears, etc. are fruit. We like them, etc. The end.",
            ["Apples, pears, etc. are fruit.", "We like them, etc.", "The end."],
        ),
        ("Mr. and Mrs. Jones came at 10.30 today.", ["Mr. and Mrs. Jones came at 10.30 today."]),
    ],
)
def test_sentences_end_at_terminal_punctuation_but_not_at_abbreviations_numbers_or_initials(text, expected):
    assert split_sentences(text, "en") == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("hi", "नमस्ते, यह आज की खबर है। पुल को मंजूरी मिल गई।", ["नमस्ते, यह आज की खबर है।", "पुल को मंजूरी मिल गई।"]),
        ("ur", "پل کھل گیا۔ لوگ خوش ہیں۔", ["پل کھل گیا۔", "لوگ خوش ہیں۔"]),
        ("ar", "هل وافق المجلس؟ نعم، وافق.", ["هل وافق المجلس؟", "نعم، وافق."]),
        ("bn", "আজ বৃষ্টি হয়েছে। কাল রোদ।", ["আজ বৃষ্টি হয়েছে।", "কাল রোদ।"]),
        ("my", "မင်္ဂလာပါ။ ဒီနေ့ မိုးရွာတယ်။", ["မင်္ဂလာပါ။", "ဒီနေ့ မိုးရွာတယ်။"]),
        ("am", "ሰላም ነው። ዝናብ ዘነበ፧ አዎ።", ["ሰላም ነው።", "ዝናብ ዘነበ፧", "አዎ።"]),
        ("hy", "Բարև ձեզ։ Այսօր անձրև է։", ["Բարև ձեզ։", "Այսօր անձրև է։"]),
        # Georgian writes no capitals (Unicode counts its letters lowercase): it was one sentence
        ("ka", "დღეს წვიმს. ხვალ მზე იქნება.", ["დღეს წვიმს.", "ხვალ მზე იქნება."]),
        # Myanmar and Ethiopic marks end a sentence with no space after them too
        ("am", "ዛሬ ዝናብ ነው።ነገ ፀሐይ ነው።", ["ዛሬ ዝናብ ነው።", "ነገ ፀሐይ ነው።"]),
        # Armenian's full stop typed as an ASCII colon, before a capital; a colon before a number stays inside
        (
            "hy",
            "Բարև ձեզ: Այսօր անձրև է: Ջերմաստիճանը: 25 աստիճան:",
            ["Բարև ձեզ:", "Այսօր անձրև է:", "Ջերմաստիճանը: 25 աստիճան:"],
        ),
        ("my", "မင်္ဂလာပါ။ဒီနေ့ မိုးရွာတယ်။", ["မင်္ဂလာပါ။", "ဒီနေ့ မိုးရွာတယ်။"]),
    ],
)
def test_arabic_urdu_and_devanagari_sentences_end_at_their_own_marks(language, text, expected):
    assert split_sentences(text, language) == expected


def test_newlines_break_paragraphs_and_titles_but_not_hard_wrapped_lines():
    text = "Welcome\nThis line was wrapped\nin the middle. Next one.\n\nLast paragraph without a period"
    assert split_sentences(text, "en") == [
        "Welcome",
        "This line was wrapped in the middle.",
        "Next one.",
        "Last paragraph without a period",
    ]


def test_chinese_splits_at_full_width_terminators_without_spaces():
    assert split_sentences("今天天气很好。我们去公园吧！你想去吗？好的。", "zh") == [
        "今天天气很好。",
        "我们去公园吧！",
        "你想去吗？",
        "好的。",
    ]


def test_chinese_closing_quote_stays_with_its_sentence():
    assert split_sentences("他说：“你好。”然后走了。", "cmn") == ["他说：“你好。”", "然后走了。"]


def test_long_sentence_is_cut_at_commas_into_pieces_under_the_segment_limit():
    long = ", ".join(f"clause number {i} goes on here" for i in range(40)) + "."
    pieces = split_sentences(long, "en")
    assert len(pieces) > 1
    assert all(estimate_speech_s(p) <= MAX_SEGMENT_S for p in pieces)
    assert all(len(p) <= 400 for p in pieces)
    assert " ".join(pieces) == long  # nothing lost, nothing reordered
    assert all(p.endswith((",", ".")) for p in pieces)


def test_long_unpunctuated_chinese_is_cut_by_characters():
    text = "我们" * 200
    pieces = split_sentences(text, "zh")
    assert "".join(pieces) == text
    assert all(estimate_speech_s(p) <= MAX_SEGMENT_S for p in pieces)


def test_splitting_is_deterministic_and_whitespace_insensitive():
    text = "One.  Two!\r\nThree?   Four."
    assert split_sentences(text) == split_sentences(text) == ["One.", "Two!", "Three?", "Four."]


def test_empty_script_has_no_sentences():
    assert split_sentences("  \n\n ", "en") == []


def test_group_segments_packs_sentences_up_to_the_target_and_keeps_order():
    sentences = [f"Sentence number {i} is about forty characters." for i in range(10)]  # ~2.9 s each
    groups = group_segments(sentences, target_s=9.0, first_s=9.0)
    assert [s for g in groups for s in g] == sentences
    assert [len(g) for g in groups] == [3, 3, 3, 1]


def test_the_first_segment_is_short_so_that_rendering_starts_soon():
    sentences = [f"Sentence number {i} is about forty characters." for i in range(10)]  # ~2.9 s each
    groups = group_segments(sentences, target_s=9.0)  # the first of about 4 s: one sentence
    assert [s for g in groups for s in g] == sentences
    assert [len(g) for g in groups] == [1, 3, 3, 3]
    assert group_segments(["Hello."]) == [["Hello."]]


def test_group_segments_keeps_a_sentence_longer_than_the_target_alone():
    long, short = "x" * 300, "Short."
    assert group_segments([short, long, short], target_s=5.0) == [[short], [long], [short]]
