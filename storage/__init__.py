"""Object storage behind one interface: S3 (boto3), a local folder, or memory
(tests), chosen by ``TALKFARM_STORAGE_URL``'s scheme. Keys are derived from
ids, so writing twice overwrites instead of duplicating."""

from storage.backends import BACKENDS, open_storage
from storage.base import Storage, StorageError, StorageUnavailable

__all__ = ["BACKENDS", "Storage", "StorageError", "StorageUnavailable", "open_storage"]
