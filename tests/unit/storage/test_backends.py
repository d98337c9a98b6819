"""Storage backends come from a scheme -> class map; optional features have
defaults on the base class, so no caller probes a backend for them."""

import time

import pytest

from domain.config import ConfigError, Settings
from storage import BACKENDS, Storage, StorageError, open_storage
from storage.local import LocalStorage
from storage.memory import MemoryStorage
from storage.s3 import S3Storage


def settings_for(tmp_path, url, **overrides):
    return Settings.from_env({}, data_dir=tmp_path / "data", storage_url=url, **overrides)


def test_the_scheme_picks_the_backend(tmp_path):
    assert BACKENDS == {"file": LocalStorage, "s3": S3Storage, "memory": MemoryStorage}
    local = open_storage(settings_for(tmp_path, (tmp_path / "objects").as_uri()))
    assert isinstance(local, LocalStorage) and local.root == tmp_path / "objects"
    s3 = open_storage(settings_for(tmp_path, "s3://farm-bucket/outputs/v1", s3_endpoint_url="http://127.0.0.1:1"))
    assert isinstance(s3, S3Storage) and (s3.bucket, s3.prefix) == ("farm-bucket", "outputs/v1")
    assert isinstance(open_storage(settings_for(tmp_path, "memory://")), MemoryStorage)


def test_the_default_storage_is_a_folder_in_the_data_dir(tmp_path):
    store = open_storage(Settings.from_env({}, data_dir=tmp_path / "data"))
    assert isinstance(store, LocalStorage) and store.root == tmp_path / "data" / "storage"


@pytest.mark.parametrize(
    "url, complaint",
    [
        ("gs://bucket", r"unsupported scheme 'gs' \(use one of file://, s3://, memory://\)"),
        ("/just/a/path", r"unsupported scheme ''"),
        ("s3:///no-bucket", "s3:// needs a bucket name"),
    ],
)
def test_an_unusable_storage_url_is_a_config_error_naming_the_setting(tmp_path, url, complaint):
    with pytest.raises(ConfigError, match=complaint) as caught:
        open_storage(settings_for(tmp_path, url))
    assert "TALKFARM_STORAGE_URL" in str(caught.value)


def test_optional_features_default_to_links_served_by_the_object_store():
    store = MemoryStorage()  # overrides none of them
    store.create_if_missing()  # nothing to create, no error
    assert store.serves_downloads is False
    assert store.verify("a/b", int(time.time()) + 60, "anything") is False
    with pytest.raises(StorageError, match="keeps no local files"):
        store.local_path("a/b")
    assert S3Storage.serves_downloads is False and Storage.serves_downloads is False


def test_delete_prefix_by_default_deletes_what_list_finds():
    store = MemoryStorage()
    for key in ("jobs/1/a", "jobs/1/b", "jobs/2/a"):
        store.put_bytes(key, b"x")
    store.delete_prefix("jobs/1/")
    assert store.list("jobs/") == ["jobs/2/a"]


def test_the_memory_twin_behaves_like_storage(tmp_path):
    store = MemoryStorage()
    source = tmp_path / "in.bin"
    source.write_bytes(b"payload")
    store.put_file("outputs/t/j/video.mp4", source, "video/mp4")
    assert store.exists("outputs/t/j/video.mp4") and not store.exists("outputs/t/j/other")
    store.get_file("outputs/t/j/video.mp4", tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == b"payload"
    store.put_bytes("outputs/t/j/video.mp4", b"again")  # writing twice overwrites
    assert store.get_bytes("outputs/t/j/video.mp4") == b"again" and store.list("outputs/") == ["outputs/t/j/video.mp4"]
    store.delete("outputs/t/j/video.mp4")
    with pytest.raises(StorageError, match="no object"):
        store.get_bytes("outputs/t/j/video.mp4")


def test_a_local_folder_serves_its_own_signed_downloads(tmp_path):
    store = open_storage(settings_for(tmp_path, (tmp_path / "objects").as_uri()))
    store.put_bytes("outputs/t/j/video.mp4", b"mp4")
    assert store.serves_downloads is True
    link = store.signed_url("outputs/t/j/video.mp4", 60)
    query = dict(part.split("=") for part in link.split("?", 1)[1].split("&"))
    assert store.verify("outputs/t/j/video.mp4", int(query["expires"]), query["signature"])
    assert not store.verify("outputs/t/j/other.mp4", int(query["expires"]), query["signature"])
    assert not store.verify("outputs/t/j/video.mp4", int(time.time()) - 1, query["signature"])
    assert store.local_path("outputs/t/j/video.mp4").read_bytes() == b"mp4"


def test_create_if_missing_makes_a_removed_local_folder_again(tmp_path):
    store = LocalStorage(tmp_path / "objects", signing_key=b"k")
    (tmp_path / "objects").rmdir()
    store.create_if_missing()
    store.check()
    assert (tmp_path / "objects").is_dir()


def test_a_local_folder_lists_only_under_its_prefix_and_leaves_no_empty_folder(tmp_path):
    from storage.local import LocalStorage

    store = LocalStorage(tmp_path / "store", signing_key=b"k" * 32)
    for key in ("work/job_a/seg-0000.mp4", "work/job_a/seg-0000.wav", "work/job_ab/seg-0000.mp4", "outputs/t/v.mp4"):
        store.put_bytes(key, b"x")
    (tmp_path / "store" / "work" / "job_a" / ".partial-1").write_bytes(b"half")

    assert store.list("work/job_a/") == ["work/job_a/seg-0000.mp4", "work/job_a/seg-0000.wav"]
    assert store.list("work/job_a") == [
        "work/job_a/seg-0000.mp4",
        "work/job_a/seg-0000.wav",
        "work/job_ab/seg-0000.mp4",
    ]
    assert store.list("out") == ["outputs/t/v.mp4"] and store.list("nothing/") == []

    (tmp_path / "store" / "work" / "job_a" / ".partial-1").unlink()
    store.delete_prefix("work/job_a/")
    assert not (tmp_path / "store" / "work" / "job_a").exists()
    assert store.list("work/") == ["work/job_ab/seg-0000.mp4"]
