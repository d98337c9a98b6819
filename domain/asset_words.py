"""An asset as a person reads it, for the page and the CLI alike: its size in bytes, and what it holds (a
picture's pixels, a sound's or a video's length)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def size_words(n: int) -> str:
    """``n`` bytes in the units a file manager shows (powers of 1000): ``17.8 MB``, ``418 bytes``."""
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def measure_words(asset: Mapping[str, Any]) -> str:
    """What an asset's document says it holds: ``1920 × 1080``, ``12.5 s``, both for a video; empty if nothing."""
    info = asset.get("info") or {}
    parts = []
    if info.get("width") and info.get("height"):
        parts.append(f"{info['width']} × {info['height']}")
    if info.get("duration_s") is not None:
        parts.append(f"{float(info['duration_s']):.1f} s")
    return ", ".join(parts)
