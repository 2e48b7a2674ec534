"""The request journal: what happened, in order, for harnesses to check afterwards."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from simulator.clock import Clock
from simulator.meter import Meter
from simulator.store.database import Database
from simulator.store.models import JournalEntry

DEFAULT_LIMIT = 1000
_ADD_ENTRY = insert(JournalEntry).returning(JournalEntry.seq)  # built once: every request adds


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


@dataclass(frozen=True)
class JournalQuery:
    site: str | None = None
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

    def record(self, event: JournalEvent, session: Session | None = None) -> None:
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
            self._add(session.connection(), event)

    def _add(self, connection: Connection, event: JournalEvent) -> None:
        values = {"at": self._clock.now(), **_as_dict(event)}
        seq = connection.execute(_ADD_ENTRY, values).scalar_one()
        if seq > self._max_entries:
            connection.execute(
                delete(JournalEntry).where(JournalEntry.seq <= seq - self._max_entries)
            )

    def entries(self, query: JournalQuery) -> list[dict[str, Any]]:
        """Matching entries, oldest first; ``since`` is the last ``seq`` already seen."""
        statement = select(JournalEntry).order_by(JournalEntry.seq).limit(query.limit)
        for name in ("site", "operation", "user_id", "provider_id", "tracking_number"):
            value = getattr(query, name)
            if value is not None:
                statement = statement.where(getattr(JournalEntry, name) == value)
        if query.since is not None:
            statement = statement.where(JournalEntry.seq > query.since)
        with self._database.reading() as session:
            return [_entry_json(entry) for entry in session.scalars(statement)]

    def clear(self, site: str | None = None) -> None:
        statement = delete(JournalEntry)
        if site is not None:
            statement = statement.where(JournalEntry.site == site)
        with self._database.transaction() as session:
            session.execute(statement)


def _as_dict(event: JournalEvent) -> dict[str, Any]:
    return {field.name: getattr(event, field.name) for field in fields(event)}


def _entry_json(entry: JournalEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "site": entry.site,
        "operation": entry.operation,
        "user_id": entry.user_id,
        "provider_id": entry.provider_id,
        "tracking_number": entry.tracking_number,
        "status": entry.status,
        "outcome": entry.outcome,
        "fault_id": entry.fault_id,
    }
