"""File bytes as rows in the database, where every host on it reaches them.

With several hosts on one PostgreSQL, an upload received by one host is processed by whichever
host claims its job, and its response files are downloaded from any host: a folder on one
machine cannot serve that. The bytes go into ``blob_chunks`` rows of at most a megabyte each,
rather than PostgreSQL's large objects: rows are deleted, wiped with a site and dumped like any
other row (large objects need ``lo_unlink`` or ``vacuumlo`` to be freed, and psycopg 3 has no
large-object interface), and a megabyte ``bytea`` is stored compressed out of line anyway.

Nothing is held whole in memory: an upload is spooled to a local temporary file as it arrives
(as :class:`~simulator.store.blobs.PendingBlob` does), then copied into rows a chunk at a
time; a reader fetches one chunk at a time. The rows are committed before the row that points
at them, exactly like the rename of a file in the folder store.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO

from sqlalchemy import bindparam, delete, insert, select

from simulator.store.blobs import CHUNK_SIZE, BlobStore, PendingBlob, StoredBlob, read_chunks
from simulator.store.database import Database
from simulator.store.models import BlobChunk

_CHUNK = select(BlobChunk.data).where(
    BlobChunk.blob_key == bindparam("key"), BlobChunk.seq == bindparam("seq")
)


class SpooledBlob(PendingBlob):
    """A blob written to a local temporary file, then copied into the database on commit."""

    def __init__(self, spool: Path, site: str, database: Database) -> None:
        super().__init__(spool, site, sync=False)
        self._database = database

    def commit(self) -> StoredBlob:
        spooled = self.rewound()
        try:
            with self._database.writing() as connection:
                chunks = read_chunks(spooled, CHUNK_SIZE)
                for seq, chunk in enumerate(chunks):
                    connection.execute(
                        insert(BlobChunk), {"blob_key": self.key, "seq": seq, "data": chunk}
                    )
                if self.size == 0:  # an empty file is one empty chunk, so it exists
                    connection.execute(
                        insert(BlobChunk), {"blob_key": self.key, "seq": 0, "data": b""}
                    )
        finally:
            self.discard()
        return StoredBlob(key=self.key, size=self.size, sha256=self._digest.hexdigest())


class ChunkReader(io.RawIOBase):
    """A stored blob, read a chunk (one small query) at a time."""

    def __init__(self, database: Database, key: str) -> None:
        super().__init__()
        self._database = database
        self._key = key
        self._seq = 0
        self._buffer = memoryview(b"")
        self._ended = False
        if not self._fetch():
            raise FileNotFoundError(f"no stored file {key!r}")

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer and not self._ended:
            self._fetch()
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count

    def _fetch(self) -> bool:
        with self._database.connected() as connection:
            data = connection.execute(_CHUNK, {"key": self._key, "seq": self._seq}).scalar()
        if data is None:
            self._ended = True
            return False
        self._buffer = memoryview(bytes(data))
        self._seq += 1
        return True


class DatabaseBlobStore(BlobStore):
    """The :class:`BlobStore` interface over ``blob_chunks`` rows; ``spool`` is a local folder
    for uploads on their way in."""

    def __init__(self, database: Database, spool: Path) -> None:
        super().__init__(spool)
        self._database = database

    def pending(self, site: str) -> PendingBlob:
        return SpooledBlob(self.root, site, self._database)

    def open(self, key: str) -> IO[bytes]:
        return io.BufferedReader(ChunkReader(self._database, key), CHUNK_SIZE)

    def delete(self, key: str) -> None:
        with self._database.writing() as connection:
            connection.execute(delete(BlobChunk).where(BlobChunk.blob_key == key))

    def wipe_site(self, site: str) -> None:
        with self._database.writing() as connection:
            connection.execute(delete(BlobChunk).where(BlobChunk.blob_key.startswith(f"{site}/")))
