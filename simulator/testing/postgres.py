"""A PostgreSQL server to run against, for the tests and the benchmarks alike.

The server is the one ``POSC_SIM_TEST_DATABASE_URL`` names (the account must be allowed to
create databases), or else one started from the ``pgserver`` wheel, which ships PostgreSQL 16,
so a machine with nothing but Python has one too. Databases on it are made and dropped here
by name; what goes into them (a template with the schema, or nothing for hosts to migrate) is
the caller's choice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

TEST_DATABASE_ENV = "POSC_SIM_TEST_DATABASE_URL"
NEEDING_RESTART = (
    "SELECT count(*) FROM pg_settings WHERE context = 'postmaster' AND name = ANY(:names)"
)
# Durability is not what tests check; without it every commit of every test is cheaper.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def database_url(server_url: str, name: str) -> str:
    """The SQLAlchemy URL (psycopg 3) of database ``name`` on the server of ``server_url``."""
    url = make_url(server_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


@contextmanager
def running_server(folder: Path, settings: Mapping[str, str] = FAST_SETTINGS) -> Iterator[str]:
    """The URL of the PostgreSQL to run against: the one named outside, or one started here.

    A server started here gets ``settings`` (``ALTER SYSTEM``; the defaults are the tests'
    fast ones, an empty mapping keeps PostgreSQL's own). Every process passing the same
    ``folder`` shares one server; the last to leave stops it and deletes the folder.
    """
    named = os.environ.get(TEST_DATABASE_ENV)
    if named:
        yield named
        return
    # Only where no server is named: pgserver is a development dependency.
    from pgserver.postgres_server import get_server

    server = get_server(folder, cleanup_mode="delete")
    try:
        url: str = server.get_uri()
        if _configure(url, settings):
            _restart(server)
        yield url
    finally:
        server.cleanup()


def _configure(server_url: str, settings: Mapping[str, str]) -> bool:
    """Apply ``settings``; True if one of them takes a restart (e.g. ``max_connections``)."""
    if not settings:
        return False
    with admin_engine(server_url) as admin, admin.connect() as connection:
        for name, value in settings.items():
            connection.execute(text(f"ALTER SYSTEM SET {name} = '{value}'"))
        connection.execute(text("SELECT pg_reload_conf()"))
        found = connection.execute(text(NEEDING_RESTART), {"names": list(settings)})
        return bool(found.scalar())


@contextmanager
def admin_engine(server_url: str) -> Iterator[Engine]:
    """An engine on the server's maintenance database, outside transactions (CREATE DATABASE)."""
    engine = create_engine(
        database_url(server_url, make_url(server_url).database or "postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    try:
        yield engine
    finally:
        engine.dispose()


def create_database(server_url: str, name: str, template: str = "template0") -> str:
    """A new database ``name``, a copy of ``template`` (empty by default); its SQLAlchemy URL."""
    with admin_engine(server_url) as admin, admin.connect() as connection:
        # FILE_COPY copies the folder: faster than WAL_LOG for a small database.
        copy = f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY'
        connection.execute(text(copy))
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` of the server, closing its connections first."""
    with admin_engine(server_url) as admin, admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _restart(server: PostgresServer) -> None:
    """Restart a pgserver server in place (same folder, socket and URL), and follow its new
    process, so that its clean-up still stops it."""
    from pgserver import _commands

    # pgserver makes a function per PostgreSQL program at import, which mypy cannot see.
    pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]
    pg_ctl(["-w", "restart", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)
    server.ensure_postgres_running()
