"""Secrets a one-machine farm keeps for itself in its data dir, created on
first use (download-link signing, the default watermark key, the local API key)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from domain.config import Settings


def local_secret(settings: Settings, name: str) -> bytes:
    """The secret ``name``, made on first use. Made atomically: the value is written to a temp file
    of this process's own (a unique name, O_EXCL), flushed to disk, then hard-linked to its final
    name, which fails if another process won the race (theirs is kept, ours dropped). The final
    name therefore only ever names a complete file; a racing first start can never read it empty
    (an empty download-signing key would let anyone forge signed links)."""
    path = Path(settings.data_dir) / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=path.parent)  # 0600, O_EXCL
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(temp, path)
            except FileExistsError:
                pass  # another process made it first; theirs is the one everyone reads
        finally:
            os.unlink(temp)
    value = bytes.fromhex(path.read_text().strip())
    if len(value) < 16:
        raise RuntimeError(f"{path} holds no usable secret; delete it and start again")
    return value
