"""The store runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.databases import DATABASES, postgres_or_sqlite


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> str | None:
    return postgres_or_sqlite(request)
