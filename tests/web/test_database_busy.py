"""A PostgreSQL that takes no new connection makes the site unavailable for a moment, no more."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from simulator.app import create_app
from simulator.errors import UnavailableError
from simulator.runtime import Runtime
from simulator.store.database import Database
from tests.web.helpers import basic


@pytest.fixture
def database_url(postgres_database: str) -> str:
    return postgres_database


@pytest.fixture
def one_connection_url(postgres_database: str) -> Iterator[str]:
    """The test database, reached as a role that may hold one connection at a time."""
    role = f"busy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'busy' CONNECTION LIMIT 1"))
        connection.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    url = make_url(postgres_database).set(username=role, password="busy")
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP OWNED BY {role}"))
        connection.execute(text(f"DROP ROLE {role}"))
    admin.dispose()


def test_a_server_without_a_free_connection_is_a_refusal_to_retry(one_connection_url: str) -> None:
    database = Database(one_connection_url)
    try:
        with database.engine.connect(), pytest.raises(UnavailableError) as refused:
            database.engine.connect()
        assert refused.value.code == "site_unavailable"
        assert "too many connections" in refused.value.message
        with database.engine.connect() as again:  # the held connection went back: served
            assert again.execute(text("SELECT 1")).scalar() == 1
    finally:
        database.dispose()


def test_a_call_that_finds_the_database_full_answers_503_and_nothing_else(
    runtime: Runtime, one_connection_url: str
) -> None:
    crowded = Runtime.open(replace(runtime.settings, database_url=one_connection_url))
    try:
        client = create_app(crowded.settings, crowded).test_client()
        with crowded.database.engine.connect():  # the role's one connection, held elsewhere
            answer = client.get("/test/api/v1/me", headers=basic("NOBODY"))
        assert answer.status_code == 503
        assert answer.get_json()["error"]["code"] == "site_unavailable"
    finally:
        crowded.close()
