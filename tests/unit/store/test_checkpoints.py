"""The write-ahead log's checkpoints, taken off the commits by a server process's thread."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

from sqlalchemy import text

from simulator.store.checkpoints import Checkpointer, checkpoint
from simulator.store.database import Database

ROW = "x" * 2000  # about half a page: 3,000 rows take the log well past SQLite's 1,000 pages
ROWS = 3000


def _fill(database: Database, first: int = 0) -> None:
    for number in range(first, first + ROWS):
        with database.writing() as connection:
            connection.execute(
                text("INSERT INTO filler VALUES (:n, :row)"), {"n": number, "row": ROW}
            )


def _new_database(path: Path) -> Database:
    database = Database(f"sqlite:///{path}")
    with database.writing() as connection:
        connection.execute(text("CREATE TABLE filler (n INTEGER PRIMARY KEY, row TEXT)"))
    return database


def test_commits_leave_the_log_to_the_checkpointer_which_moves_it(tmp_path: Path) -> None:
    database = _new_database(tmp_path / "log.db")
    checkpointer = Checkpointer(database, interval_seconds=3600)  # this test checkpoints itself
    checkpointer.start()
    try:
        _fill(database)
        found = checkpoint(database)
    finally:
        checkpointer.stop()
        database.dispose()
    # With checkpoints in the commits the log would have restarted at each 1,000 pages.
    assert found.log_pages > 1000
    assert found.checkpointed_pages == found.log_pages


def test_without_a_checkpointer_commits_checkpoint_as_sqlite_does(tmp_path: Path) -> None:
    database = _new_database(tmp_path / "inline.db")
    try:
        _fill(database)
        found = checkpoint(database)
    finally:
        database.dispose()
    assert found.log_pages < 1000


def _write_then_die(path: Path, written: multiprocessing.SimpleQueue[int]) -> None:
    database = Database(f"sqlite:///{path}")
    Checkpointer(database, interval_seconds=3600).start()
    for number in range(ROWS, 2 * ROWS):
        with database.writing() as connection:
            connection.execute(
                text("INSERT INTO filler VALUES (:n, :row)"), {"n": number, "row": ROW}
            )
        written.put(number)
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_process_killed_before_its_checkpoint_loses_no_commit(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    _new_database(path).dispose()
    context = multiprocessing.get_context("spawn")
    written: multiprocessing.SimpleQueue[int] = context.SimpleQueue()
    process = context.Process(target=_write_then_die, args=(path, written))
    process.start()
    process.join(timeout=120)
    assert process.exitcode == -signal.SIGKILL
    committed = set()
    while not written.empty():
        committed.add(written.get())
    assert len(committed) == ROWS
    reopened = Database(f"sqlite:///{path}")
    try:
        with reopened.connected() as connection:
            kept = set(connection.execute(text("SELECT n FROM filler")).scalars())
    finally:
        reopened.dispose()
    assert kept == committed
