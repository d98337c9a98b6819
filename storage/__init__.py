"""Object storage behind one interface: S3 (boto3) or a local folder, chosen by
``TALKFARM_STORAGE_URL``. Keys are derived from ids, so writing twice
overwrites instead of duplicating."""

from storage.base import Storage, StorageError, StorageUnavailable, open_storage

__all__ = ["Storage", "StorageError", "StorageUnavailable", "open_storage"]
