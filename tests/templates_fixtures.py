"""A newsroom's nightly template, shared by the template suites (unit, hostile, CLI, benchmark)."""

from __future__ import annotations

import copy
from typing import Any

CANVAS = {"width": 1920, "height": 1080}

NEWS: dict[str, Any] = {
    "name": "Nightly news",
    "description": "A headline and a story, read in the studio.",
    "body": {
        "script": "{{headline}}. {{story}}",
        "avatar": "astronaut",
        "voice": "{{voice}}",
        "canvas": CANVAS,
        "background": {"type": "color", "color": "{{accent}}"},
        "overlays": [{"type": "text", "text": "{{headline}}", "role": "lower_third"}],
    },
    "variables": [
        {"name": "headline", "type": "text", "required": True, "label": "Headline"},
        {"name": "story", "type": "text", "required": True},
        {"name": "voice", "type": "voice", "required": False},
        {"name": "accent", "type": "color", "required": False, "default": "#1f2937"},
    ],
}


def news(**changes: Any) -> dict[str, Any]:
    """The template, with top-level keys (or ``body``'s, given as ``body__key``) changed."""
    template = copy.deepcopy(NEWS)
    for key, value in changes.items():
        if key.startswith("body__"):
            template["body"][key[len("body__") :]] = value
        else:
            template[key] = value
    return template


def rows(count: int) -> list[dict[str, str]]:
    return [{"headline": f"Story {i}", "story": f"Tonight, story number {i}."} for i in range(count)]


def csv_text(header: list[str], body_rows: list[list[str]]) -> str:
    lines = [",".join(header)] + [",".join(r) for r in body_rows]
    return "\r\n".join(lines) + "\r\n"
