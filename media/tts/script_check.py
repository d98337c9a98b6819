"""What a voice can be given: checked at submit (the API answers 422) and
again before synthesis (the job fails with the same code, once, without
retries), so a script that reached a worker by another road than the API
still fails with a code a person can act on rather than ``internal_error``."""

from __future__ import annotations

import re

from media.errors import MediaError

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
