"""Every timing source's alphabet, brought to the one ``media.phonemes`` speaks.

Piper hands over IPA one code point at a time (``ˈ``, ``e``, ``ɪ``, ``ː``),
pocketsphinx speaks ARPAbet (``EY``, ``CH``), and espeak-ng is asked for its
own IPA (``espeakINITIALIZE_PHONEME_IPA``: its phoneme tables know the IPA of
each of their phonemes in every language, which no hand-made table of
mnemonics would match), which still spells aspiration the ASCII way
(``th``, ``tɕh``). Each comes out as ``Phone.symbol``: one IPA segment with
its diacritics and length, affricates and diphthongs whole, no stress marks,
no tones.
"""

from __future__ import annotations

import unicodedata
from typing import Any

PRIMARY_STRESS = "ˈ"
SECONDARY_STRESS = "ˌ"
#: Code points that modify the segment before them rather than start one.
_MODIFIERS = set("ːˑʰʲʷˠˤ˞ⁿˡʼ")
_TIE_BARS = {"\u0361", "\u035c"}
#: Tone letters (Chao) and digits: the face has no use for pitch.
_TONES = set("˥˦˧˨˩꜒꜓꜔꜕꜖0123456789")
#: Two letters that make one segment: affricates and the common diphthongs.
_PAIRS = {
    "tʃ",
    "dʒ",
    "ts",
    "dz",
    "tɕ",
    "dʑ",
    "ʈʂ",
    "ɖʐ",
    "tʂ",
    "dʐ",
    "eɪ",
    "aɪ",
    "ɔɪ",
    "aʊ",
    "oʊ",
    "əʊ",
    "ɑʊ",
    "ɑu",
    "au",
    "ai",
    "ei",
    "ou",
    "iɛ",
    "uo",
    "ɪə",
    "eə",
    "ʊə",
}
#: What Piper's phoneme alphabet uses for things that are not sounds.
PIPER_NON_PHONES = {"^", "$", "_", " "}

ARPABET_TO_IPA = {
    "AA": "ɑ",
    "AE": "æ",
    "AH": "ʌ",
    "AO": "ɔ",
    "AW": "aʊ",
    "AX": "ə",
    "AY": "aɪ",
    "B": "b",
    "CH": "tʃ",
    "D": "d",
    "DH": "ð",
    "EH": "ɛ",
    "ER": "ɝ",
    "EY": "eɪ",
    "F": "f",
    "G": "ɡ",
    "HH": "h",
    "IH": "ɪ",
    "IY": "i",
    "JH": "dʒ",
    "K": "k",
    "L": "l",
    "M": "m",
    "N": "n",
    "NG": "ŋ",
    "OW": "oʊ",
    "OY": "ɔɪ",
    "P": "p",
    "R": "ɹ",
    "S": "s",
    "SH": "ʃ",
    "T": "t",
    "TH": "θ",
    "UH": "ʊ",
    "UW": "u",
    "V": "v",
    "W": "w",
    "Y": "j",
    "Z": "z",
    "ZH": "ʒ",
}
#: Plosives and affricates that espeak-ng aspirates with a plain "h".
_ASPIRABLE = ("tɕ", "ts", "tʂ", "tʃ", "p", "t", "k", "c", "q")


def is_modifier(char: str) -> bool:
    return char in _MODIFIERS or unicodedata.category(char) == "Mn"


def arpabet_to_ipa(phone: str) -> tuple[str, int] | None:
    """``EY1`` → (``eɪ``, 1); silence and noise units (``SIL``, ``+SPN+``) → None."""
    stress = int(phone[-1]) if phone[-1:].isdigit() else 0
    symbol = ARPABET_TO_IPA.get(phone.rstrip("012").upper())
    return None if symbol is None else (symbol, stress)


def espeak_ipa_to_symbol(ipa: str) -> tuple[str, int] | None:
    """One espeak-ng phoneme event's IPA → (symbol, stress); pauses → None."""
    if ipa.startswith("("):
        return None  # "(en)": a switch to another language's phonemes, not a sound
    stress = 1 if PRIMARY_STRESS in ipa else 2 if SECONDARY_STRESS in ipa else 0
    text = "".join(
        c for c in ipa if c not in _TONES and c not in (PRIMARY_STRESS, SECONDARY_STRESS, "_", "'", ",")
    ).strip()
    if not text or not any(c.isalpha() for c in text):
        return None
    for stop in _ASPIRABLE:
        if text.startswith(stop + "h") and len(text) == len(stop) + 1:
            text = stop + "ʰ"
            break
    return text, stress


def group_piper_phonemes(phonemes: list[tuple[str, int]]) -> list[tuple[str, int, int, int]]:
    """Piper's (code point, samples) alignments → (symbol, first sample, end sample, stress).

    A stress mark's samples go to the sound it stresses (the next one), a
    modifier's to the sound it modifies, and two letters that make one segment
    (``t``+``ʃ``, ``a``+``ɪ``) are joined. Pauses, word gaps, punctuation and
    Piper's start/end markers keep their time but make no phone.
    """
    out: list[list[Any]] = []  # [symbol, start, end, stress]
    position = 0
    pending_start: int | None = None  # a stress mark's samples, waiting for their sound
    pending_stress = 0
    join_next = False
    for char, samples in phonemes:
        start, end = position, position + int(samples)
        position = end
        if char in (PRIMARY_STRESS, SECONDARY_STRESS):
            pending_start = start if pending_start is None else pending_start
            pending_stress = 1 if char == PRIMARY_STRESS else 2
            continue
        if char in _TIE_BARS and out:
            out[-1][2] = end
            join_next = True
            continue
        if char in _TONES:
            continue
        if is_modifier(char):
            if out and out[-1][2] == start:
                out[-1][0] += char
                out[-1][2] = end
            continue
        if char in PIPER_NON_PHONES or not char.isalpha():
            pending_start, pending_stress, join_next = None, 0, False
            continue
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous[2] == start
            and pending_start is None
            and (join_next or (previous[0] + char) in _PAIRS)
        ):
            previous[0] += char
            previous[2] = end
        else:
            out.append([char, start if pending_start is None else pending_start, end, pending_stress])
        pending_start, pending_stress, join_next = None, 0, False
    return [(symbol, start, end, stress) for symbol, start, end, stress in out]
