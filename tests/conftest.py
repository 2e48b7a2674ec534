"""Every test builds its own settings, storage and app on a temporary data directory."""

from __future__ import annotations

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
from simulator.testing.simulator import FAST_HASH, BufferedClient
from tests.pyx12_judge import pyx12_accepts  # noqa: F401  (a fixture for every test)


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        base = Settings(data_dir=tmp_path / "data", password_hash_method=FAST_HASH)
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
