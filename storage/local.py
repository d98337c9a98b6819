"""A folder on disk, for one machine. Downloads go through the API with an
HMAC-signed, expiring link, so a local output link behaves like a presigned one."""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import ParseResult, quote

from domain.config import Settings
from domain.secrets import local_secret
from storage.base import Storage, StorageError


class LocalStorage(Storage):
    serves_downloads = True

    @classmethod
    def from_url(cls, url: ParseResult, settings: Settings) -> LocalStorage:
        return cls(Path(url.path), signing_key=local_secret(settings, "download-signing"))

    def __init__(self, root: Path, signing_key: bytes):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._signing_key = signing_key

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise StorageError(f"key escapes the storage folder: {key!r}")
        return path

    def _write_atomically(self, key: str, writer) -> None:
        # A reader never sees half a file: write beside it, then rename.
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as fh:
                writer(fh)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, key, path, content_type="application/octet-stream"):
        def copy(fh):
            with open(path, "rb") as src:
                shutil.copyfileobj(src, fh, 1024 * 1024)

        self._write_atomically(key, copy)

    def put_bytes(self, key, data, content_type="application/octet-stream"):
        self._write_atomically(key, lambda fh: fh.write(data))

    def get_file(self, key, dest):
        try:
            shutil.copyfile(self._path(key), dest)
        except FileNotFoundError as exc:
            raise StorageError(f"no object {key!r}") from exc

    def get_bytes(self, key):
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"no object {key!r}") from exc

    def exists(self, key):
        return self._path(key).is_file()

    def list(self, prefix):
        # only the folder the prefix names is walked, not the whole store (a job's work, among every output)
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._path(folder) if folder else self.root
        if not start.is_dir():
            return []
        keys = (str(p.relative_to(self.root)) for p in start.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix) and not k.rsplit("/", 1)[-1].startswith(".partial-"))

    def delete(self, key):
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix):
        """As every backend, and the folders left empty under a prefix that names one (``work/<job>/``)."""
        super().delete_prefix(prefix)
        if not prefix.endswith("/") or prefix.strip("/") == "":
            return
        folder = self._path(prefix.rstrip("/"))
        for path in sorted((p for p in [folder, *folder.rglob("*")] if p.is_dir()), key=lambda p: -len(p.parts)):
            try:
                path.rmdir()
            except OSError:  # not empty (a file written meanwhile), or gone
                pass

    def create_if_missing(self):
        self.root.mkdir(parents=True, exist_ok=True)

    def check(self):
        if not os.access(self.root, os.W_OK):
            raise StorageError(f"storage folder {self.root} is not writable")

    # --- signed local links ------------------------------------------------
    def signature(self, key: str, expires: int) -> str:
        return hmac.new(self._signing_key, f"{key}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def signed_url(self, key, expires_s, filename=None):
        expires = int(time.time()) + int(expires_s)
        return f"/v1/files/{quote(key)}?expires={expires}&signature={self.signature(key, expires)}"

    def verify(self, key: str, expires: int, signature: str) -> bool:
        # bytes, not str: compare_digest raises on non-ASCII strings, and a link may carry anything
        if expires < time.time():
            return False
        try:
            expected = self.signature(key, expires).encode()
        except UnicodeEncodeError:  # a lone surrogate: no stored object has such a key
            return False
        return hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass"))

    def local_path(self, key: str) -> Path:
        return self._path(key)
