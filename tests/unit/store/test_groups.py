"""Group commit: each thread returns once its own row is committed, grouped or not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from simulator.store.database import Database
from simulator.store.groups import GroupCommit, InterruptedRoundError

WAIT_SECONDS = 10


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'groups.db'}")
    with database.writing() as connection:
        connection.execute(text("CREATE TABLE items (name TEXT PRIMARY KEY)"))
    yield database
    database.dispose()


def insert(connection: Connection, names: list[str]) -> None:
    connection.execute(text("INSERT INTO items VALUES (:name)"), [{"name": n} for n in names])


def stored(database: Database, name: str) -> bool:
    """Read on a connection of its own, as another process would."""
    with database.connected() as connection:
        found = connection.execute(text("SELECT 1 FROM items WHERE name = :n"), {"n": name})
        return found.first() is not None


class Gated:
    """A write that holds its first round until the test releases it."""

    def __init__(self, database: Database) -> None:
        self.rounds: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.group = GroupCommit[str](database, self.write)

    def write(self, connection: Connection, names: list[str]) -> None:
        self.rounds.append(list(names))
        if len(self.rounds) == 1:
            self.started.set()
            assert self.release.wait(WAIT_SECONDS)
        if "bad" in names:
            raise ValueError("a row this round cannot take")
        insert(connection, names)

    def waiting(self) -> int:
        return len(self.group._queued)


class Interrupt(BaseException):
    """What a signal raises in the thread that leads a round."""


def run_in_threads(gated: Gated, names: list[str]) -> dict[str, object]:
    """The first name leads a held round; the others queue behind it; what each one got."""
    results: dict[str, object] = {}

    def write(name: str) -> None:
        try:
            gated.group.write(name)
            results[name] = stored(gated.group._database, name)  # committed on return
        except (ValueError, InterruptedRoundError, Interrupt) as error:
            results[name] = error

    first = threading.Thread(target=write, args=(names[0],))
    first.start()
    assert gated.started.wait(WAIT_SECONDS)
    others = [threading.Thread(target=write, args=(name,)) for name in names[1:]]
    for thread in others:
        thread.start()
    while gated.waiting() < len(others):
        threading.Event().wait(0.01)
    gated.release.set()
    for thread in [first, *others]:
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive()
    return results


def test_threads_that_come_during_a_commit_share_the_next_and_return_committed(
    database: Database,
) -> None:
    gated = Gated(database)
    names = ["lead", "b", "c", "d", "e", "f"]
    results = run_in_threads(gated, names)
    assert results == dict.fromkeys(names, True)
    assert gated.rounds[0] == ["lead"]
    assert sorted(gated.rounds[1]) == ["b", "c", "d", "e", "f"]
    assert len(gated.rounds) == 2


def test_a_bad_row_fails_only_its_own_thread(database: Database) -> None:
    """A round that fails is written again row by row: the others' rows are committed."""
    gated = Gated(database)
    results = run_in_threads(gated, ["lead", "bad", "x", "y"])
    assert results["lead"] is True
    assert isinstance(results["bad"], ValueError)
    assert (results["x"], results["y"]) == (True, True)
    assert sorted(gated.rounds[1]) == ["bad", "x", "y"]
    gated.group.write("after")  # the group is not left waiting for a leader
    assert stored(database, "after")


def test_an_interrupted_round_fails_its_threads_and_leaves_the_group_a_leader(
    database: Database,
) -> None:
    gated = Gated(database)
    interrupted = threading.Event()

    def write(connection: Connection, names: list[str]) -> None:
        if "stop" in names and not interrupted.is_set():
            interrupted.set()
            raise Interrupt
        gated.write(connection, names)

    gated.group = GroupCommit[str](database, write)
    results = run_in_threads(gated, ["lead", "stop", "x"])
    assert results["lead"] is True
    # The round's leader (the first of the two to queue) is interrupted; the other is told.
    assert {type(results["stop"]), type(results["x"])} == {Interrupt, InterruptedRoundError}
    gated.group.write("after")
    assert stored(database, "after")
    assert not stored(database, "x")


def test_one_thread_at_a_time_commits_each_row_alone(database: Database) -> None:
    rounds: list[list[str]] = []

    def write(connection: Connection, names: list[str]) -> None:
        rounds.append(names)
        insert(connection, names)

    group = GroupCommit[str](database, write)
    for name in ("one", "two", "three"):
        group.write(name)
        assert stored(database, name)
    assert rounds == [["one"], ["two"], ["three"]]


def test_many_threads_writing_at_once_lose_no_row(database: Database) -> None:
    group = GroupCommit[str](database, insert)
    names = [f"row{number}" for number in range(200)]
    threads = [threading.Thread(target=group.write, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive()
    with database.connected() as connection:
        count = connection.execute(text("SELECT count(*) FROM items")).scalar_one()
    assert count == len(names)
