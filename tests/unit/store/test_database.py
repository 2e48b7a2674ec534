from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from simulator.store.database import Database


def test_writers_of_two_processes_queue_and_lose_no_write(tmp_path: Path) -> None:
    """Two Database objects on one file stand for two worker processes (each its own lock
    file handle); their threads all increment one counter."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    workers = [Database(url), Database(url)]
    with workers[0].transaction() as session:
        session.execute(text("CREATE TABLE counter (value INTEGER)"))
        session.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[BaseException] = []

    def increment(database: Database) -> None:
        try:
            for _ in range(50):
                with database.writing() as connection:
                    value = connection.execute(text("SELECT value FROM counter")).scalar_one()
                    connection.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=increment, args=(db,)) for db in workers for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with workers[1].connected() as connection:
        assert connection.execute(text("SELECT value FROM counter")).scalar_one() == 400
    assert errors == []
    assert (tmp_path / "shared.db.writer-lock").exists()
    for database in workers:
        database.dispose()


def test_readers_do_not_wait_at_the_gate_while_a_write_is_open(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'nested.db'}")
    with database.transaction() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    with database.writing() as outer:
        outer.execute(text("INSERT INTO t VALUES (1)"))
        reached = threading.Event()

        def reader() -> None:
            with database.connected() as connection:  # readers never queue
                connection.execute(text("SELECT count(*) FROM t")).scalar_one()
                reached.set()

        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(timeout=10)
        assert reached.is_set()
    database.dispose()
