"""Group commit: rows that threads of one process each need written, committed together.

Under load every request of a process writes one row of its own after its answer is made (its
journal entry), each in a write transaction, and SQLite has one writer at a time: measured in
the benchmark's paced run, request threads spent most of their waiting at the writer gate on
these single-row commits, and the processing jobs queued behind them. A :class:`GroupCommit`
writes the rows of threads that come while a commit is under way in the next commit, together.

The first thread to come leads: it writes every row queued so far in one transaction. Threads
that come meanwhile wait; when the round is committed, the first of them leads the next one.
Each thread returns once its own row is committed, or raises its round's error, so nothing is
answered before it is written: a grouped row is never later than a lone one. With one thread at
a time there is nothing to group and each row is its own commit, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection

from simulator.store.database import Database

Row = TypeVar("Row")


@dataclass(eq=False)
class _Waiter(Generic[Row]):
    """One thread's row, and how its wait ends: committed, failed, or asked to lead."""

    row: Row
    woken: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    error: BaseException | None = None


class GroupCommit(Generic[Row]):
    """``write(connection, rows)`` run for the rows of every thread waiting, in one commit."""

    def __init__(self, database: Database, write: Callable[[Connection, list[Row]], None]) -> None:
        self._database = database
        self._write = write
        self._lock = threading.Lock()
        self._queued: list[_Waiter[Row]] = []
        self._leader_busy = False
        self.rounds = 0  # commits made: fewer than rows once threads were grouped

    def write(self, row: Row) -> None:
        """Return once ``row`` is committed (with the rows of the threads beside it)."""
        waiter = _Waiter(row)
        with self._lock:
            self._queued.append(waiter)
            leads = not self._leader_busy
            self._leader_busy = True
        if not leads:
            waiter.woken.wait()
            if not waiter.leads:
                _raise_if_failed(waiter)
                return
        self._lead()
        _raise_if_failed(waiter)

    def _lead(self) -> None:
        """Commit every row queued so far; then hand the lead to the first that came since."""
        with self._lock:
            group, self._queued = self._queued, []
        try:
            with self._database.writing() as connection:
                self._write(connection, [waiter.row for waiter in group])
        except BaseException as error:
            for waiter in group:
                waiter.error = error
        self.rounds += 1
        with self._lock:
            if self._queued:
                self._queued[0].leads = True
                self._queued[0].woken.set()
            else:
                self._leader_busy = False
        for waiter in group:
            waiter.woken.set()


def _raise_if_failed(waiter: _Waiter[Row]) -> None:
    if waiter.error is not None:
        raise waiter.error
