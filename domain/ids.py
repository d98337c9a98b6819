"""Sortable, prefixed ids: ``job_`` + 26 Crockford base32 characters (ULID layout).

Time-ordered ids make cursor pagination a plain ``id < cursor`` and keep
index inserts local.
"""

from __future__ import annotations

import os
import re
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


_last = [0, 0]  # the (millis, random part) of this process's last id
_lock = threading.Lock()


def new_id(prefix: str) -> str:
    """A new id, greater than every id this process made before (ULID's monotonic rule: within one
    millisecond the random part counts up), so rows made in one request sort in the order they were
    made: a batch's ``job_ids`` follow its items."""
    millis = int(time.time() * 1000)
    with _lock:
        if millis <= _last[0]:
            millis, rand = _last[0], _last[1] + 1
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 1  # headroom for counting up
        _last[0], _last[1] = millis, rand
    return f"{prefix}_{_b32(millis, 10)}{_b32(rand, 16)}"


def is_id(value: str, prefix: str) -> bool:
    """Whether ``value`` has the shape of an id ``new_id(prefix)`` makes (a list's cursor is one)."""
    return re.fullmatch(f"{re.escape(prefix)}_[{_ALPHABET}]{{26}}", value) is not None


def new_wm_code() -> int:
    """A random 48-bit number for the invisible watermark to carry; the
    database maps it back to the job (unique index)."""
    return int.from_bytes(os.urandom(6), "big")
