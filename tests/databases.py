"""The databases tests run against: a SQLite file, or a fresh database on a real PostgreSQL.

The PostgreSQL server is the one ``POSC_SIM_TEST_DATABASE_URL`` names (any database there; the
account must be allowed to create databases), or else one started from the ``pgserver`` wheel,
which ships PostgreSQL 16, so a machine with nothing but Python runs these tests too
(:mod:`simulator.testing.postgres`, which the benchmark uses too). The pytest-xdist workers of
one run share that server.

Each test gets a database of its own, copied from a template that already holds the newest
schema (``CREATE DATABASE ... TEMPLATE``), and dropped after the test. Copying takes half a
second or more on a busy machine, so the next test's database is made in the background while
the current test runs.
"""

from __future__ import annotations

import secrets
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from simulator.store.database import make_engine
from simulator.store.migrate import head_revision, upgrade
from simulator.testing.postgres import (
    admin_engine,
    create_database,
    database_url,
    drop_database,
)

DATABASES = ("sqlite", "postgresql")
# Any fixed number: the key of the advisory lock under which one worker builds the template.
TEMPLATE_LOCK = 7_384_001


class DatabaseFactory:
    """Makes fresh databases with the newest schema on one PostgreSQL server."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.template = f"posc_sim_template_{head_revision()}"
        self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="next-database")
        self._next: Future[str] | None = None

    def ensure_template(self) -> None:
        """Build the template once per server and schema, whichever worker comes first."""
        with admin_engine(self.server_url) as admin, admin.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": TEMPLATE_LOCK})
            try:
                if not _exists(connection, self.template):
                    self._build_template(connection)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": TEMPLATE_LOCK})

    def _build_template(self, connection: Connection) -> None:
        building = f"{self.template}_building"
        execute = connection.execute
        execute(text(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)'))
        execute(text(f'CREATE DATABASE "{building}"'))
        engine = make_engine(database_url(self.server_url, building))
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        execute(text(f'ALTER DATABASE "{building}" RENAME TO "{self.template}"'))

    def take(self) -> str:
        """A new database with the schema (made while the last test ran); its SQLAlchemy URL."""
        made = self._next.result() if self._next is not None else self.create()
        self._next = self._maker.submit(self.create)
        return made

    def close(self) -> None:
        """Drop the database made ahead that no test took."""
        if self._next is not None:
            self.drop(self._next.result())
            self._next = None
        self._maker.shutdown()

    def create(self, *, empty: bool = False) -> str:
        """A new database (with the schema, unless ``empty``); its SQLAlchemy URL."""
        name = f"posc_sim_test_{secrets.token_hex(6)}"
        return create_database(self.server_url, name, "template0" if empty else self.template)

    def drop(self, url: str) -> None:
        drop_database(self.server_url, str(make_url(url).database))


def _exists(connection: Connection, name: str) -> bool:
    found = connection.execute(
        text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
    )
    return found.first() is not None


def postgres_or_sqlite(request: pytest.FixtureRequest) -> str | None:
    """For a ``database_url`` fixture parametrized over ``DATABASES``: ``None`` is SQLite."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_database")
        return url
    return None
