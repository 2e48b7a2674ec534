"""The request journal as stored: entries added in order, read by filters, bounded in size."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import String, delete, insert, select

from simulator.store.database import Executor, connection_of
from simulator.store.models import JournalEntry

FILTERS = ("site", "channel", "operation", "user_id", "provider_id", "tracking_number")
# Built once: every request adds an entry.
_ADD_ENTRIES = insert(JournalEntry).returning(JournalEntry.seq, sort_by_parameter_order=True)
# The longest text each field keeps: a request may name a tracking number or a provider far
# longer than any real one, and the journal keeps what it was asked, cut to fit.
_LENGTHS = {
    column.name: column.type.length
    for column in JournalEntry.__table__.columns
    if isinstance(column.type, String) and column.type.length is not None
}


def add_entries(executor: Executor, entries: Sequence[Mapping[str, Any]], max_entries: int) -> None:
    """Add entries, in order, in the caller's write transaction; past ``max_entries`` the
    oldest go."""
    connection = connection_of(executor)
    rows = [_fitted(values) for values in entries]
    seq = max(connection.execute(_ADD_ENTRIES, rows).scalars())
    if seq > max_entries:
        connection.execute(delete(JournalEntry).where(JournalEntry.seq <= seq - max_entries))


def _fitted(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: value[: _LENGTHS[name]] if isinstance(value, str) and name in _LENGTHS else value
        for name, value in values.items()
    }


def entries(
    executor: Executor, filters: Mapping[str, Any], since: int | None, limit: int
) -> list[dict[str, Any]]:
    """Entries whose ``FILTERS`` fields equal those given, after ``since``, oldest first."""
    statement = select(JournalEntry).order_by(JournalEntry.seq).limit(limit)
    for name, value in filters.items():
        statement = statement.where(getattr(JournalEntry, name) == value)
    if since is not None:
        statement = statement.where(JournalEntry.seq > since)
    return [_entry_json(entry) for entry in executor.scalars(statement)]


def clear(executor: Executor, site: str | None) -> None:
    statement = delete(JournalEntry)
    if site is not None:
        statement = statement.where(JournalEntry.site == site)
    connection_of(executor).execute(statement)


def _entry_json(entry: JournalEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "site": entry.site,
        "channel": entry.channel,
        "operation": entry.operation,
        "user_id": entry.user_id,
        "provider_id": entry.provider_id,
        "tracking_number": entry.tracking_number,
        "status": entry.status,
        "outcome": entry.outcome,
        "fault_id": entry.fault_id,
    }
