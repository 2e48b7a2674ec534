"""Files kept in PostgreSQL: every host on the database reads what any host stored."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.store.blobs import read_chunks
from simulator.store.database import Database
from simulator.store.database_blobs import DatabaseBlobStore


@pytest.fixture
def database(postgres_database: str) -> Iterator[Database]:
    database = Database(postgres_database)
    yield database
    database.dispose()


def test_a_file_stored_by_one_host_is_read_whole_by_another(
    database: Database, postgres_database: str, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 9_000  # over two chunks
    stored = DatabaseBlobStore(database, tmp_path / "a").write_chunks("test", [data[:5], data[5:]])
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    other_host = Database(postgres_database)
    try:
        with DatabaseBlobStore(other_host, tmp_path / "b").open(stored.key) as handle:
            assert b"".join(read_chunks(handle, 4096)) == data
    finally:
        other_host.dispose()
    assert [p for p in (tmp_path / "a").rglob("*") if p.is_file()] == []  # spool emptied


def test_an_empty_file_exists_and_a_missing_one_does_not(
    database: Database, tmp_path: Path
) -> None:
    store = DatabaseBlobStore(database, tmp_path)
    empty = store.write_bytes("test", b"")
    with store.open(empty.key) as handle:
        assert handle.read() == b""
    store.delete(empty.key)
    with pytest.raises(FileNotFoundError):
        store.open(empty.key)


def test_wiping_a_site_leaves_the_other_site_alone(database: Database, tmp_path: Path) -> None:
    store = DatabaseBlobStore(database, tmp_path)
    gone = store.write_bytes("test", b"test bytes")
    kept = store.write_bytes("prod", b"prod bytes")
    store.wipe_site("test")
    with pytest.raises(FileNotFoundError):
        store.open(gone.key)
    with store.open(kept.key) as handle:
        assert handle.read() == b"prod bytes"


def test_a_16_mb_file_is_stored_and_read_without_being_held_in_memory(
    database: Database, tmp_path: Path
) -> None:
    store = DatabaseBlobStore(database, tmp_path)
    piece = b"ST*837*0001~" * 10_000
    total = 16 * 1024 * 1024
    tracemalloc.start()
    try:
        pending = store.pending("test")
        while pending.size < total:
            pending.write(piece)
        stored = pending.commit()
        digest = hashlib.sha256()
        with store.open(stored.key) as handle:
            for chunk in read_chunks(handle):
                digest.update(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == stored.sha256
    assert peak < 6 * 1024 * 1024, f"peak {peak} bytes"
