"""Counters kept in the database: every worker process and every host adds to the same rows.

One upsert per counter and flush (``INSERT ... ON CONFLICT DO UPDATE SET value = value + n``),
which SQLite and PostgreSQL both run atomically, so concurrent writers never lose an increment.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from simulator.store.database import Database
from simulator.store.models import MetricCounter

# (counter name, canonical labels) -> amount
Increments = Mapping[tuple[str, str], float]


class CounterStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        dialect = database.engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    def add(self, increments: Increments) -> None:
        """Add every amount in one write transaction."""
        if not increments:
            return
        rows = [
            {"name": name, "labels": labels, "value": amount}
            for (name, labels), amount in sorted(increments.items())
        ]
        statement = self._insert(MetricCounter)
        statement = statement.on_conflict_do_update(
            index_elements=[MetricCounter.name, MetricCounter.labels],
            set_={"value": MetricCounter.value + statement.excluded.value},
        )
        with self._database.writing() as session:
            session.execute(statement, rows)

    def read(self) -> list[tuple[str, str, float]]:
        with self._database.reading() as session:
            found = session.execute(
                select(MetricCounter.name, MetricCounter.labels, MetricCounter.value).order_by(
                    MetricCounter.name, MetricCounter.labels
                )
            )
            return [(name, labels, float(value)) for name, labels, value in found]
