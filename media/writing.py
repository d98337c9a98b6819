"""Facts about writing systems that speech (``media.tts``) and captions (``media.encode``) both use."""

from __future__ import annotations

#: Georgian's everyday letters (Mkhedruli): Unicode counts them lowercase, since it added their capitals
#: (Mtavruli) in 2018, but Georgian is written without capitals, so a sentence starts with one
_CASELESS_LOWERCASE = ((0x10D0, 0x10FF),)


def starts_lowercase(text: str) -> bool:
    """Whether ``text`` starts with a lowercase letter of a script that writes capitals: what follows a full stop
    then continues the sentence ("e.g. this", '"Stop!" she said'). False for Georgian, which has none in use."""
    if not text or not text[0].islower():
        return False
    return not any(low <= ord(text[0]) <= high for low, high in _CASELESS_LOWERCASE)
