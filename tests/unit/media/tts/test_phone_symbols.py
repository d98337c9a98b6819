from media.tts.phone_symbols import arpabet_to_ipa, espeak_ipa_to_symbol, group_piper_phonemes


def test_arpabet_becomes_ipa_with_its_stress_digit_and_silence_is_no_phone():
    assert arpabet_to_ipa("EY1") == ("eɪ", 1)
    assert arpabet_to_ipa("CH") == ("tʃ", 0)
    assert arpabet_to_ipa("M") == ("m", 0)
    assert arpabet_to_ipa("AH0") == ("ʌ", 0)
    assert arpabet_to_ipa("SIL") is None and arpabet_to_ipa("+SPN+") is None


def test_piper_stress_mark_goes_to_the_sound_it_stresses_with_its_samples():
    # "bˈoʊθ": the stress mark's 1280 samples belong to the vowel after it
    grouped = group_piper_phonemes(
        [("^", 100), ("b", 768), ("ˈ", 1280), ("o", 1280), ("ʊ", 768), ("θ", 1024), ("$", 50)]
    )
    assert grouped == [("b", 100, 868, 0), ("oʊ", 868, 4196, 1), ("θ", 4196, 5220, 0)]


def test_piper_length_marks_and_diacritics_stay_on_their_sound_and_pauses_make_no_phone():
    grouped = group_piper_phonemes(
        [("m", 10), ("i", 20), ("ː", 30), (" ", 40), ("t", 10), ("ʰ", 5), (",", 100), ("a", 10)]
    )
    assert grouped == [("m", 0, 10, 0), ("iː", 10, 60, 0), ("tʰ", 100, 115, 0), ("a", 215, 225, 0)]


def test_piper_affricates_join_but_letters_across_a_word_gap_do_not():
    grouped = group_piper_phonemes([("t", 10), ("ʃ", 10), (" ", 5), ("a", 10), (" ", 5), ("ɪ", 10)])
    assert [g[0] for g in grouped] == ["tʃ", "a", "ɪ"]


def test_piper_phones_cover_exactly_the_samples_of_the_sounds():
    chars = [
        ("^", 512),
        ("h", 768),
        ("ə", 1280),
        ("l", 512),
        ("ˈ", 768),
        ("o", 1280),
        ("ʊ", 512),
        ("!", 3584),
        ("$", 512),
    ]
    grouped = group_piper_phonemes(chars)
    assert grouped[-1][2] == sum(n for _, n in chars) - 3584 - 512
    assert all(a[2] <= b[1] for a, b in zip(grouped, grouped[1:]))


def test_espeak_ipa_loses_tones_and_stress_and_spells_aspiration_in_ipa():
    assert espeak_ipa_to_symbol("tɕh") == ("tɕʰ", 0)
    assert espeak_ipa_to_symbol("th") == ("tʰ", 0)
    assert espeak_ipa_to_symbol("ˈa˥˩") == ("a", 1)
    assert espeak_ipa_to_symbol("i55") == ("i", 0)
    assert espeak_ipa_to_symbol("h") == ("h", 0)  # a plain h is not an aspirated nothing
    assert espeak_ipa_to_symbol("") is None and espeak_ipa_to_symbol("_") is None
    assert espeak_ipa_to_symbol("(en)") is None  # a language switch
