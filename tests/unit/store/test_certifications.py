"""Counting test files is exact when processes finish jobs at the same moment."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

from simulator.store.certifications import JudgedFile, record_test_file, standing
from simulator.store.database import Database
from simulator.store.migrate import upgrade

PROCESSES = 2
FILES_EACH = 15
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _counted(index: int) -> JudgedFile:
    return JudgedFile("Race Billing", "837P", f"{index:012d}", NOW, "accepted", True, None)


def _record_many(url: str, first: int, start: multiprocessing.synchronize.Barrier) -> None:
    """One worker process: each test file in its own transaction, as a job records it."""
    database = Database(url)
    start.wait()
    for index in range(first, first + FILES_EACH):
        with database.transaction() as session:
            record_test_file(session, "test", _counted(index), needed=1000, now=NOW)
    database.dispose()


def test_processes_recording_at_once_count_every_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    database = Database(url)
    upgrade(database.engine)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=_record_many, args=(url, n * FILES_EACH, start))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    with database.connected() as connection:
        found = standing(connection, "test", "Race Billing", "837P")
    database.dispose()
    assert found is not None
    assert found.passes == PROCESSES * FILES_EACH
    assert found.certified_at is None


def test_the_file_that_reaches_the_count_certifies_and_later_ones_change_nothing(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'count.db'}")
    upgrade(database.engine)
    for index in range(3):
        with database.transaction() as session:
            record_test_file(session, "test", _counted(index), needed=2, now=NOW)
    with database.connected() as connection:
        found = standing(connection, "test", "Race Billing", "837P")
    database.dispose()
    assert found is not None
    assert (found.passes, found.certified_at) == (2, NOW)
