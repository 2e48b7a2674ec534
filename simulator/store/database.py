"""Engine and transactions shared by every worker process.

SQLite runs in WAL mode so readers never wait for the writer. Transactions that write begin
with ``BEGIN IMMEDIATE``: a deferred transaction that reads first and writes later can fail at
once with "database is locked" when another process wrote in between, and the busy timeout
does not cover that case. Read-only work uses a plain deferred ``BEGIN``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, a busy timeout and explicit BEGINs."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself, so the kind of BEGIN can be chosen.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """Owns the engine and hands out sessions for one unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writer_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._writer = sessionmaker(bind=self._writer_engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed together, or rolled back on any error."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only; nothing it does is committed.

        Closing (not rolling back) ends it, so loaded objects stay readable once detached.
        """
        with self._reader() as session:
            yield session

    @contextmanager
    def connected(self) -> Iterator[Connection]:
        """A connection for Core reads, about half the cost of a session: for hot paths."""
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction on a bare connection, committed at the end: for hot paths."""
        with self._writer_engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
