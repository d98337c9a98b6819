"""Text as a viewer reads it: shaped (Arabic joined right to left, Devanagari
conjuncts), wrapped or shrunk but never cut, in every script the farm ships a
font for, and read back by OCR."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from media.compose import DRAWN_SCRIPTS, FONT_NAMES, TextStyle, load_font, render_text, text_layer
from media.compose.fonts import _file
from media.compose.text import block_height, render_words
from tests.unit.compose.viewing import ocr

WHITE_ON_DARK = TextStyle(size=40, colour=(255, 255, 255), box=(20, 20, 20, 255), align="left", max_lines=2)


def ink(image: np.ndarray) -> np.ndarray:
    """Where the white text is (the box is dark)."""
    return image[..., 0] > 128


def test_every_font_the_api_may_name_loads_and_draws():
    samples = {
        "noto-sans": "News",
        "noto-serif": "News",
        "noto-sans-cjk": "新聞 新闻 ニュース 뉴스",
        "noto-sans-arabic": "أخبار",
        "noto-sans-devanagari": "समाचार",
        "noto-sans-tamil": "செய்திகள்",
        "noto-sans-telugu": "వార్తలు",
        **{name: word for name, (_, _, word) in NEWS_IN.items()},
    }
    assert set(samples) == set(FONT_NAMES)
    for name, text in samples.items():
        font = load_font(name, 32)
        assert font.getbbox(text)[2] > 20, name


def test_arabic_is_joined_and_runs_right_to_left():
    word = "بيت"  # beh, yeh, teh: every letter joins
    shaped = render_text(word, WHITE_ON_DARK, 600)
    # the same letters in their isolated presentation forms, as an unshaped renderer would draw them,
    # in visual order (right to left)
    isolated = "\ufe8f\ufef1\ufe95"[::-1]
    font = ImageFont.truetype(str(_file("noto-sans-arabic")), 40, layout_engine=ImageFont.Layout.BASIC)
    font.set_variation_by_name("Bold")
    unshaped_width = font.getlength(isolated)
    shaped_width = load_font("noto-sans-arabic", 40).getlength(word)
    assert shaped_width < 0.8 * unshaped_width  # joined forms are narrower than isolated ones
    # right to left: the first letter (beh, a dot below) is on the right
    text = ink(shaped)
    cols = np.where(text.any(axis=0))[0]
    right = text[:, (cols[0] + cols[-1]) // 2 :]
    left = text[:, : (cols[0] + cols[-1]) // 2]
    rows = np.where(text.any(axis=1))[0]
    baseline_low = rows[0] + int(0.75 * (rows[-1] - rows[0]))  # the dot under beh is the lowest ink
    assert right[baseline_low:].sum() > left[baseline_low:].sum()


def _centre_of(picture: np.ndarray, colour: tuple[int, int, int]) -> float:
    """The mean column of the pixels drawn in ``colour``."""
    hit = np.all(np.abs(picture[..., :3].astype(int) - colour) < 40, axis=-1) & (picture[..., 3] > 200)
    assert hit.sum() > 20, f"nothing drawn in {colour}"
    return float(np.where(hit)[1].mean())


@pytest.mark.parametrize(
    ("words", "left_to_right"),
    [
        # an Arabic line with an English name and a year: the English reads left to right inside it
        (["مباشر:", "BBC", "News", "2025"], ["BBC", "2025", "مباشر:"]),
        # an English line with an Arabic name: the name reads right to left inside it
        (["Interview", "with", "مرحبا", "بكم", "today"], ["with", "بكم", "مرحبا", "today"]),
        # numbers in Arabic: each where it stands, right to left
        (["المجلس", "يوافق", "على", "3", "جسور"], ["جسور", "3", "على"]),
    ],
)
def test_words_of_mixed_direction_are_shown_in_the_bidirectional_algorithms_order(words, left_to_right):
    palette = [(255, 60, 60), (60, 255, 60), (60, 120, 255), (255, 255, 60), (255, 60, 255)]
    colours = [palette[i] for i in range(len(words))]
    picture = render_words(words, colours, TextStyle(size=40, colour=(255, 255, 255), box=(0, 0, 0, 255)), 1400)
    centres = [_centre_of(picture, colours[words.index(w)]) for w in left_to_right]
    assert centres == sorted(centres)


def test_devanagari_forms_its_conjuncts():
    word = "क्षत्रिय"
    shaped = load_font("noto-sans-devanagari", 40).getlength(word)
    font = ImageFont.truetype(str(_file("noto-sans-devanagari")), 40, layout_engine=ImageFont.Layout.BASIC)
    font.set_variation_by_name("Bold")
    # without shaping the virama shows as its own mark and the letters stand apart: wider
    assert shaped < 0.9 * font.getlength(word)


@pytest.mark.parametrize(("name", "word"), [("noto-sans-tamil", "ஸ்ரீ"), ("noto-sans-telugu", "ప్రారంభం")])
def test_tamil_and_telugu_form_their_conjuncts(name, word):
    shaped = load_font(name, 40).getlength(word)
    font = ImageFont.truetype(str(_file(name)), 40, layout_engine=ImageFont.Layout.BASIC)
    font.set_variation_by_name("Bold")
    # unshaped, every virama and vowel sign stands apart as its own mark beside the letters: wider
    assert shaped < 0.9 * font.getlength(word)


#: every other script espeak-ng speaks, with the font that draws it: a language it speaks, a headline as a newsroom
#: writes it (its punctuation and digits, which most of these fonts lack), and a word
NEWS_IN = {
    "noto-sans-hebrew": ("he", "חדשות: ראש הממשלה נאם היום, ב-2025.", "חדשות"),
    "noto-sans-thai": ("th", "ข่าวด่วน: ฝนตกที่กรุงเทพ 25 มม.", "ข่าว"),
    "noto-sans-bengali": ("bn", "আজকের সংবাদ: ঢাকায় বৃষ্টি, ২৫ মিমি।", "সংবাদ"),
    "noto-sans-gurmukhi": ("pa", "ਅੱਜ ਦੀਆਂ ਖ਼ਬਰਾਂ: ਮੀਂਹ, 25 ਮਿਮੀ।", "ਖ਼ਬਰਾਂ"),
    "noto-sans-gujarati": ("gu", "આજના સમાચાર: વરસાદ, 25 મીમી.", "સમાચાર"),
    "noto-sans-oriya": ("or", "ଆଜିର ଖବର: ବର୍ଷା, 25 ମିମି।", "ଖବର"),
    "noto-sans-kannada": ("kn", "ಇಂದಿನ ಸುದ್ದಿ: ಮಳೆ, 25 ಮಿಮೀ.", "ಸುದ್ದಿ"),
    "noto-sans-malayalam": ("ml", "ഇന്നത്തെ വാർത്ത: മഴ, 25 മിമീ.", "വാർത്ത"),
    "noto-sans-sinhala": ("si", "අද පුවත්: වැසි, මි.මී. 25.", "පුවත්"),
    "noto-sans-myanmar": ("my", "ယနေ့ သတင်း: မိုး၊ ၂၅ မီလီမီတာ။", "သတင်း"),
    "noto-sans-georgian": ("ka", "დღევანდელი ამბები: წვიმა, 25 მმ.", "ამბები"),
    "noto-sans-armenian": ("hy", "Այսօրվա լուրեր. անձրև, 25 մմ:", "լուրեր"),
    "noto-sans-ethiopic": ("am", "የዛሬ ዜናዎች፡ ዝናብ፣ 25 ሚሜ።", "ዜናዎች"),
}


@pytest.mark.parametrize("name", sorted(NEWS_IN))
def test_every_script_a_voice_speaks_is_drawn_in_its_own_font_without_a_box(name):
    from media.compose.fonts import characters, font_for, undrawable, word_runs
    from media.compose.text import tokens
    from media.tts.voices import espeak_languages

    language, headline, _ = NEWS_IN[name]
    assert language in espeak_languages().values()  # a voice speaks it, so a newsroom will title it
    assert undrawable(headline) == []  # the API takes it
    assert name.removeprefix("noto-sans-").capitalize() in DRAWN_SCRIPTS  # and a refusal names it among those drawn
    assert font_for(headline, None) == name
    for word in tokens(headline):
        for text, font in word_runs(word, name):  # each piece in a font that has all of it: no box anywhere
            assert all(ord(char) in characters(font) for char in text), (word, text, font)


def test_a_hebrew_words_punctuation_from_another_font_stands_where_it_is_read():
    """The Hebrew face has no colon, comma or digits; they come from Noto Sans and still read right to left: the
    colon that ends "חדשות:" is drawn on its left."""
    from media.compose.fonts import word_runs

    assert word_runs("חדשות:", "noto-sans-hebrew") == [(":", "noto-sans"), ("חדשות", "noto-sans-hebrew")]
    assert [text for text, _ in word_runs("ב-2025,", "noto-sans-hebrew")] == [",", "2025", "-", "ב"]
    # a number keeps its separators and its percent sign (it showed 30:10-ב, 000,1-ב, 5.3-ב and %50-ב), and
    # brackets that read right to left face the word they hold (they showed )שלום()
    shown = {w: "".join(t for t, _ in word_runs(w, "noto-sans-hebrew")) for w in ("ב-10:30", "ב-1,000", "ב-3.5")}
    assert shown == {"ב-10:30": "10:30-ב", "ב-1,000": "1,000-ב", "ב-3.5": "3.5-ב"}
    assert "".join(t for t, _ in word_runs("ב-50%", "noto-sans-hebrew")) == "50%-ב"
    assert "".join(t for t, _ in word_runs("(שלום)", "noto-sans-hebrew")) == "(שלום)"
    text = ink(render_text("חדשות:", WHITE_ON_DARK, 600))
    columns = np.flatnonzero(text.any(axis=0))
    gaps = np.flatnonzero(np.diff(columns) > 1)
    leftmost = text[:, columns[0] : columns[gaps[0]] + 1]  # the first glyph from the left
    rows = np.flatnonzero(leftmost.any(axis=1))
    assert leftmost.shape[1] < 0.3 * WHITE_ON_DARK.size  # narrow
    assert (np.diff(rows) > 1).sum() == 1  # two dots, one above the other: the colon


def test_thai_and_myanmar_break_lines_between_their_words_not_only_at_spaces():
    """Thai and Myanmar put no spaces between words: a long Thai title had nowhere to wrap, and shrank to a third of
    its size on a 9:16 cut. ICU's line breaker finds the words with its dictionary."""
    from media.compose.text import line_pieces

    assert line_pieces("ข่าวด่วนนายกรัฐมนตรี") == ["ข่าว", "ด่วน", "นายก", "รัฐมนตรี"]
    assert "".join(line_pieces("ဒီနေ့ရန်ကုန်မှာမိုးရွာတယ်")) == "ဒီနေ့ရန်ကုန်မှာမိုးရွာတယ်"
    assert len(line_pieces("ဒီနေ့ရန်ကုန်မှာမိုးရွာတယ်")) > 3
    assert line_pieces("Bridge") == ["Bridge"] and line_pieces("北京") == ["北京"]  # others as they were
    title = "ข่าวด่วนนายกรัฐมนตรีแถลงข่าววันนี้เรื่องน้ำท่วมภาคเหนือและภาคกลาง"
    style = TextStyle(size=101, colour=(255, 255, 255), box=(20, 20, 20, 255), max_lines=2)
    picture = render_text(title, style, 950)
    # as tall as two lines at the 60 % floor at least: it was one line shrunk to about 35 px
    assert picture.shape[0] >= block_height("noto-sans-thai", style.smallest, 2), picture.shape


@pytest.mark.parametrize(
    ("name", "word"),
    [("noto-sans-bengali", "ক্ষমতা"), ("noto-sans-gurmukhi", "ਪ੍ਰਧਾਨ"), ("noto-sans-kannada", "ಸ್ಪರ್ಧೆ")],
)
def test_bengali_gurmukhi_and_kannada_form_their_conjuncts(name, word):
    shaped = load_font(name, 40).getlength(word)
    unshaped = ImageFont.truetype(str(_file(name)), 40, layout_engine=ImageFont.Layout.BASIC).getlength(word)
    assert shaped < 0.9 * unshaped


@pytest.mark.parametrize(("name", "language"), [("noto-sans-hebrew", "heb"), ("noto-sans-bengali", "ben")])
def test_hebrew_and_bengali_titles_read_back(name, language, tmp_path):
    headline = NEWS_IN[name][1]
    picture = render_text(headline, TextStyle(size=44, colour=(255, 255, 255), box=(20, 20, 20, 255)), 1200)
    frame = np.zeros((picture.shape[0] + 40, 1240, 3), np.uint8)
    frame[20 : 20 + picture.shape[0], 20 : 20 + picture.shape[1]] = picture[..., :3]
    read = ocr(frame, tmp_path, language)
    words = [w.strip(":,.।") for w in headline.split() if not any(c.isdigit() for c in w)]
    assert sum(word in read for word in words) >= len(words) - 1, read


def test_tamil_and_telugu_titles_are_drawn_not_refused():
    from media.compose import undrawable

    assert undrawable("சென்னை: புதிய பாலம் · హైదరాబాద్: కొత్త వంతెన") == []


def test_a_long_title_wraps_or_shrinks_and_is_never_cut(tmp_path):
    title = "Breaking news tonight the council approves a new bridge over the river after years of debate"
    overlay = {
        "type": "text",
        "text": title,
        "role": "title",
        "start": 0.0,
        "end": None,
        "font": None,
        "size": None,
        "color": None,
        "background_color": None,
        "position": None,
    }
    layer = text_layer(overlay, 640, 360)
    assert layer.x >= 0 and layer.x + layer.pixels.shape[1] <= 640  # inside the canvas
    frame = np.zeros((360, 640, 3), np.uint8)
    h, w = layer.pixels.shape[:2]
    a = layer.pixels[..., 3:4] / 255.0
    frame[layer.y : layer.y + h, layer.x : layer.x + w] = (layer.pixels[..., :3] * a).astype(np.uint8)
    read = ocr(frame, tmp_path).lower().split()
    words = title.lower().split()
    assert sum(word in read for word in words) >= len(words) - 2, read  # every line is there: first and last words too
    assert "breaking" in read and "debate" in read


def test_chinese_text_reads_back(tmp_path):
    style = TextStyle(size=40, colour=(255, 255, 255), box=(20, 20, 20, 255), max_lines=2)
    picture = render_text("北京新闻", style, 600)
    frame = np.zeros((120, 640, 3), np.uint8)
    frame[10 : 10 + picture.shape[0], 10 : 10 + picture.shape[1]] = picture[..., :3]
    assert "北京新闻" in ocr(frame, tmp_path, "chi_sim").replace(" ", "")


@pytest.mark.parametrize("text", ["مرحبا بالعالم", "नमस्ते दुनिया", "日本語 한국어 中文 繁體"])
def test_scripts_are_drawn_with_glyphs_not_boxes(text):
    """A missing glyph draws as the same empty box (.notdef) every time: distinct characters must look distinct."""
    font_name = {"م": "noto-sans-arabic", "न": "noto-sans-devanagari"}.get(text[0], "noto-sans-cjk")
    font = load_font(font_name, 32)
    chars = [c for c in text if not c.isspace()][:4]
    masks = []
    for char in chars:
        image = Image.new("L", (64, 64))
        ImageDraw.Draw(image).text((8, 8), char, font=font, fill=255)
        masks.append(np.asarray(image) > 0)
    for i in range(len(masks)):
        for j in range(i + 1, len(masks)):
            if chars[i] != chars[j]:
                assert (masks[i] != masks[j]).any()


#: Jerusalem as the Bible points it: patah then hiriq under the lamed, kept in that order by a combining grapheme
#: joiner (U+034F, as Unicode advises), which the Hebrew face lacks and Noto Sans has
JERUSALEM = "יְרוּשָׁלַ\u034fִם"


def test_a_combining_mark_stays_in_its_letters_font_where_its_word_is_split_between_fonts():
    """A letter and its combining marks (a grapheme cluster) are drawn in one font: one that has them all, else
    the letter's. Before, each character took its own font, and a mark its letter's font lacked (or the mark
    after it) became a run of its own, drawn on a dotted circle beside the letters."""
    from media.compose.fonts import characters, word_runs

    assert 0x034F not in characters("noto-sans-hebrew") and 0x0307 not in characters("noto-sans-hebrew")
    assert word_runs(JERUSALEM, "noto-sans-hebrew") == [(JERUSALEM, "noto-sans-hebrew")]
    # no shipped font has both shin and U+0307: the cluster stays in the shin's font (the mark is not dropped)
    assert word_runs("ש\u0307לום", "noto-sans-hebrew") == [("ש\u0307לום", "noto-sans-hebrew")]
    # the CJK face has Latin letters but no combining acute: the é goes whole to Noto Sans, which has both
    assert word_runs("北京Cafe\u0301", "noto-sans-cjk") == [("北京Caf", "noto-sans-cjk"), ("e\u0301", "noto-sans")]
    for word in (JERUSALEM, "ש\u0307לום", "北京Cafe\u0301", "חדשות:"):
        assert not any(unicodedata.category(text[0]).startswith("M") for text, _ in word_runs(word, "noto-sans-hebrew"))


def test_a_hebrew_letters_points_are_drawn_under_it_not_beside_it():
    """Judged on the picture: the lamed and mem of לַ͏ִם stand where they stand in לם, nothing is drawn between or
    beside them, and the points' ink (where the two pictures differ) lies under the lamed, within its columns."""
    style = TextStyle(size=120, colour=(255, 255, 255), box=(20, 20, 20, 255), max_lines=1)
    pointed = render_text("לַ\u034fִם", style, 2000)
    bare = render_text("לם", style, 2000)
    assert pointed.shape == bare.shape  # the marks take no room of their own
    letters, drawn = ink(bare), ink(pointed)
    assert not (letters & ~drawn).any()  # the letters are where they were
    cols = np.flatnonzero(letters.any(axis=0))
    gap = np.flatnonzero(np.diff(cols) > 1)
    assert gap.size == 1  # two letters: mem on the left, lamed on the right
    lamed = (int(cols[gap[0] + 1]), int(cols[-1]))
    points = drawn & ~letters
    point_cols, point_rows = np.flatnonzero(points.any(axis=0)), np.flatnonzero(points.any(axis=1))
    assert point_cols.size, "the points were drawn"
    assert lamed[0] <= point_cols[0] and point_cols[-1] <= lamed[1], (point_cols[[0, -1]], lamed)
    assert point_rows[0] > np.flatnonzero(letters.any(axis=1))[-1]  # under the letters


#: no shipped font has a glyph for a private-use character: it is drawn as the box (.notdef)
NO_GLYPH = "\ue000"


@pytest.mark.parametrize(
    "before, after",
    [("北京", "上海"), ("东京", "大阪"), ("درجة", "الحرارة"), ("नगर", "परिषद"), ("Markets", "today")],
)
def test_a_symbol_the_texts_font_lacks_is_drawn_from_a_font_that_has_it_not_as_a_box(before, after):
    """A Chinese title's middle dot or degree sign (Noto Sans CJK's subset has neither), an Arabic or a Hindi
    one's ±, an arrow or a market's ▲ in any: each is drawn in a font that has it. Drawn as a box, it would be
    drawn exactly as a character no font has."""
    style = TextStyle(size=48, colour=(255, 255, 255), box=None, max_lines=1)
    boxed = render_text(f"{before} {NO_GLYPH} {after}", style, 4000)
    for symbol in "·°€£¥×±©®→↑▲▼●★☀♪①":
        drawn = render_text(f"{before} {symbol} {after}", style, 4000)
        assert drawn.shape != boxed.shape or not np.array_equal(drawn, boxed), symbol


def test_a_word_takes_a_fallback_font_only_for_what_its_texts_font_lacks():
    from media.compose.fonts import word_font

    assert word_font("北京", "noto-sans-cjk") == "noto-sans-cjk"
    assert word_font("·", "noto-sans-cjk") == "noto-sans"
    assert word_font("25°C", "noto-sans-cjk") == "noto-sans"
    assert word_font("±2", "noto-sans-arabic") == "noto-sans"
    assert word_font("News", "noto-serif") == "noto-serif"
    assert word_font("→", "noto-sans") == word_font("▲", "noto-sans-arabic") == "noto-sans-symbols"
    # no font has it all: the one with the most of it, the text's own on a tie
    assert word_font(f"北{NO_GLYPH}", "noto-sans") == "noto-sans-cjk"
    assert word_font(NO_GLYPH, "noto-sans-cjk") == "noto-sans-cjk"


def test_a_word_no_one_font_has_is_drawn_a_run_of_characters_at_a_time():
    from media.compose.fonts import word_runs

    assert word_runs("北京", "noto-sans-cjk") == [("北京", "noto-sans-cjk")]
    assert word_runs("25°C", "noto-sans-cjk") == [("25°C", "noto-sans")]
    assert word_runs("▲2%", "noto-sans") == [("▲", "noto-sans-symbols"), ("2%", "noto-sans")]
    assert word_runs("▲北京", "noto-sans-cjk") == [("▲", "noto-sans-symbols"), ("北京", "noto-sans-cjk")]
    style = TextStyle(size=48, colour=(255, 255, 255), box=None, max_lines=1)
    for text in ("▲北京 上海", "Markets ▲2% today"):
        drawn = render_text(text, style, 4000)
        boxed = render_text(text.replace("▲", NO_GLYPH), style, 4000)
        assert drawn.shape != boxed.shape or not np.array_equal(drawn, boxed), text


def test_beside_chinese_the_spaces_a_text_was_written_with_are_kept_and_none_are_added():
    style = TextStyle(size=48, colour=(255, 255, 255), box=None, max_lines=1)
    space = load_font("noto-sans-cjk", 48).getlength(" ")

    def width(text: str) -> int:
        return int(render_text(text, style, 4000).shape[1])

    assert width("北京 · 上海") - width("北京·上海") == pytest.approx(2 * space, abs=1.5)
    assert width("北京 25°C") - width("北京25°C") == pytest.approx(space, abs=1.5)
    # a caption's words, given one by one, join beside Chinese as the text written without spaces does
    words = ["北京", "新闻"]
    assert render_words(words, [(255, 255, 255)] * 2, style, 4000).shape == render_text("北京新闻", style, 4000).shape


def test_what_no_shipped_font_draws_is_named_once_each_and_joiners_are_not():
    from media.compose.fonts import undrawable

    assert undrawable("Jane Doe · City reporter · 25°C · €3 · Ünïcödé · Привет · Γειά") == []
    assert undrawable("北京 · 東京 · 서울 · مرحبا · नमस्ते · न\u200dम") == []
    assert undrawable("→ ↑ ▲ ▼ ● ★ ☀ ♪ ✓ ① ℃ ™") == []
    assert undrawable("► LIVE ✗ Paris ✗ ► 𓀀") == ["►", "✗", "𓀀"]
    assert undrawable("🔴 LIVE ✈ ❄ ❤\ufe0f 👍🏽 🇫🇷 👨\u200d👩\u200d👧 1️⃣") == []  # emoji, in colour (Noto Color Emoji)
    assert undrawable("ខ្មែរ") == list("ខ្មែរ")  # Khmer: no voice speaks it, no font is shipped for it


def test_burned_in_captions_leave_out_symbols_no_font_draws_instead_of_drawing_boxes():
    from media.compose import caption_track

    words = [("Breaking", 0.0, 0.4), ("🔴", 0.4, 0.5), ("news►", 0.5, 0.9), ("tonight→", 0.9, 1.3), ("𓀀", 1.3, 1.4)]
    track = caption_track(words, {"burn_in": True, "style": "subtitle"}, 1280, 720)
    # given as a word, an emoji is drawn (speech's words never hold one: it is not spoken); what no font has is
    # left out
    assert [w[0] for page in track.pages for w in page.words] == ["Breaking", "🔴", "news", "tonight→"]
    assert track.layer_at(0.2) is not None


def test_a_lower_third_that_reads_right_to_left_starts_on_the_right_and_aligns_its_lines_right():
    from media.compose.overlays import safe_area

    area = safe_area(1920, 1080)
    english = text_layer({"type": "text", "text": "Jane Doe · City reporter", "role": "lower_third"}, 1920, 1080)
    arabic = text_layer({"type": "text", "text": "سارة أحمد · مراسلة المدينة", "role": "lower_third"}, 1920, 1080)
    assert english.x == area.left
    assert arabic.x + arabic.pixels.shape[1] == area.right
    # two lines in a box: each line ends at the box's right edge, the shorter one's ragged edge on the left
    two_lines = render_text("مراسلة المدينة في القاهرة منذ عشر سنوات · سارة أحمد", TWO_LINE_STYLE, 520)
    ink_cols = [np.where(ink(two_lines)[rows].any(axis=0))[0] for rows in _line_rows(two_lines)]
    assert len(ink_cols) == 2
    assert abs(int(ink_cols[0][-1]) - int(ink_cols[1][-1])) <= 6  # right edges agree
    assert abs(int(ink_cols[0][0]) - int(ink_cols[1][0])) > 20  # left edges do not


TWO_LINE_STYLE = TextStyle(size=40, colour=(255, 255, 255), box=(31, 41, 55, 235), align="left", max_lines=2)


def _line_rows(picture: np.ndarray) -> list[slice]:
    """Each line of ink's rows, found as the bands of rows with ink between empty ones."""
    rows = ink(picture).any(axis=1)
    bands, start = [], None
    for y, inked in enumerate(list(rows) + [False]):
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            if y - start > 10:
                bands.append(slice(start, y))
            start = None
    return bands


def test_a_caption_page_of_an_arabic_sentence_that_begins_with_an_english_name_reads_right_to_left():
    from media.compose import caption_track

    words = [("Apple", 0.0, 0.3), ("اليوم", 0.3, 0.6), ("عن", 0.6, 0.9), ("آيفون", 0.9, 1.2), ("جديد", 1.2, 1.5)]
    track = caption_track(words, {"burn_in": True, "style": "word", "highlight_color": "#ff0000"}, 1280, 720)
    first = track.layer_at(0.1)[0]  # "Apple" highlighted, the first page "Apple اليوم عن"
    assert [w[0] for w in track.pages[0].words] == ["Apple", "اليوم", "عن"]
    red = np.all(np.abs(first[..., :3].astype(int) - (255, 0, 0)) < 40, axis=-1) & (first[..., 3] > 200)
    assert np.where(red)[1].mean() > 0.6 * first.shape[1]  # read first, so on the right


def _coloured(picture: np.ndarray, lo: tuple[int, int, int], hi: tuple[int, int, int]) -> np.ndarray:
    """The opaque pixels of an RGBA picture whose colour lies between ``lo`` and ``hi``, channel by channel."""
    rgb, alpha = picture[..., :3].astype(int), picture[..., 3]
    return (alpha > 200) & np.all(rgb >= lo, axis=2) & np.all(rgb <= hi, axis=2)


def test_an_emoji_in_a_title_is_drawn_in_its_own_colours_at_the_texts_size():
    """A title with 🔴 was refused (no shipped font had emoji); now it is drawn in colour from Noto Color Emoji,
    on the text's line, about as tall as the text, whatever the text's colour."""
    style = TextStyle(size=57, colour=(255, 255, 255), box=None)
    title = render_text("🔴 LIVE: Council votes", style, 1500)
    red = _coloured(title, (200, 0, 0), (255, 110, 110))
    rows, cols = np.nonzero(red)
    assert red.sum() > 0.5 * 57 * 57  # a disc, most of a 57-pixel square
    assert 0.8 * 57 <= rows.max() - rows.min() <= 1.3 * 57 and cols.max() < 0.2 * title.shape[1]  # first, text-sized
    plain = render_text("LIVE: Council votes", style, 1500)
    assert not _coloured(plain, (200, 0, 0), (255, 110, 110)).any()


def test_an_emoji_sequence_is_one_picture_and_a_symbol_keeps_the_texts_style_unless_asked_for_in_colour():
    from media.compose.fonts import EMOJI_FONT, EmojiFace, word_runs

    face = EmojiFace(57)
    one = face.getlength("🔴")
    for sequence in ("👨\u200d👩\u200d👧", "👍🏽", "🇫🇷", "1️⃣"):  # joined, a skin tone, a flag, a keycap
        assert face.getlength(sequence) == pytest.approx(one), sequence
        assert word_runs(sequence, "noto-sans") == [(sequence, EMOJI_FONT)], sequence
    style = TextStyle(size=57, colour=(255, 255, 255), box=(0, 0, 0, 255))
    sun_text, sun_emoji = render_text("☀", style, 500), render_text("☀\ufe0f", style, 500)
    yellow = ((230, 150, 0), (255, 230, 120))
    assert not _coloured(sun_text, *yellow).any() and _coloured(sun_emoji, *yellow).sum() > 200
    assert word_runs("Storm🌪️tonight", "noto-sans") == [
        ("Storm", "noto-sans"),
        ("🌪️", EMOJI_FONT),
        ("tonight", "noto-sans"),
    ]


def test_the_emoji_pictures_kept_are_bounded_in_bytes_whatever_titles_are_drawn():
    """A picture was kept per whole title at its size (256 of them): 256 titles of seven emoji at 400 px held
    1.4 GB in a worker for good. Pictures are now kept per emoji at the bitmaps' own size, and no more than
    ``EMOJI_KEPT_BYTES`` of them."""
    import random

    from media.compose import fonts

    emoji = [chr(c) for c in range(0x1F300, 0x1F64F) if c in fonts.characters(fonts.EMOJI_FONT)]
    rng = random.Random(3)
    style = TextStyle(size=400, colour=(255, 255, 255), box=None, max_lines=4)
    for _ in range(40):
        render_text(" ".join(rng.choice(emoji) for _ in range(7)), style, 3400)
    assert 0 < fonts._kept_bytes <= fonts.EMOJI_KEPT_BYTES
    assert all(len(fonts._kept[c].getbbox() or ()) == 4 for c in list(fonts._kept)[:5])  # each a drawn picture
    assert max(picture.height for picture in fonts._kept.values()) < 200  # the bitmaps' size, not the title's
    rng.shuffle(emoji)
    for many in range(0, len(emoji), 40):  # more distinct emoji than the bound holds
        fonts.EmojiFace(57).picture("".join(emoji[many : many + 40]))
    assert fonts._kept_bytes <= fonts.EMOJI_KEPT_BYTES
