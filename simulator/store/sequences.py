"""Per-site counters that never hand out a value twice, across threads and processes.

An increment is one ``UPDATE ... RETURNING`` inside the caller's write transaction: SQLite
serialises write transactions (``BEGIN IMMEDIATE``) and PostgreSQL locks the row, so two
uploads in two worker processes can never read the same value.

A processing job needs a dozen numbers (interchange, group and set control numbers, file IDs,
claim numbers); :class:`NumberBlocks` reserves them a block at a time, several counters in one
statement, so a job pays one or two round trips instead of one per number.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from sqlalchemy import Insert, Update, bindparam, case, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from simulator.store.database import Database, Executor, connection_of
from simulator.store.models import Sequence

MAX_BLOCK = 1024


# Built once: every upload takes a tracking number.
_NEXT_VALUE = (
    update(Sequence)
    .where(Sequence.site == bindparam("counter_site"), Sequence.name == bindparam("counter"))
    .values(value=Sequence.value + 1)
    .returning(Sequence.value)
)


def next_value(session: Executor, site: str, name: str) -> int:
    """The counter's next value; numbers taken this way are consecutive."""
    value = (
        connection_of(session)
        .execute(_NEXT_VALUE, {"counter_site": site, "counter": name})
        .scalar_one_or_none()
    )
    return int(value) if value is not None else reserve(session, site, {name: 1})[name]


def reserve(session: Executor, site: str, sizes: Mapping[str, int]) -> dict[str, int]:
    """Add ``sizes[name]`` to each counter at once; each counter's first reserved value.

    The values ``first .. first + size - 1`` of each counter are the caller's alone. A counter
    used for the first time is created at zero first; two transactions creating it at once
    (two hosts, or two workers on PostgreSQL) both go on, since the second insert waits for
    the first and then does nothing.
    """
    firsts = _add(session, site, sizes)
    missing = {name: size for name, size in sizes.items() if name not in firsts}
    if missing:
        connection_of(session).execute(_created_counters(session, site, missing))
        firsts.update(_add(session, site, missing))
    return firsts


def _add(session: Executor, site: str, sizes: Mapping[str, int]) -> dict[str, int]:
    statement = _reservation(tuple(sorted(sizes.items())))
    rows = connection_of(session).execute(statement, {"counter_site": site})
    return {name: int(last) - sizes[name] + 1 for name, last in rows}


def _created_counters(session: Executor, site: str, names: Iterable[str]) -> Insert:
    dialect = connection_of(session).dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"site": site, "name": name, "value": 0} for name in names]
    return insert(Sequence).values(rows).on_conflict_do_nothing()


@functools.lru_cache(maxsize=64)
def _reservation(sizes: tuple[tuple[str, int], ...]) -> Update:
    """The statement for these counters and sizes: jobs ask for the same few again and again."""
    return (
        update(Sequence)
        .where(Sequence.site == bindparam("counter_site"), Sequence.name.in_(dict(sizes)))
        .values(value=Sequence.value + case(dict(sizes), value=Sequence.name))
        .returning(Sequence.name, Sequence.value)
    )


class NumberBlocks:
    """Numbers from a site's counters, reserved in blocks, each in its own short transaction.

    Numbers of a block that go unused are skipped, never reused: X12 control numbers, claim
    numbers and file IDs may have gaps but never repeat, which is all X12 asks. Since each
    reservation commits at once, whoever takes numbers holds no lock meanwhile; it must not
    take one inside a write transaction of its own (on SQLite that would wait for itself).
    """

    def __init__(self, database: Database, site: str) -> None:
        self._database = database
        self._site = site
        self._next: dict[str, int] = {}
        self._end: dict[str, int] = {}
        self._size: dict[str, int] = {}

    def reserve_in(self, session: Executor, sizes: Mapping[str, int]) -> None:
        """Reserve blocks in the caller's write transaction (which must then commit)."""
        self._keep(sizes, reserve(session, self._site, sizes))

    def take(self, name: str) -> int:
        """The counter's next reserved number (a new block, in its own short transaction, when
        the last one runs out)."""
        if self._next.get(name, 0) >= self._end.get(name, 0):
            self.reserve({name: min(self._size.get(name, 2) * 2, MAX_BLOCK)})
        value = self._next[name]
        self._next[name] = value + 1
        return value

    def reserve(self, sizes: Mapping[str, int]) -> None:
        """Reserve blocks of several counters in one short transaction of their own."""
        with self._database.transaction() as session:
            firsts = reserve(session, self._site, sizes)
        self._keep(sizes, firsts)

    def _keep(self, sizes: Mapping[str, int], firsts: Mapping[str, int]) -> None:
        for name, first in firsts.items():
            self._next[name] = first
            self._end[name] = first + sizes[name]
            self._size[name] = sizes[name]
