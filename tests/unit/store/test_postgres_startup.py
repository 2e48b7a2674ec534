"""Several hosts starting on one PostgreSQL database: the schema and the seeds are made once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from simulator.control.seeding import seed_unseeded_sites
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.store.database import Database
from simulator.store.migrate import current_revision, head_revision, upgrade
from simulator.store.models import Organization, SiteState
from simulator.testing.simulator import FAST_HASH
from tests.databases import DatabaseFactory


@pytest.fixture
def empty_database(postgres: DatabaseFactory) -> Iterator[str]:
    url = postgres.create(empty=True)
    yield url
    postgres.drop(url)


def start_host(url: str, data_dir: Path) -> int:
    """What ``serve`` does before it forks: migrate, make the server state, seed; sites seeded."""
    settings = Settings(data_dir=data_dir, database_url=url, password_hash_method=FAST_HASH)
    runtime = Runtime.open(settings)
    try:
        runtime.prepare_storage()
        return len(seed_unseeded_sites(runtime, settings.dataset, settings.seed))
    finally:
        runtime.close()


def test_hosts_starting_together_on_an_empty_database_migrate_and_seed_once(
    empty_database: str, tmp_path: Path
) -> None:
    hosts = 3
    start = threading.Barrier(hosts)

    def host(number: int) -> int:
        start.wait()
        return start_host(empty_database, tmp_path / f"host-{number}")

    with ThreadPoolExecutor(hosts) as pool:
        seeded = list(pool.map(host, range(hosts)))
    assert sum(seeded) == 2  # each site seeded by exactly one host
    database = Database(empty_database)
    try:
        assert current_revision(database.engine) == head_revision()
        with database.reading() as session:
            assert session.scalar(select(func.count()).select_from(SiteState)) == 2
            versions = session.execute(text("SELECT count(*) FROM alembic_version")).scalar()
            assert versions == 1
    finally:
        database.dispose()


def test_an_older_schema_is_upgraded_in_place(empty_database: str) -> None:
    first = Database(empty_database)
    upgrade(first.engine, "0001")
    with first.transaction() as session:
        session.add(Organization(site="test", name="Kept Billing"))
    first.dispose()

    again = Database(empty_database)
    try:
        upgrade(again.engine)
        assert current_revision(again.engine) == head_revision()
        with again.reading() as session:
            assert session.scalars(select(Organization.name)).all() == ["Kept Billing"]
    finally:
        again.dispose()
