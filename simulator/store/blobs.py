"""File bytes on disk, written atomically: temp file, fsync, rename, then the caller commits.

A blob is named by a random key under its site's folder, so wiping a site is removing one
folder. The database row that points at a blob is committed only after the blob is durable; if
that commit fails the caller deletes the blob, so a crash leaves at worst an unreferenced file,
never a row without its bytes.
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


class BlobStore:
    """Stores file bytes under ``root/<site>/<two hex>/<key>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write_chunks(self, site: str, chunks: Iterable[bytes]) -> StoredBlob:
        """Write ``chunks`` durably and return the blob's key, size and SHA-256."""
        key = f"{site}/{secrets.token_hex(1)}/{secrets.token_hex(16)}"
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        digest = hashlib.sha256()
        size = 0
        try:
            with temporary.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
            _fsync_directory(target.parent)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return StoredBlob(key=key, size=size, sha256=digest.hexdigest())

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


def _fsync_directory(path: Path) -> None:
    if os.name == "nt":
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
