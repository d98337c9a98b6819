"""Both storage backends behave the same; S3 on a real SeaweedFS."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import requests

from domain.config import Settings
from storage import StorageError, StorageUnavailable, open_storage
from tests import services

pytestmark = pytest.mark.integration


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        settings = Settings.from_env({}, data_dir=tmp_path)
    else:
        weed = request.getfixturevalue("seaweed")
        bucket = request.getfixturevalue("s3_bucket")
        settings = Settings.from_env(
            {},
            data_dir=tmp_path,
            storage_url=f"s3://{bucket}/{uuid.uuid4().hex[:8]}",
            s3_endpoint_url=weed.endpoint,
            s3_multipart_threshold_mb=5,
        )
    return open_storage(settings)


def test_objects_round_trip_list_and_delete(store, tmp_path):
    store.put_bytes("a/one.txt", b"one")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(12 * 1024 * 1024))  # above the multipart threshold on S3
    store.put_file("a/big.bin", big)
    store.put_bytes("b/two.txt", b"two")
    assert store.get_bytes("a/one.txt") == b"one"
    out = tmp_path / "back.bin"
    store.get_file("a/big.bin", out)
    assert out.read_bytes() == big.read_bytes()
    assert store.list("a/") == ["a/big.bin", "a/one.txt"]
    assert store.exists("b/two.txt") and not store.exists("b/none.txt")
    store.put_bytes("a/one.txt", b"again")  # same key overwrites, never duplicates
    assert store.get_bytes("a/one.txt") == b"again" and len(store.list("a/")) == 2
    store.delete_prefix("a/")
    assert store.list("a/") == [] and store.exists("b/two.txt")
    with pytest.raises(StorageError):
        store.get_bytes("a/one.txt")


def test_signed_link_serves_the_object_until_it_expires_on_s3(seaweed, s3_bucket, tmp_path):
    settings = Settings.from_env(
        {}, data_dir=tmp_path, storage_url=f"s3://{s3_bucket}/links", s3_endpoint_url=seaweed.endpoint
    )
    store = open_storage(settings)
    store.put_bytes("x.mp4", b"video", "video/mp4")
    url = store.signed_url("x.mp4", 60, filename="x.mp4")
    assert requests.get(url, timeout=10).content == b"video"
    assert requests.get(url.replace("Signature=", "Signature=0"), timeout=10).status_code == 403


def test_an_unreachable_s3_is_unavailable_not_a_permanent_error(tmp_path):
    settings = Settings.from_env(
        {},
        data_dir=tmp_path,
        storage_url="s3://nobody-home",
        s3_endpoint_url=f"http://127.0.0.1:{services.free_port()}",
    )
    store = open_storage(settings)
    with pytest.raises(StorageUnavailable):
        store.put_bytes("k", b"v")
    with pytest.raises(StorageUnavailable):
        store.check()


def test_storage_init_creates_the_bucket(seaweed, tmp_path):
    bucket = f"tf-init-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALKFARM_")}
    env.update(
        TALKFARM_DATA_DIR=str(tmp_path),
        TALKFARM_STORAGE_URL=f"s3://{bucket}",
        TALKFARM_S3_ENDPOINT_URL=seaweed.endpoint,
    )
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "storage", "init"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    settings = Settings.from_env({}, data_dir=tmp_path, storage_url=f"s3://{bucket}", s3_endpoint_url=seaweed.endpoint)
    open_storage(settings).check()
