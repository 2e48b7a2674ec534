"""Per-site counters that never hand out a value twice, across threads and processes.

The increment is one ``UPDATE ... RETURNING`` inside the caller's write transaction: SQLite
serialises write transactions (``BEGIN IMMEDIATE``) and PostgreSQL locks the row, so two
uploads in two worker processes can never read the same value.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from simulator.store.models import Sequence


def next_value(session: Session, site: str, name: str) -> int:
    statement = (
        update(Sequence)
        .where(Sequence.site == site, Sequence.name == name)
        .values(value=Sequence.value + 1)
        .returning(Sequence.value)
    )
    value = session.execute(statement).scalar_one_or_none()
    if value is not None:
        return int(value)
    session.add(Sequence(site=site, name=name, value=1))
    session.flush()
    return 1
