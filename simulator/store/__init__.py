"""Persistence: SQLAlchemy models and sessions, migrations, and the blob store for file bytes."""
