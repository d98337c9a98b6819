"""Secrets a one-machine farm keeps for itself in its data dir, created on
first use (download-link signing, the default watermark key, the local API key)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from domain.config import Settings


def local_secret(settings: Settings, name: str) -> bytes:
    path = Path(settings.data_dir) / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            # link() fails if another process won the race; theirs is kept.
            os.link(path.with_suffix(".tmp"), path)
        except FileExistsError:
            pass
        finally:
            path.with_suffix(".tmp").unlink(missing_ok=True)
    return bytes.fromhex(path.read_text().strip())
