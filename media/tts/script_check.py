"""What a voice can be given: checked at submit (the API answers 422) and
again before synthesis (the job fails with the same code, once, without
retries), so a script that reached a worker by another road than the API
still fails with a code a person can act on rather than ``internal_error``."""

from __future__ import annotations

import re

from media.errors import MediaError
from media.tts.japanese import needs_look_up, unreadable, within_look_up_budget
from media.tts.language import language_name

#: NUL, control characters other than tab/newline/return, and UTF-16 surrogates (not encodable as UTF-8)
_UNSPEAKABLE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def check_characters(text: str) -> None:
    """``text_invalid_character`` for a character no voice (nor UTF-8) takes; run on each sentence before synthesis."""
    bad = _UNSPEAKABLE_CHARACTERS.search(text)
    if bad is not None:
        raise MediaError(
            "text_invalid_character",
            f"The script holds U+{ord(bad.group()):04X} at character {bad.start()}; remove it and submit again.",
        )


def check_script(text: str) -> None:
    """A whole script: ``check_characters``, and ``script_unspeakable`` if it has no letter or digit in any writing system."""
    check_characters(text)
    if not any(ch.isalnum() for ch in text):
        raise MediaError(
            "script_unspeakable", "The script holds no letters or digits, so a voice has nothing to say; write words."
        )


#: Writing systems espeak-ng (and so Piper, which reads through it) reads only in these languages' voices (primary
#: tags). Any other voice names each character instead ("Chinese letter", "Arabic meem", "símbolo chino"), and a
#: video must not say that. Latin, Greek, Devanagari and Hangul it reads in any voice, switching to a language that
#: has them; scripts not listed are not checked. ``test_script_check`` holds the table to espeak-ng itself.
READERS: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    "Chinese characters": (
        re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"),
        ("zh", "cmn", "yue"),
    ),
    "Japanese kana": (re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]"), ("ja",)),
    "Cyrillic letters": (
        re.compile(r"[\u0400-\u052f]"),
        tuple("ru uk bg sr mk be kk ky tt ba cv uz bs hr ka lv ltg nog lfn".split()),
    ),
    "Arabic letters": (
        re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"),
        ("ar", "fa", "ur", "sd"),
    ),
    "Hebrew letters": (re.compile(r"[\u0590-\u05ff\ufb1d-\ufb4f]"), ("he",)),
    "Thai letters": (re.compile(r"[\u0e00-\u0e7f]"), ("th",)),
}
#: characters of a script, and languages that read it, named in the refusal (the commonest languages first)
NAMED_CHARACTERS, NAMED_LANGUAGES = 8, 4


def check_readable(text: str, language: str | None, voice: str, reads_kanji: bool = False) -> None:
    """``script_unreadable`` when ``text`` has letters the ``voice`` (speaking ``language``) would name rather than
    say: "北京" or "Москва" in an English voice; in the Japanese voice, kanji where it is not given their readings
    (``reads_kanji``: espeak-ng's is, from a dictionary) or words the dictionary has no reading for."""
    if not language:
        return  # an operator's voice whose language is unknown here: nothing to hold it to
    primary = language.split("-")[0]
    for writing, (pattern, readers) in READERS.items():
        japanese_kanji = primary == "ja" and writing == "Chinese characters"
        if primary in readers or (japanese_kanji and reads_kanji):
            continue
        found = list(dict.fromkeys(c for c in pattern.findall(text) if c.isalpha()))
        if not found:
            continue
        named = " ".join(found[:NAMED_CHARACTERS]) + (" …" if len(found) > NAMED_CHARACTERS else "")
        if japanese_kanji:
            advice = "give it to espeak-ng's Japanese voice, which is given their readings, or write them in kana"
        else:
            if writing == "Chinese characters" and READERS["Japanese kana"][0].search(text):
                readers = ("ja", *readers)  # kanji among kana are Japanese: the Japanese voice reads both
            advice = (
                f"choose a language that reads them ({', '.join(readers[:NAMED_LANGUAGES])}"
                f"{', …' if len(readers) > NAMED_LANGUAGES else ''}), or write them in Latin letters"
            )
        raise MediaError(
            "script_unreadable",
            f"The voice {voice!r} ({language_name(primary)}) cannot read {writing} ({named}): it would say the name "
            f"of each one instead. To speak this script, {advice}; or upload it spoken, as a narration with this text "
            "as its transcript.",
        )
    if primary == "ja" and reads_kanji:
        _check_japanese_readings(text, voice)


def _check_japanese_readings(text: str, voice: str) -> None:
    if not needs_look_up(text) or not within_look_up_budget(len(text)):
        return  # kana alone, or past a request's bound: the worker refuses what has no reading when it speaks
    unknown = unreadable(text)
    if unknown:
        named = " ".join(unknown[:NAMED_CHARACTERS]) + (" …" if len(unknown) > NAMED_CHARACTERS else "")
        raise MediaError(
            "script_unreadable",
            f"The voice {voice!r} (Japanese) has no reading for some words ({named}): the dictionary it is given readings from "
            "does not know these words, and it would say the name of each kanji instead. Write them in kana, or "
            "upload the script spoken, as a narration with this text as its transcript.",
        )


#: pictures among the letters: emoji (with their skin tones, variation selectors, joiners and flags), arrows,
#: shapes, dingbats and other pictographs. A voice reads each by its name ("red circle", "police car light",
#: "thumbs medium", "family man woman girl", "right arrow"), which is not what a script with 🔴 means; they are
#: left out of the speech, as they are of burned-in captions. Symbols that are words (° % € © ™) stay.
_PICTURE = (
    "\u2190-\u21ff\u2300-\u23ff\u2500-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
#: what may follow a picture as part of it: variation selectors, a keycap, skin tones, the tags of a subdivision flag
_MODIFIER = "\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
_PICTURES = re.compile(f"(?:[{_PICTURE}][{_MODIFIER}]*(?:\u200d[{_PICTURE}][{_MODIFIER}]*)*)+|[{_MODIFIER}]+")
#: punctuation (or the end) after pictures: they go with the space before them ("hi 🙂!" is "hi!")
_PUNCTUATION_NEXT = re.compile(r"\s*(?:[!?.,;:…。！？，、]|$)")


def without_pictures(text: str) -> str:
    """``text`` as a voice should say it: its pictures (``_PICTURES``) left out, spaces tidied. One pass: each run
    of pictures is found once, and what follows it looked at once."""
    pieces, at = [], 0
    for found in _PICTURES.finditer(text):
        before = text[at : found.start()]
        if _PUNCTUATION_NEXT.match(text, found.end()):
            pieces.append(before.rstrip())
        else:
            pieces += [before, " "]
        at = found.end()
    pieces.append(text[at:])
    return " ".join("".join(pieces).split())
