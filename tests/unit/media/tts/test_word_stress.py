import pytest

from media.tts.espeak_events import espeak_library
from media.tts.word_stress import _nucleus_stresses, _spell_in_context

needs_espeak = pytest.mark.skipif(espeak_library() is None, reason="espeak-ng is not installed")


def test_vowel_nuclei_take_the_stress_mark_before_them():
    assert _nucleus_stresses("mˈeɪbiː") == [1, 0]
    assert _nucleus_stresses("ˌɪntəɹnˈæʃənəl") == [2, 0, 1, 0, 0]
    assert _nucleus_stresses("ɐ") == [0]


@needs_espeak
def test_words_are_spelled_in_context_and_one_by_one_where_a_number_becomes_several_words():
    from media.tts.espeak_events import espeak_library

    if espeak_library() is None:
        pytest.skip("espeak-ng is not installed")
    assert _spell_in_context(espeak_library(), ["bump", "a", "mop"]) == ["bˈʌmp", "ɐ", "mˈɑːp"]
    spelled = _spell_in_context(espeak_library(), ["in", "2024", "a"])
    assert len(spelled) == 3 and "θˈaʊzənd" in spelled[1]
