"""Small typed checks for hand-written JSON (a composition), each refusing with
the caller's stable code and the field's path, e.g.
``canvas_invalid: canvas.width: Must be an integer from 128 to 3840.``

JSON has no integers apart from floats and no booleans apart from numbers in
some clients' eyes; these checks take Python's view of parsed JSON strictly:
``true`` is not 1, ``1.5`` is not an integer, ``"1"`` is not a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any, NoReturn, TypeVar

from domain.errors import ProblemError

T = TypeVar("T")

#: free text may hold tabs and newlines; nothing else below U+0020, no DEL, no lone surrogates
_NOT_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NOT_IN_NAMES = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_COLOUR = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def refuse(code: str, path: str, message: str) -> NoReturn:
    """A 422 naming the field: ``errors`` maps its path to the message, as the schema's refusals do."""
    raise ProblemError(code, f"{path}: {message}", 422, errors={path: [message]})


def obj(
    raw: Any, path: str, code: str, allowed: Collection[str] | None, required: Collection[str] = ()
) -> Mapping[str, Any]:
    """A JSON object with only ``allowed`` keys (any, when None) and every ``required`` one present and not null.
    A null field is as if it were left out: the result holds the fields given a value."""
    if not isinstance(raw, Mapping):
        refuse(code, path, "Must be an object.")
    if allowed is not None:
        unknown = sorted(str(key) for key in raw if key not in allowed)
        if unknown:
            refuse(code, f"{path}.{unknown[0]}", f"Unknown field; {path} takes {', '.join(allowed)}.")
    for key in required:
        if raw.get(key) is None:
            refuse(code, f"{path}.{key}", "Missing data for required field.")
    return {key: value for key, value in raw.items() if value is not None}


def integer(raw: Any, path: str, code: str, minimum: int, maximum: int) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        refuse(code, path, f"Must be an integer from {minimum} to {maximum}.")
    if not minimum <= raw <= maximum:
        refuse(code, path, f"Must be an integer from {minimum} to {maximum}; got {raw}.")
    return raw


def number(raw: Any, path: str, code: str, minimum: float, maximum: float) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        refuse(code, path, f"Must be a number from {minimum:g} to {maximum:g}.")
    if not minimum <= raw <= maximum:
        refuse(code, path, f"Must be a number from {minimum:g} to {maximum:g}; got {raw:g}.")
    return float(raw)


def boolean(raw: Any, path: str, code: str) -> bool:
    if not isinstance(raw, bool):
        refuse(code, path, "Must be true or false.")
    return raw


def choice(raw: T | None, path: str, code: str, choices: Collection[T]) -> T | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or raw not in choices:
        refuse(code, path, f"Must be one of {', '.join(map(str, choices))}; got {raw!r}."[:300])
    return raw


def colour(raw: Any, path: str, code: str) -> str | None:
    """``#rgb`` or ``#rrggbb`` in any case, as lowercase ``#rrggbb``."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not _COLOUR.fullmatch(raw):
        refuse(code, path, f'Must be a colour as "#rrggbb" or "#rgb"; got {str(raw)[:40]!r}.')
    digits = raw[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def text(raw: Any, path: str, code: str, max_chars: int | None, *, free: bool = False) -> str | None:
    """A string of at most ``max_chars`` (None: any length; the caller bounds it), free of characters no
    database or renderer holds (``free`` allows tabs and newlines)."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        refuse(code, path, "Must be a string.")
    if max_chars is not None and len(raw) > max_chars:
        refuse(code, path, f"At most {max_chars} characters; got {len(raw)}.")
    bad = (_NOT_IN_FREE_TEXT if free else _NOT_IN_NAMES).search(raw)
    if bad:
        refuse(code, path, f"U+{ord(bad.group()):04X} at character {bad.start()} is not allowed.")
    return raw
