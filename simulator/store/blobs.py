"""File bytes on disk, written atomically: temporary file, rename, then the caller commits.

A blob is named by a random key under its site's folder, so wiping a site is removing one
folder. The database row that points at a blob is committed only after the blob is in place;
if that commit fails the caller deletes the blob, so a crash of any process leaves at worst an
unreferenced file, never a row without its bytes.

That is the database's own guarantee (SQLite in WAL mode with ``synchronous=NORMAL``): safe
from a crashed process, not from a power cut. ``sync=True`` (the ``sync_files`` setting) adds
an fsync of each file and its folder before the rename is relied on, for a data directory that
must outlive the machine; it costs about half a millisecond a file here.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    sha256: str


class PendingBlob:
    """A blob being written: a temporary file in the store that becomes a blob on commit.

    It is file-like (write, read, seek), so a multipart parser can stream an uploaded part
    straight into it and a zip reader can read it back, and it hashes what is written as it
    goes, so every byte of an upload is written once and read for hashing never.
    """

    def __init__(self, root: Path, site: str, *, sync: bool) -> None:
        self.key = f"{site}/{secrets.token_hex(1)}/{secrets.token_hex(16)}"
        self._target = root / self.key
        self._sync = sync
        self._temporary = self._target.with_name(f".{self._target.name}.tmp")
        self._file: IO[bytes] = _created(self._temporary)
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        written = self._file.write(data)
        self._digest.update(data)
        self.size += written
        return written

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def flush(self) -> None:
        self._file.flush()

    def rewound(self) -> IO[bytes]:
        """The underlying file, positioned at the start, for readers that want a real file."""
        self._file.flush()
        self._file.seek(0)
        return self._file

    def close(self) -> None:
        """Kept open until commit or discard; closing early is the owner's business."""

    def commit(self) -> StoredBlob:
        """Put the bytes under their key, whole or not at all (and synced, if asked)."""
        self._file.flush()
        if self._sync:
            os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._temporary, self._target)
        if self._sync:
            _fsync_directory(self._target.parent)
        return StoredBlob(key=self.key, size=self.size, sha256=self._digest.hexdigest())

    def discard(self) -> None:
        self._file.close()
        self._temporary.unlink(missing_ok=True)


class BlobStore:
    """Stores file bytes under ``root/<site>/<two hex>/<key>``."""

    def __init__(self, root: Path, *, sync: bool = False) -> None:
        self.root = root
        self._sync = sync

    def pending(self, site: str) -> PendingBlob:
        return PendingBlob(self.root, site, sync=self._sync)

    def write_chunks(self, site: str, chunks: Iterable[bytes]) -> StoredBlob:
        """Write ``chunks`` durably and return the blob's key, size and SHA-256."""
        pending = self.pending(site)
        try:
            for chunk in chunks:
                pending.write(chunk)
            return pending.commit()
        except BaseException:
            pending.discard()
            raise

    def write_bytes(self, site: str, data: bytes) -> StoredBlob:
        return self.write_chunks(site, [data])

    def open(self, key: str) -> IO[bytes]:
        return (self.root / key).open("rb")

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)

    def wipe_site(self, site: str) -> None:
        shutil.rmtree(self.root / site, ignore_errors=True)


def read_chunks(handle: IO[bytes], chunk_size: int = CHUNK_SIZE) -> Iterable[bytes]:
    """Yield a file's bytes a chunk at a time, so no file is ever read whole into memory."""
    while chunk := handle.read(chunk_size):
        yield chunk


def _created(path: Path) -> IO[bytes]:
    """A new file; its folder is made only when missing (the first time, or after a wipe)."""
    try:
        return path.open("w+b")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w+b")


def _fsync_directory(path: Path) -> None:
    if os.name == "nt":
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
