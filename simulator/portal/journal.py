"""The request journal: what happened, in order, for harnesses to check afterwards."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from simulator.clock import Clock
from simulator.meter import Meter
from simulator.store import journal as stored
from simulator.store.database import Database, Executor

DEFAULT_LIMIT = 1000


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

    def record(self, event: JournalEvent, session: Executor | None = None) -> None:
        """Add an entry in ``session``'s write transaction, or in a transaction of its own."""
        self._meter.count(
            "posc_sim_requests",
            {
                "site": event.site,
                "operation": event.operation,
                "status": str(event.status or ""),
                "outcome": event.outcome,
            },
        )
        if not self._enabled:
            return
        if session is None:
            with self._database.writing() as own:
                self._add(own, event)
        else:
            self._add(session, event)

    def _add(self, executor: Executor, event: JournalEvent) -> None:
        values = {"at": self._clock.now(), **_as_dict(event)}
        stored.add_entry(executor, values, self._max_entries)

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
