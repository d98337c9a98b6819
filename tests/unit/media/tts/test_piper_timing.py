"""Piper's own phoneme alignments, on the bundled joe voice."""

import numpy as np
import pytest

from media.phonemes import TimingSource
from media.tts.engines import PIPER_SENTENCE_GAP_S, engine_for
from media.tts.speech import LEAD_SILENCE_S, TAIL_SILENCE_S
from media.tts.synthesize import synthesize_sentences
from storage.local import LocalStorage
from tests.unit.media.tts.conftest import BILABIAL_SENTENCE, rms

pytestmark = pytest.mark.slow

VOWELS = set("aeiouɑɐəɛɪʊʌɔæɜ")


def test_piper_alignments_cover_the_engines_audio_end_to_end(joe):
    samples, rate, track = engine_for(joe).speak(BILABIAL_SENTENCE)
    assert track.source == TimingSource.PIPER, track.note
    phones = track.phones
    assert [p.symbol for p in phones if p.symbol in ("m", "b", "p")] == list("mbbppbmpmp")
    assert all(p.start_s < p.end_s <= q.start_s for p, q in zip(phones, phones[1:]))
    # Piper's sample counts add up to the audio: the last sound ends just before
    # the sentence-final pause and end marker, never past the audio
    duration = len(samples) / rate
    assert phones[-1].end_s <= duration and duration - phones[-1].end_s < 0.3
    assert phones[0].start_s < 0.15
    assert {p.stress for p in phones} == {0, 1}  # stressed vowels are marked


def test_bilabials_fall_where_the_audio_goes_quiet_for_the_closure(piper_bilabials):
    speech = piper_bilabials
    phones = speech.phones.phones
    ratios = []
    for i, phone in enumerate(phones):
        if phone.symbol not in ("m", "b", "p"):
            continue
        quarter = (phone.end_s - phone.start_s) / 4
        closure = rms(speech.samples, speech.sample_rate, phone.start_s + quarter, phone.end_s - quarter)
        vowels = [q for q in phones[max(0, i - 2) : i + 3] if VOWELS & set(q.symbol)]
        vowel = np.mean([rms(speech.samples, speech.sample_rate, q.start_s, q.end_s) for q in vowels])
        ratios.append(closure / vowel)
    assert len(ratios) >= 15
    # lips closed sound quieter than the open vowels around them; a track shifted
    # by a phone or two (or mis-attributed stress marks) puts them on the vowels
    assert np.median(ratios) < 0.8


def test_shaped_phones_start_after_the_lead_pause_and_keep_the_final_p(piper_bilabials):
    phones = piper_bilabials.phones.phones
    assert phones[0].start_s >= LEAD_SILENCE_S - 1e-6
    # every phone survives shaping, even a final "p" whose burst trimming may cut
    assert [p.symbol for p in phones if p.symbol in ("m", "b", "p")] == list("mbbppbmpmp" + "mmmbbbmp")
    assert phones[-1].end_s <= piper_bilabials.duration_s - TAIL_SILENCE_S / 2


def test_piper_timing_survives_the_cache_and_concatenation(joe, tmp_path):
    storage = LocalStorage(tmp_path / "storage", signing_key=b"test")
    sentences = ["Bob came back.", "Pam met him."]
    fresh = synthesize_sentences(sentences, joe, storage)
    cached = synthesize_sentences(sentences, joe, storage)
    assert np.array_equal(cached.samples, fresh.samples) and cached.phones == fresh.phones
    assert cached.phones.source == TimingSource.PIPER
    second_start = fresh.cues[1].start_s
    later = [p for p in cached.phones.phones if p.start_s >= second_start]
    assert [p.symbol for p in later][:2] == ["p", "æ"]
    assert later[-1].end_s <= cached.duration_s


def test_sentences_piper_finds_inside_one_text_keep_their_own_timing(joe):
    samples, rate, track = engine_for(joe).speak("Bob came. Pam met him.")
    assert track.source == TimingSource.PIPER
    symbols = [p.symbol for p in track.phones]
    second = symbols.index("p")  # Pam: the first p of the text
    gap = track.phones[second].start_s - track.phones[second - 1].end_s
    assert gap >= PIPER_SENTENCE_GAP_S + 0.05  # the farm's gap between Piper's sentences, and Piper's own pause
    assert track.phones[-1].end_s <= len(samples) / rate
