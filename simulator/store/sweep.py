"""The orphan sweep: files in the blob store that no row names, left by a crashed process.

A blob is written (temporary file, rename) before the row that names it is committed, so a
process killed in between leaves a blob with no row, or a temporary file. Both are removed
once older than a grace period: younger ones may belong to an upload or a job still running
in another process, whose row is not committed yet. Removals are counted in the server-state
row, so the metrics of every worker report the same totals.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, union, update

from simulator.store.database import Database
from simulator.store.models import SERVER_STATE_ID, BatchFile, ResponseFile, ServerState
from simulator.store.rounds import Rounds

TEMPORARY_SUFFIX = ".tmp"
KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class SweepResult:
    blobs: int = 0
    temporary: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class Orphans:
    """Files no row names (``blobs``) and ``temporary`` files, past the grace period."""

    blobs: list[Path]
    temporary: list[Path]


def find_orphans(database: Database, root: Path, grace_seconds: float) -> Orphans:
    """Unnamed blobs and temporary files last written more than ``grace_seconds`` ago."""
    temporary, candidates = _old_files(root, time.time() - grace_seconds)
    named = _named_keys(database, [key for key, _ in candidates])
    return Orphans([path for key, path in candidates if key not in named], temporary)


def sweep_orphans(database: Database, root: Path, grace_seconds: float) -> SweepResult:
    """Remove the orphans :func:`find_orphans` finds, and count them in the server state."""
    orphans = find_orphans(database, root, grace_seconds)
    blobs_removed, blob_bytes = _remove(orphans.blobs)
    temporary_removed, temporary_bytes = _remove(orphans.temporary)
    if blobs_removed or temporary_removed:
        with database.transaction() as session:
            session.execute(
                update(ServerState)
                .where(ServerState.id == SERVER_STATE_ID)
                .values(
                    orphan_blobs_removed=ServerState.orphan_blobs_removed + blobs_removed,
                    orphan_temporary_removed=(
                        ServerState.orphan_temporary_removed + temporary_removed
                    ),
                )
            )
    return SweepResult(blobs_removed, temporary_removed, blob_bytes + temporary_bytes)


def _old_files(root: Path, cutoff: float) -> tuple[list[Path], list[tuple[str, Path]]]:
    """Temporary files, and (key, path) of blobs, last modified before ``cutoff``."""
    temporary: list[Path] = []
    blobs: list[tuple[str, Path]] = []
    for path in _files(root):
        try:
            if path.stat().st_mtime >= cutoff:
                continue
        except FileNotFoundError:  # committed, discarded or swept meanwhile
            continue
        if path.name.startswith(".") and path.name.endswith(TEMPORARY_SUFFIX):
            temporary.append(path)
        else:
            blobs.append((path.relative_to(root).as_posix(), path))
    return temporary, blobs


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from (path for path in root.rglob("*") if path.is_file())


def _named_keys(database: Database, keys: list[str]) -> set[str]:
    named: set[str] = set()
    with database.connected() as connection:
        for start in range(0, len(keys), KEYS_PER_QUERY):
            chunk = keys[start : start + KEYS_PER_QUERY]
            query = union(
                select(BatchFile.blob_key).where(BatchFile.blob_key.in_(chunk)),
                select(ResponseFile.blob_key).where(ResponseFile.blob_key.in_(chunk)),
            )
            named.update(connection.scalars(query))
    return named


def _remove(paths: list[Path]) -> tuple[int, int]:
    """How many files this call removed, and their bytes (another sweep may race it)."""
    removed = size = 0
    for path in paths:
        try:
            length = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        removed += 1
        size += length
    return removed, size


class Sweeper(Rounds):
    """Sweeps every ``interval_seconds`` until stopped."""

    def __init__(
        self, database: Database, root: Path, grace_seconds: float, interval_seconds: float
    ) -> None:
        super().__init__(
            "orphan-sweep",
            lambda: sweep_orphans(database, root, grace_seconds),
            interval_seconds,
        )
