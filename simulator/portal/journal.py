"""The request journal: what happened, in order, for harnesses to check afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from simulator.clock import Clock
from simulator.meter import Meter
from simulator.store import journal as stored
from simulator.store.database import Database, Executor
from simulator.store.groups import GroupCommit

DEFAULT_LIMIT = 1000
# What a request's own write transaction also records: the request's journal entry, written
# by the door that knows it (given the executor and the upload's tracking number), so an
# upload or a download is one commit instead of two.
AlsoRecord = Callable[[Executor, str | None], None]


@dataclass(frozen=True)
class JournalEvent:
    site: str
    operation: str
    outcome: str
    status: int | None = None
    user_id: str | None = None
    provider_id: str | None = None
    tracking_number: str | None = None
    fault_id: str | None = None
    channel: str | None = None  # web, api or core; None for work outside a request


@dataclass(frozen=True)
class JournalQuery:
    site: str | None = None
    channel: str | None = None
    operation: str | None = None
    user_id: str | None = None
    provider_id: str | None = None
    tracking_number: str | None = None
    since: int | None = None
    limit: int = DEFAULT_LIMIT


class Journal:
    """Bounded: past ``max_entries`` the oldest entries go; ``enabled=False`` records nothing.

    Every event is also counted by ``meter`` (``posc_sim_requests_total``), journal on or off:
    the counts live apart from the entries, so clearing the journal never lowers them.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        meter: Meter,
        *,
        enabled: bool = True,
        max_entries: int = 100_000,
    ) -> None:
        self._database = database
        self._meter = meter
        self._clock = clock
        self._enabled = enabled
        self._max_entries = max_entries
        # An entry written on its own (a status poll's, after the answer) is committed with the
        # entries of the other threads of this process that write meanwhile.
        self._alone = GroupCommit[dict[str, Any]](database, self._add_all)

    def record(self, event: JournalEvent, session: Executor | None = None) -> None:
        """Count and add an entry in ``session``'s write transaction, or in one of its own."""
        self.count(event)
        self.write(event, session)

    def count(self, event: JournalEvent) -> None:
        """Count the event in ``posc_sim_requests_total`` (journal on or off)."""
        self._meter.count(
            "posc_sim_requests",
            {
                "site": event.site,
                "operation": event.operation,
                "status": str(event.status or ""),
                "outcome": event.outcome,
            },
        )

    def write(self, event: JournalEvent, session: Executor | None = None) -> None:
        """Add the entry uncounted: whoever writes it inside a transaction that may still roll
        back counts it once the answer stands."""
        if not self._enabled:
            return
        values = _as_dict(event)
        if session is None:
            self._alone.write(values)
        else:
            self._add_all(session, [values])

    def _add_all(self, executor: Executor, entries: list[dict[str, Any]]) -> None:
        """Stamped in the write transaction, so the entries' times follow their order."""
        now = self._clock.now()
        stored.add_entries(
            executor, [{"at": now, **values} for values in entries], self._max_entries
        )

    def entries(self, query: JournalQuery) -> list[dict[str, Any]]:
        """Matching entries, oldest first; ``since`` is the last ``seq`` already seen."""
        filters = {
            name: getattr(query, name)
            for name in stored.FILTERS
            if getattr(query, name) is not None
        }
        with self._database.reading() as session:
            return stored.entries(session, filters, query.since, query.limit)

    def clear(self, site: str | None = None) -> None:
        with self._database.transaction() as session:
            stored.clear(session, site)


def _as_dict(event: JournalEvent) -> dict[str, Any]:
    return {field.name: getattr(event, field.name) for field in fields(event)}
