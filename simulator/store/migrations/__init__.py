"""Alembic migrations; applied at start by :func:`simulator.store.migrate.upgrade`."""
