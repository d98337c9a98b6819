"""Storage backends by URL scheme, as Celery maps its backend aliases:
``TALKFARM_STORAGE_URL``'s scheme picks the class, the class reads the rest."""

from __future__ import annotations

from urllib.parse import urlparse

from domain.config import ConfigError, Settings
from storage.base import Storage
from storage.local import LocalStorage
from storage.memory import MemoryStorage
from storage.s3 import S3Storage

#: URL scheme -> backend class
BACKENDS: dict[str, type[Storage]] = {
    "file": LocalStorage,
    "s3": S3Storage,
    "memory": MemoryStorage,
}


def open_storage(settings: Settings) -> Storage:
    url = urlparse(settings.storage_url)
    backend = BACKENDS.get(url.scheme)
    if backend is None:
        schemes = ", ".join(f"{scheme}://" for scheme in BACKENDS)
        raise ConfigError(f"TALKFARM_STORAGE_URL: unsupported scheme {url.scheme!r} (use one of {schemes})")
    try:
        return backend.from_url(url, settings)
    except OSError as exc:  # a local folder that cannot be created
        raise ConfigError(f"TALKFARM_STORAGE_URL: cannot use {settings.storage_url}: {exc}") from exc
