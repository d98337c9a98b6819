"""Objects in a dict: the stub twin of the real backends (``memory://``), for
tests that need storage but not files or a server, as Dramatiq's StubBroker
stands in for a broker. Everything lives in one process and is gone with it.
It uses every optional feature's default (no bucket to create, links served
by nobody), so tests on it also pin those defaults."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import ParseResult, quote

from domain.config import Settings
from storage.base import Storage, StorageError


class MemoryStorage(Storage):
    @classmethod
    def from_url(cls, url: ParseResult, settings: Settings) -> MemoryStorage:
        return cls()

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    def put_file(self, key, path, content_type="application/octet-stream"):
        self.put_bytes(key, Path(path).read_bytes(), content_type)

    def put_bytes(self, key, data, content_type="application/octet-stream"):
        with self._lock:
            self.objects[key] = (bytes(data), content_type)

    def get_file(self, key, dest):
        Path(dest).write_bytes(self.get_bytes(key))

    def get_bytes(self, key):
        with self._lock:
            found = self.objects.get(key)
        if found is None:
            raise StorageError(f"no object {key!r}")
        return found[0]

    def exists(self, key):
        with self._lock:
            return key in self.objects

    def list(self, prefix):
        with self._lock:
            return sorted(k for k in self.objects if k.startswith(prefix))

    def delete(self, key):
        with self._lock:
            self.objects.pop(key, None)

    def signed_url(self, key, expires_s, filename=None):
        return f"memory://{quote(key)}?expires={int(time.time()) + int(expires_s)}"

    def check(self):
        pass
