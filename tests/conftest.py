"""Every test builds its own settings, storage and app on a temporary data directory.

``database_url`` is the test's database: SQLite in the data directory (``None``) by default;
suites whose behaviour depends on the database override it with ``postgres_or_sqlite`` so each
test runs on both.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator.app import create_app
from simulator.control.seeding import seed_unseeded_sites
from simulator.runtime import Runtime
from simulator.settings import Settings
from simulator.testing.postgres import running_server
from simulator.testing.simulator import FAST_HASH, BufferedClient
from tests.databases import DatabaseFactory
from tests.pyx12_judge import pyx12_accepts  # noqa: F401  (a fixture for every test)


@pytest.fixture(scope="session")
def postgres(testrun_uid: str) -> Iterator[DatabaseFactory]:
    """Fresh PostgreSQL databases; the xdist workers of a run share one server.

    The server's folder is outside pytest's own temporary folder, which pytest makes private
    to its user again at every start, while the server may run as another user.
    """
    folder = Path(tempfile.gettempdir()) / f"posc-sim-postgres-{testrun_uid[:12]}"
    with running_server(folder) as server_url:
        factory = DatabaseFactory(server_url)
        factory.ensure_template()
        yield factory
        factory.close()


@pytest.fixture
def postgres_database(postgres: DatabaseFactory) -> Iterator[str]:
    """A database of the test's own, with the newest schema; dropped afterwards."""
    url = postgres.take()
    yield url
    postgres.drop(url)


@pytest.fixture
def database_url() -> str | None:
    return None


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str | None) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        base = Settings(
            data_dir=tmp_path / "data", database_url=database_url, password_hash_method=FAST_HASH
        )
        return replace(base, **overrides)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """Prepared storage with both sites seeded with the demo data set."""
    services = Runtime.open(settings)
    services.prepare_storage()
    seed_unseeded_sites(services, settings.dataset, settings.seed)
    yield services
    services.close()


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime.settings, runtime)
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
