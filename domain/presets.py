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

#: presets the person segmenter cannot cut out cleanly, and why: a composed video shows them in their photo's own
#: square (``matting`` false), never cut out. The cameraman is a profile photo with a camera held to his face: the
#: segmenter keeps the grey sky between face and camera as part of him, and the camera, half inside the face's box,
#: tore as the head moved (an animation supervisor's sign-off, 2026-12-08)
NOT_CUT_OUT: dict[str, str] = {
    "cameraman": "a profile photo with a camera held to the face, which the segmenter cannot part from the sky",
}


def cuts_out(avatar: dict[str, str]) -> bool:
    """Whether a scene's ``avatar`` (``{"preset": name}`` or ``{"asset_id": id}``) may be cut out (``matting``)."""
    return avatar.get("preset") not in NOT_CUT_OUT


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
