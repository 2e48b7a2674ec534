from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, select

from simulator.store.database import Database
from simulator.store.migrate import current_revision, head_revision, is_current, upgrade
from simulator.store.models import Base, Organization


def test_an_empty_data_directory_gets_the_whole_schema(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert current_revision(database.engine) is None
        upgrade(database.engine)
        assert is_current(database.engine)
        tables = set(inspect(database.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        database.dispose()


def test_an_existing_data_directory_keeps_its_rows_across_upgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    first = Database(url)
    upgrade(first.engine, "0001")
    with first.transaction() as session:
        session.add(Organization(site="test", name="Kept Billing"))
    first.dispose()

    again = Database(url)  # a later start of a newer version on the same directory
    try:
        upgrade(again.engine)
        upgrade(again.engine)  # every start upgrades; a current schema is left alone
        assert current_revision(again.engine) == head_revision()
        with again.reading() as session:
            names = session.scalars(select(Organization.name)).all()
        assert names == ["Kept Billing"]
    finally:
        again.dispose()


def test_the_migrations_match_the_models(tmp_path: Path) -> None:
    """A model changed without a migration would make a fresh database differ from the code."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    database = Database(f"sqlite:///{tmp_path / 'drift.db'}")
    try:
        upgrade(database.engine)
        with database.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode_with_aware_times(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        upgrade(database.engine)
        with database.engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"
        from simulator.store.models import SiteState

        stamp = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
        with database.transaction() as session:
            session.add(SiteState(site="test", dataset="empty", seed=1, seeded_at=stamp))
        with database.reading() as session:
            stored = session.get(SiteState, "test")
            assert stored is not None
            assert stored.seeded_at == stamp
            assert stored.seeded_at.tzinfo is not None
    finally:
        database.dispose()
