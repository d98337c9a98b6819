"""Sortable, prefixed ids: ``job_`` + 26 Crockford base32 characters (ULID layout).

Time-ordered ids make cursor pagination a plain ``id < cursor`` and keep
index inserts local.
"""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    millis = int(time.time() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}_{_b32(millis, 10)}{_b32(rand, 16)}"


def new_wm_code() -> int:
    """A random 48-bit number for the invisible watermark to carry; the
    database maps it back to the job (unique index)."""
    return int.from_bytes(os.urandom(6), "big")
