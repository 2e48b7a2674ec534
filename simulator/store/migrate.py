"""Bring a database to the newest schema; safe to call on every start.

Migrations run once, in the parent process before workers fork, so workers never race to
create the schema. The upgrade holds a lock, so servers started together still apply each
migration only once: a write lock on SQLite (``BEGIN IMMEDIATE``), an advisory lock on
PostgreSQL, where several hosts may start on one empty database at once. The others wait,
find the schema current, and go on.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from simulator.store.database import hold_advisory_lock

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATION_LOCK = "posc-sim migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@functools.cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (the newest by default)."""
    config = _config()
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    with writer.begin() as connection:
        hold_advisory_lock(connection, MIGRATION_LOCK)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
