"""Portraits shipped with talkfarm, usable as a job's ``avatar`` by name.

Each is public domain or CC0; sources and the exact crops are in
``domain/presets/portraits/ATTRIBUTION.md``.
"""

from __future__ import annotations

from pathlib import Path

from domain.errors import ProblemError

PORTRAITS_DIR = Path(__file__).with_name("presets") / "portraits"

#: preset name -> portrait file
PRESETS: dict[str, Path] = {
    "astronaut": PORTRAITS_DIR / "astronaut.png",
    "astronaut_wide": PORTRAITS_DIR / "astronaut_wide.png",
    "astronaut_offcentre": PORTRAITS_DIR / "astronaut_offcentre.png",
    "cameraman": PORTRAITS_DIR / "cameraman.png",
}

#: preset name -> licence of the photograph
LICENCES: dict[str, str] = {
    "astronaut": "public domain (NASA)",
    "astronaut_wide": "public domain (NASA)",
    "astronaut_offcentre": "public domain (NASA)",
    "cameraman": "CC0 1.0 (Lav Varshney)",
}

DEFAULT_PRESET = "astronaut"


def preset_path(name: str) -> Path:
    """The portrait file of a preset; a 422 ``avatar_preset_unknown`` otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ProblemError(
            "avatar_preset_unknown",
            f"no preset portrait named {name!r}; presets are: {', '.join(sorted(PRESETS))}",
            422,
        ) from None
