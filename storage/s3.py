"""S3-compatible storage through boto3: AWS, SeaweedFS, MinIO."""

from __future__ import annotations

from urllib.parse import ParseResult

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from domain.config import ConfigError, Settings
from storage.base import Storage, StorageError, StorageUnavailable

#: S3 answers that mean "try again later" rather than "you are wrong".
_TRANSIENT_CODES = {"500", "502", "503", "504", "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"}


def _root_cause(exc: BaseException) -> BaseException:
    """boto3's transfer manager wraps the ClientError or connection error that
    really happened (S3UploadFailedError); find it."""
    seen = exc
    while True:
        if isinstance(seen, (ClientError, BotoConnectionError)):
            return seen
        nxt = seen.__cause__ or seen.__context__ or getattr(seen, "last_exception", None)
        if nxt is None or nxt is seen:
            return exc
        seen = nxt


def _translate(raised: Exception, what: str) -> StorageError:
    exc = _root_cause(raised)
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if code in _TRANSIENT_CODES or status in _TRANSIENT_CODES:
            return StorageUnavailable(f"{what}: S3 answered {code or status}, will retry")
        if code in {"NoSuchKey", "404", "NotFound"}:
            return StorageError(f"{what}: no such object")
        return StorageError(f"{what}: S3 refused ({code}): {exc}")
    if isinstance(exc, (BotoConnectionError, BotoCoreError, OSError)):
        return StorageUnavailable(f"{what}: S3 unreachable ({type(exc).__name__}: {exc})")
    return StorageError(f"{what}: {exc}")


class S3Storage(Storage):
    @classmethod
    def from_url(cls, url: ParseResult, settings: Settings) -> S3Storage:
        if not url.netloc:
            raise ConfigError("TALKFARM_STORAGE_URL: s3:// needs a bucket name (s3://bucket[/prefix])")
        return cls(
            bucket=url.netloc,
            prefix=url.path.lstrip("/"),
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            multipart_threshold=settings.s3_multipart_threshold_mb * 1024 * 1024,
            connect_timeout_s=settings.s3_connect_timeout_s,
            read_timeout_s=settings.s3_read_timeout_s,
            max_attempts=settings.s3_max_attempts,
        )

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        multipart_threshold: int = 8 * 1024 * 1024,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 60.0,
        max_attempts: int = 5,
    ):
        if not bucket:
            raise ValueError("TALKFARM_STORAGE_URL: s3:// needs a bucket name")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        # botocore's "standard" mode already retries throttling and 5xx a few
        # times with backoff; longer outages surface as StorageUnavailable and
        # the job waits (see workers/pipeline.py). The timeouts and keepalives
        # turn a connection hung by a cut network into such an error.
        config = Config(
            retries={"total_max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout_s,
            read_timeout=read_timeout_s,
            tcp_keepalive=True,
            signature_version="s3v4",
            s3={"addressing_style": "path"},
        )
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=max(multipart_threshold, 8 * 1024 * 1024)
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_file(self, key, path, content_type="application/octet-stream"):
        try:
            self.client.upload_file(
                str(path), self.bucket, self._key(key), Config=self.transfer, ExtraArgs={"ContentType": content_type}
            )
        except Exception as exc:  # boto3's transfer wraps errors in its own types
            raise _translate(exc, f"upload {key}") from exc

    def put_bytes(self, key, data, content_type="application/octet-stream"):
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)
        except Exception as exc:
            raise _translate(exc, f"put {key}") from exc

    def get_file(self, key, dest):
        try:
            self.client.download_file(self.bucket, self._key(key), str(dest), Config=self.transfer)
        except Exception as exc:
            raise _translate(exc, f"download {key}") from exc

    def get_bytes(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except Exception as exc:
            raise _translate(exc, f"get {key}") from exc

    def exists(self, key):
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise _translate(exc, f"head {key}") from exc
        except Exception as exc:
            raise _translate(exc, f"head {key}") from exc

    def list(self, prefix):
        keys: list[str] = []
        strip = len(self.prefix) + 1 if self.prefix else 0
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._key(prefix)
            ):
                keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        except Exception as exc:
            raise _translate(exc, f"list {prefix}") from exc
        return sorted(keys)

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            raise _translate(exc, f"delete {key}") from exc

    def signed_url(self, key, expires_s, filename=None):
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=int(expires_s))

    def check(self):
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise _translate(exc, f"bucket {self.bucket}") from exc

    def create_if_missing(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)
