"""Stress for phones whose source has none (pocketsphinx's English model).

Each aligned or recognised word's stressed syllable is read from espeak-ng's
IPA spelling of the word (``mˈeɪbiː``: the first), spelled among its
neighbours, and given to the same vowel, counted in order, among the word's
phones. Without espeak-ng the phones keep stress 0.
"""

from __future__ import annotations

from typing import Any

from media.phonemes import Phone, PhoneTrack
from media.tts.espeak_events import espeak_library
from media.tts.phone_symbols import PRIMARY_STRESS, SECONDARY_STRESS, is_modifier

_VOWELS = set("aeiouɑɐəɛɪʊʌɔæɜɝɚɒøœy")


def with_stress(track: PhoneTrack) -> PhoneTrack:
    """The track with its stressed vowels marked. pocketsphinx's English model
    has no stress, so each word's stressed syllable is taken from espeak-ng's
    spelling of that word (the vowel after its ``ˈ``/``ˌ``), and given to the
    same vowel, counted in order, among the word's aligned phones. Unchanged
    without espeak-ng."""
    library = espeak_library()
    if library is None or not track.words:
        return track
    spelled = _spell_in_context(library, [word.text for word in track.words])
    stress_at: dict[int, int] = {}  # phone index → stress
    phones = track.phones
    index = 0
    for word, spelling in zip(track.words, spelled):
        while index < len(phones) and phones[index].start_s < word.start_s:
            index += 1
        vowels = []
        while index < len(phones) and phones[index].start_s < word.end_s:
            if phones[index].symbol[:1] in _VOWELS:
                vowels.append(index)
            index += 1
        for nucleus, stress in enumerate(_nucleus_stresses(spelling)):
            if stress and nucleus < len(vowels):
                stress_at[vowels[nucleus]] = stress
    return PhoneTrack(
        track.source,
        tuple(Phone(p.symbol, p.start_s, p.end_s, stress_at.get(i, p.stress)) for i, p in enumerate(phones)),
        track.words,
        track.note,
    )


def _spell_in_context(library: Any, words: list[str], group: int = 24) -> list[str]:
    """Each word's IPA spelling, spelled among its neighbours (alone, "a" is
    the letter, stressed); a group whose spelling does not split into one
    piece per word (numbers read as several words) is spelled word by word."""
    out: list[str] = []
    for start in range(0, len(words), group):
        chunk = words[start : start + group]
        [together] = library.spell([" ".join(chunk)], "en-us")
        pieces = together.split()
        out += pieces if len(pieces) == len(chunk) else library.spell(chunk, "en-us")
    return out


def _nucleus_stresses(spelling: str) -> list[int]:
    """The stress of each vowel nucleus in an IPA spelling, in order: ``mˈeɪbiː`` → [1, 0]."""
    stresses, pending, in_vowel = [], 0, False
    for char in spelling:
        if char in (PRIMARY_STRESS, SECONDARY_STRESS):
            pending = 1 if char == PRIMARY_STRESS else 2
            in_vowel = False
        elif char in _VOWELS:
            if not in_vowel:
                stresses.append(pending)
                pending = 0
            in_vowel = True
        elif not is_modifier(char):
            in_vowel = False
    return stresses
