"""Group commit: rows that threads of one process each need written, committed together.

Under load every request of a process writes one row of its own after its answer is made (its
journal entry), each in a write transaction, and SQLite has one writer at a time: measured in
the benchmark's paced run, request threads spent most of their waiting at the writer gate on
these single-row commits, and the processing jobs queued behind them. A :class:`GroupCommit`
writes the rows of threads that come while a commit is under way in the next commit, together.

The first thread to come leads: it writes every row queued so far in one transaction. Threads
that come meanwhile wait; when the round is committed, the first of them leads the next one.
Each thread returns once its own row is committed, or raises its own row's error (a round that
fails is written again row by row, so one bad row fails only its own thread), so nothing is
answered before it is written: a grouped row is never later than a lone one. With one thread
at a time there is nothing to group and each row is its own commit, as before.

A thread must not write through a group while it holds a write transaction: the round's leader
would wait for that transaction's writer turn, and the thread for the leader.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection

from simulator.store.database import Database

Row = TypeVar("Row")


class InterruptedRoundError(RuntimeError):
    """The thread writing a round was interrupted before the round's rows were committed."""


@dataclass(eq=False)
class _Waiter(Generic[Row]):
    """One thread's row, and how its wait ends: committed, failed, or asked to lead."""

    row: Row
    woken: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    done: bool = False
    error: Exception | None = None


class GroupCommit(Generic[Row]):
    """``write(connection, rows)`` run for the rows of every thread waiting, in one commit."""

    def __init__(self, database: Database, write: Callable[[Connection, list[Row]], None]) -> None:
        self._database = database
        self._write = write
        self._lock = threading.Lock()
        self._queued: list[_Waiter[Row]] = []
        self._leader_busy = False

    def write(self, row: Row) -> None:
        """Return once ``row`` is committed (with the rows of the threads beside it)."""
        waiter = _Waiter(row)
        with self._lock:
            self._queued.append(waiter)
            leads = not self._leader_busy
            self._leader_busy = True
        if not leads:
            self._follow(waiter)
        if not waiter.done:
            self._lead()
        if waiter.error is not None:
            raise waiter.error

    def _follow(self, waiter: _Waiter[Row]) -> None:
        """Wait to be committed or to lead; a wait cut short leaves the group a leader."""
        try:
            waiter.woken.wait()
        except BaseException:
            with self._lock:
                if waiter in self._queued:
                    self._queued.remove(waiter)
                if waiter.leads:
                    self._pass_lead()
            raise

    def _lead(self) -> None:
        """Commit every row queued so far; then hand the lead to the first that came since."""
        with self._lock:
            group, self._queued = self._queued, []
        try:
            self._commit(group)
        except BaseException as interruption:
            for waiter in group:
                waiter.error = InterruptedRoundError(
                    str(interruption) or type(interruption).__name__
                )
            raise
        finally:
            with self._lock:
                self._pass_lead()
            for waiter in group:
                waiter.done = True
                waiter.woken.set()

    def _commit(self, group: list[_Waiter[Row]]) -> None:
        """The group's rows in one transaction; if that fails, each row in its own."""
        try:
            self._write_rows([waiter.row for waiter in group])
        except Exception as error:
            if len(group) == 1:
                group[0].error = error
                return
            for waiter in group:
                try:
                    self._write_rows([waiter.row])
                except Exception as own:
                    waiter.error = own

    def _write_rows(self, rows: list[Row]) -> None:
        with self._database.writing() as connection:
            self._write(connection, rows)

    def _pass_lead(self) -> None:
        """Under the lock: the first queued thread leads the next round, or no one leads."""
        if self._queued:
            self._queued[0].leads = True
            self._queued[0].woken.set()
        else:
            self._leader_busy = False
