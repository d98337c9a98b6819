"""The storage interface: what the farm needs from object storage, and the
default behaviour of the optional features a backend may add."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import ClassVar
from urllib.parse import ParseResult

from domain.config import Settings


class StorageError(Exception):
    """A storage call failed in a way retrying will not fix (bad bucket, denied)."""

    code = "storage_error"


class StorageUnavailable(StorageError):
    """Storage cannot be reached just now; the call may succeed later."""

    code = "storage_unavailable"


class Storage(abc.ABC):
    """What the farm needs from object storage, nothing more.

    Every backend stores, reads, lists and deletes objects by key and signs
    download links. Two features only some backends have come with defaults
    here, so callers never probe for them:

    - ``create_if_missing()``: make the bucket (S3); nothing to do by default.
    - API-served downloads (``serves_downloads``): a backend whose objects have
      no URL of their own (a local folder) hands out ``/v1/files/…`` links that
      the API checks with ``verify`` and serves from ``local_path``. By default
      a backend's links point at the object store, ``verify`` accepts no link
      and ``local_path`` has no file to give.
    """

    #: the API serves this backend's downloads itself (``/v1/files``); object stores serve their own
    serves_downloads: ClassVar[bool] = False

    @classmethod
    @abc.abstractmethod
    def from_url(cls, url: ParseResult, settings: Settings) -> Storage:
        """The backend for ``TALKFARM_STORAGE_URL`` (already parsed) and the other settings."""

    @abc.abstractmethod
    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> None: ...

    @abc.abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...

    @abc.abstractmethod
    def get_file(self, key: str, dest: Path) -> None: ...

    @abc.abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def list(self, prefix: str) -> list[str]: ...

    @abc.abstractmethod
    def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    def signed_url(self, key: str, expires_s: int, filename: str | None = None) -> str:
        """A link that serves the object until it expires. Local storage
        returns a path under the API (``/v1/files/…``) for the caller to
        prefix with the API's base URL."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageUnavailable if storage cannot be used right now."""

    # --- optional features, with their defaults -----------------------------
    def create_if_missing(self) -> None:
        """Create the bucket or folder if it does not exist (``talkfarm storage init``);
        by default there is nothing to create."""
        return None

    def delete_prefix(self, prefix: str) -> None:
        for key in self.list(prefix):
            self.delete(key)

    def verify(self, key: str, expires: int, signature: str) -> bool:
        """Whether an API-served download link for ``key`` is genuine and unexpired."""
        return False

    def local_path(self, key: str) -> Path:
        """The file that holds ``key``, for the API to serve (``serves_downloads`` backends)."""
        raise StorageError(f"{type(self).__name__} keeps no local files; its links are served by the object store")
