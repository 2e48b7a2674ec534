from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from simulator.store.database import Database
from simulator.store.migrate import current_revision, head_revision, is_current, upgrade
from simulator.store.models import Base, JournalEntry, Organization
from tests.databases import DATABASES, DatabaseFactory


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


@pytest.fixture
def older_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on SQLite or PostgreSQL, for a schema built step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'older.db'}"
        return
    postgres: DatabaseFactory = request.getfixturevalue("postgres")
    url = postgres.create(empty=True)
    yield url
    postgres.drop(url)


@pytest.mark.parametrize("older_database", DATABASES, indirect=True)
def test_journal_entries_of_an_older_database_stay_and_new_ones_name_their_channel(
    older_database: str,
) -> None:
    """0008 adds the channel in place: entries written before keep every field, with none."""
    before = Database(older_database)
    upgrade(before.engine, "0007")
    with before.transaction() as session:
        session.execute(
            text(
                "INSERT INTO journal (at, site, operation, user_id, status, outcome) "
                "VALUES (:at, 'test', 'login', 'ALICE01', 200, 'ok')"
            ),
            {"at": datetime(2026, 3, 1, 12, 30)},
        )
    before.dispose()

    after = Database(older_database)
    try:
        upgrade(after.engine)
        assert current_revision(after.engine) == head_revision()
        with after.transaction() as session:
            session.add(
                JournalEntry(
                    at=datetime(2026, 3, 1, 12, 31, tzinfo=UTC),
                    site="test",
                    channel="core",
                    operation="realtime",
                    outcome="ok",
                )
            )
        with after.reading() as session:
            rows = session.execute(
                select(JournalEntry.operation, JournalEntry.user_id, JournalEntry.channel).order_by(
                    JournalEntry.seq
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            ("login", "ALICE01", None),
            ("realtime", None, "core"),
        ]
    finally:
        after.dispose()
