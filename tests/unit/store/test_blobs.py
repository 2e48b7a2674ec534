from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.store.blobs import BlobStore, read_chunks


@pytest.mark.parametrize("sync", [False, True])
def test_written_bytes_come_back_with_size_and_digest(tmp_path: Path, sync: bool) -> None:
    store = BlobStore(tmp_path, sync=sync)
    data = b"ISA*00*" * 100_000
    blob = store.write_chunks("test", [data[:1000], data[1000:]])
    assert blob.size == len(data)
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.key.startswith("test/")
    with store.open(blob.key) as handle:
        assert b"".join(read_chunks(handle, 4096)) == data


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)

    def broken() -> Iterator[bytes]:
        yield b"first part"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        store.write_chunks("prod", broken())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_wiping_a_site_leaves_the_other_site_alone(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    gone = store.write_bytes("test", b"test bytes")
    kept = store.write_bytes("prod", b"prod bytes")
    store.wipe_site("test")
    assert not (tmp_path / gone.key).exists()
    with store.open(kept.key) as handle:
        assert handle.read() == b"prod bytes"


def test_a_site_wiped_then_written_again_gets_its_folders_back(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    store.write_bytes("test", b"before")
    store.wipe_site("test")
    again = [store.write_bytes("test", b"after %d" % n) for n in range(40)]
    for blob in again:
        with store.open(blob.key) as handle:
            assert handle.read().startswith(b"after")


@pytest.mark.parametrize(("sync_files", "fsyncs"), [(False, 0), (True, 2)])
def test_the_sync_files_setting_decides_whether_stored_files_are_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sync_files: bool, fsyncs: int
) -> None:
    """Each stored file is fsynced with its folder only when asked (file, then folder)."""
    calls: list[int] = []
    real_fsync = os.fsync

    def counted_fsync(descriptor: int) -> None:
        calls.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", counted_fsync)
    runtime = Runtime.open(Settings(data_dir=tmp_path, sync_files=sync_files))
    try:
        runtime.blobs.write_bytes("test", b"ISA*00*~")
    finally:
        runtime.close()
    assert len(calls) == fsyncs
