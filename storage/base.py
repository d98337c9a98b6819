from __future__ import annotations

import abc
from pathlib import Path
from urllib.parse import urlparse

from domain.config import Settings


class StorageError(Exception):
    """A storage call failed in a way retrying will not fix (bad bucket, denied)."""

    code = "storage_error"


class StorageUnavailable(StorageError):
    """Storage cannot be reached just now; the call may succeed later."""

    code = "storage_unavailable"


class Storage(abc.ABC):
    """What the farm needs from object storage, nothing more."""

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

    def delete_prefix(self, prefix: str) -> None:
        for key in self.list(prefix):
            self.delete(key)


def open_storage(settings: Settings) -> Storage:
    url = urlparse(settings.storage_url)
    if url.scheme == "s3":
        from storage.s3 import S3Storage

        return S3Storage(
            bucket=url.netloc,
            prefix=url.path.lstrip("/"),
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            multipart_threshold=settings.s3_multipart_threshold_mb * 1024 * 1024,
        )
    if url.scheme == "file":
        from domain.secrets import local_secret
        from storage.local import LocalStorage

        return LocalStorage(Path(url.path), signing_key=local_secret(settings, "download-signing"))
    raise ValueError(f"TALKFARM_STORAGE_URL: unsupported scheme {url.scheme!r} (use s3:// or file://)")
