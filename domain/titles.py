"""A job's title: what a person reads in the jobs list instead of its id.

The caller may give one (``title``, at most ``MAX_TITLE_CHARS``); otherwise it
is the script's first words (a composed job's first scene's script, a
narration's transcript), cut at a word boundary so that it reads as a phrase.
"""

from __future__ import annotations

from typing import Any

MAX_TITLE_CHARS = 200
#: a default title's length: enough to tell two jobs apart in a list, short enough for one line
DEFAULT_TITLE_CHARS = 60


def first_words(text: str, limit: int = DEFAULT_TITLE_CHARS) -> str:
    """``text``'s first words on one line, at most ``limit`` characters (an ellipsis marks a cut)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def default_title(spec: dict[str, Any]) -> str | None:
    """The title a job without one gets: its words, or None when it has none yet (a narration without transcript)."""
    scenes = ((spec.get("composition") or {}).get("scenes")) or []
    for text in (
        spec.get("script"),
        spec.get("transcript"),
        *(s.get("script") for s in scenes),
        *(s.get("transcript") for s in scenes),
    ):
        if isinstance(text, str) and text.strip():
            return first_words(text)
    return None


def job_title(given: str | None, spec: dict[str, Any]) -> str | None:
    """The title to store: the caller's (trimmed, one line), else the default."""
    if given is not None and given.strip():
        return " ".join(given.split())[:MAX_TITLE_CHARS]
    return default_title(spec)
